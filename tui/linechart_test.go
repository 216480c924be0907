package tui

import (
	"math"
	"math/rand"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// TestFitColumnsKeepsExtremes checks fitColumns against its definition on
// random series at random widths: folded columns hold exactly the max and
// min of their points, spread ones hold each point's exact value, and the
// chart's extremes are the data's.
func TestFitColumnsKeepsExtremes(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for iter := 0; iter < 2000; iter++ {
		n, cols := 1+rng.Intn(400), 2+rng.Intn(200)
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(rng.Intn(1000))
		}
		hi, lo := fitColumns(v, cols)
		if len(hi) != cols {
			t.Fatalf("n=%d cols=%d: %d columns", n, cols, len(hi))
		}
		drawn := slices.Clone(hi)
		if n > cols {
			if lo == nil {
				t.Fatalf("n=%d cols=%d: folded without minima", n, cols)
			}
			// The slow way: every column's points, by pointColumn.
			for c := 0; c < cols; c++ {
				var pts []float64
				for i := range v {
					if pointColumn(i, n, cols) == c {
						pts = append(pts, v[i])
					}
				}
				if len(pts) == 0 {
					t.Fatalf("n=%d cols=%d: column %d holds no point", n, cols, c)
				}
				if hi[c] != slices.Max(pts) || lo[c] != slices.Min(pts) {
					t.Fatalf("n=%d cols=%d col %d: hi %v lo %v, points %v", n, cols, c, hi[c], lo[c], pts)
				}
			}
			drawn = append(drawn, lo...)
		} else {
			if lo != nil {
				t.Fatalf("n=%d cols=%d: minima without folding", n, cols)
			}
			for i := range v {
				if c := pointColumn(i, n, cols); n > 1 && hi[c] != v[i] {
					t.Fatalf("n=%d cols=%d: point %d (%v) drawn as %v", n, cols, i, v[i], hi[c])
				}
			}
		}
		if slices.Max(drawn) != slices.Max(v) || slices.Min(drawn) != slices.Min(v) {
			t.Fatalf("n=%d cols=%d: drawn %v..%v, data %v..%v", n, cols, slices.Min(drawn), slices.Max(drawn), slices.Min(v), slices.Max(v))
		}
	}
}

func TestFitColumnsSkipsNaN(t *testing.T) {
	nan := math.NaN()
	hi, lo := fitColumns([]float64{nan, nan, 3, 9, nan, 1}, 3)
	if !math.IsNaN(hi[0]) || hi[1] != 9 || lo[1] != 3 || hi[2] != 1 {
		t.Fatalf("hi %v lo %v", hi, lo)
	}
}

var topRow = regexp.MustCompile(`([\d.]+) [┤┼](.*)`)

// chartTop reads the chart's top row: its y label, and whether the line
// reaches it (anything drawn right of the axis).
func chartTop(t *testing.T, screen string) (float64, bool) {
	t.Helper()
	m := topRow.FindStringSubmatch(screen)
	if m == nil {
		t.Fatalf("no y axis on screen:\n%s", screen)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v, strings.TrimSpace(strings.TrimRight(m[2], "│ ")) != ""
}

// TestTrendsPeakAtEveryWidth resizes the workbench across widths with the
// Trends tab open: the chart's top label is the busiest day's count, and
// the line reaches the top row.
func TestTrendsPeakAtEveryWidth(t *testing.T) {
	h := newHarness(t, 80, 30)
	h.keys("1")
	r := h.m.tab().res.(*trendsResult).top
	peak := 0.0
	for _, s := range r.Series {
		for _, p := range s.Points {
			peak = max(peak, p.Value.Or(0))
		}
	}
	for w := 50; w <= 220; w += 3 {
		h.send(tea.WindowSizeMsg{Width: w, Height: 30})
		if top, drawn := chartTop(t, h.screen()); top != peak || !drawn {
			t.Errorf("width %d: chart tops at %v (line there: %v), the busiest day has %v users", w, top, drawn, peak)
		}
	}
	// Many more points than columns: a year of hours folds 24 to a column.
	h.keys("j", "j", "j", "j", "<enter>", "hour", "<enter>")
	r = h.m.tab().res.(*trendsResult).top
	if r.Interval != "hour" {
		t.Fatalf("interval %q after picking hour", r.Interval)
	}
	peak = 0
	for _, s := range r.Series {
		for _, p := range s.Points {
			peak = max(peak, p.Value.Or(0))
		}
	}
	for _, w := range []int{80, 120, 200} {
		h.send(tea.WindowSizeMsg{Width: w, Height: 30})
		if top, drawn := chartTop(t, h.screen()); top != peak || !drawn {
			t.Errorf("width %d, %d hourly points: chart tops at %v (line there: %v), the busiest hour has %v", w, len(r.Series[0].Points), top, drawn, peak)
		}
	}
}
