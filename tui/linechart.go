package tui

import (
	"math"

	"github.com/guptarohit/asciigraph"
)

// Line charts are drawn by asciigraph, whose own Width option resamples a
// series by linear interpolation at evenly spaced positions: a peak that
// falls between two of them is drawn lower (a day of 178 users drawn as
// 143 at 80 columns). So the workbench fits each series to the plot's
// columns itself and hands asciigraph exactly one value per column.

// pointColumn is the column of point i of n on a plot of cols columns:
// the first point on column 0, the last on column cols-1, evenly between.
// Axis labels and alert markers use it too, so they sit under their point.
func pointColumn(i, n, cols int) int {
	if n <= 1 || cols <= 1 {
		return 0
	}
	return int(math.Round(float64(i) * float64(cols-1) / float64(n-1)))
}

// fitColumns fits a series of n points to cols columns without losing an
// extreme. With no more points than columns, every point gets a column of
// its own (pointColumn) holding its exact value, and the columns between
// two points are interpolated linearly, which never goes past either.
// With more points than columns, each column holds several points: hi is
// their maximum and lo their minimum, so a chart drawing both shows every
// peak and every dip. lo is nil when no column holds more than one point.
// NaN points (no value) are skipped; a column with none is NaN.
func fitColumns(v []float64, cols int) (hi, lo []float64) {
	n := len(v)
	if n == 0 || cols <= 0 {
		return nil, nil
	}
	if n == 1 {
		hi = make([]float64, cols)
		for c := range hi {
			hi[c] = v[0]
		}
		return hi, nil
	}
	if n <= cols {
		hi = make([]float64, cols)
		for i := 0; i+1 < n; i++ {
			c0, c1 := pointColumn(i, n, cols), pointColumn(i+1, n, cols)
			for c := c0; c <= c1; c++ {
				f := float64(c-c0) / float64(c1-c0)
				hi[c] = v[i] + f*(v[i+1]-v[i])
			}
			hi[c0], hi[c1] = v[i], v[i+1]
		}
		return hi, nil
	}
	hi, lo = make([]float64, cols), make([]float64, cols)
	for c := range hi {
		hi[c], lo[c] = math.NaN(), math.NaN()
	}
	for i, x := range v {
		if math.IsNaN(x) {
			continue
		}
		c := pointColumn(i, n, cols)
		if math.IsNaN(hi[c]) || x > hi[c] {
			hi[c] = x
		}
		if math.IsNaN(lo[c]) || x < lo[c] {
			lo[c] = x
		}
	}
	return hi, lo
}

// lineSeries is one line of a chart: its values and how it is drawn (no
// color and the default characters when unset).
type lineSeries struct {
	values []float64
	color  asciigraph.AnsiColor
	chars  *asciigraph.CharSet
}

// plotLines draws the series on cols columns with asciigraph (opts set the
// height, bounds and axes; they must not set Width, colors or characters).
// A series folded into fewer columns is drawn twice in its own style, by
// its maxima and by its minima, so the band between them covers every
// point.
func plotLines(series []lineSeries, cols int, opts ...asciigraph.Option) string {
	var data [][]float64
	var colors []asciigraph.AnsiColor
	var chars []asciigraph.CharSet
	for _, s := range series {
		hi, lo := fitColumns(s.values, cols)
		cs := asciigraph.DefaultCharSet
		if s.chars != nil {
			cs = *s.chars
		}
		for _, line := range [][]float64{hi, lo} {
			if line == nil {
				continue
			}
			data = append(data, line)
			colors = append(colors, s.color)
			chars = append(chars, cs)
		}
	}
	if len(data) == 0 {
		return ""
	}
	opts = append(opts, asciigraph.SeriesColors(colors...), asciigraph.SeriesChars(chars...))
	return asciigraph.PlotMany(data, opts...)
}
