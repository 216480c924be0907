package forecast

import (
	"errors"
	"math"
	"strconv"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// Result is the forecast of every series of one trends query.
type Result struct {
	Measure  string   `json:"measure"`
	Interval string   `json:"interval"`
	Period   int      `json:"period"` // seasonal period in intervals (7 for days)
	Horizon  int      `json:"horizon"`
	Note     string   `json:"note,omitempty"` // e.g. the partial last interval left out; English, as all JSON
	Series   []Series `json:"series"`

	note i18n.Msg // Note as a person reads it (NoteText)
}

// NoteText is Note in the interface language.
func (r *Result) NoteText() string { return r.note.String() }

// Series is one series' forecast, backtest and anomalies. When the series
// cannot be forecast, Refused says why and the rest is empty.
type Series struct {
	Name      string        `json:"name"`
	Model     string        `json:"model,omitempty"`
	Forecast  []FuturePoint `json:"forecast"`
	Backtest  *BacktestJSON `json:"backtest"` // null when the history leaves no origin
	Anomalies []Anomaly     `json:"anomalies"`
	Refused   string        `json:"refused,omitempty"` // English, as all JSON; RefusedText shows it

	// Past is the history with its expected band (for charts); not in JSON.
	Past []PastPoint `json:"-"`

	refused i18n.Msg
	model   i18n.Msg // Model as a person reads it (ModelText)
}

// ModelText is Model in the interface language.
func (s Series) ModelText() string { return s.model.String() }

// RefusedText is why the series has no forecast, in the interface
// language; "" when it has one.
func (s Series) RefusedText() string { return s.refused.String() }

// FuturePoint is one forecast step.
type FuturePoint struct {
	T     string  `json:"t"`
	Value float64 `json:"value"`
	Lo80  float64 `json:"lo80"`
	Hi80  float64 `json:"hi80"`
	Lo95  float64 `json:"lo95"`
	Hi95  float64 `json:"hi95"`
}

// PastPoint is one observed interval with its one-step forecast band.
type PastPoint struct {
	T               string
	Value, Expected float64
	Lo, Hi          float64
	Anomaly         bool
	Gap             bool // a recording gap (Gaps): the forecast treats it as missing
}

// Anomaly is a past point outside its band: a Judgement of Detect.
type Anomaly struct {
	T        string  `json:"t"`
	Value    float64 `json:"value"`
	Expected float64 `json:"expected"`
	Lo       float64 `json:"lo"`
	Hi       float64 `json:"hi"`
	Detector string  `json:"detector"` // "forecast", or "trailing" for a series too short to forecast
	// Gap: a recording gap (Gaps), near empty far below the band, which the
	// forecast and its backtest treat as missing.
	Gap bool `json:"gap,omitempty"`
}

// BacktestJSON is Backtest as documented in docs/json.md; rel_mae is null
// when seasonal naive made no error.
type BacktestJSON struct {
	MASE       float64       `json:"mase"`
	RelMAE     *float64      `json:"rel_mae"`
	NaiveMASE  float64       `json:"naive_mase"`
	Coverage80 float64       `json:"coverage80"`
	Coverage95 float64       `json:"coverage95"`
	Origins    int           `json:"origins"`
	Points     int           `json:"points"`
	Horizon    int           `json:"horizon"`
	HeldOut    []HeldOutJSON `json:"held_out,omitempty"` // only when asked: one entry per held-out interval
	// Excluded are the held-out intervals not scored because missing (a
	// recording gap, an undefined value).
	Excluded []string `json:"excluded"`
}

// HeldOutJSON is HeldOut as documented in docs/json.md.
type HeldOutJSON struct {
	T         string  `json:"t"`
	Value     float64 `json:"value"`
	Forecasts int     `json:"forecasts"`
	MASE      float64 `json:"mase"`
	NaiveMASE float64 `json:"naive_mase"`
	In80      int     `json:"in80"`
	In95      int     `json:"in95"`
}

// ForSeries forecasts y (labelled t) h steps with seasonal period m;
// future(k) labels the k-th step ahead (1-based); backtest runs
// RollingOrigin (the costly part: a model choice per origin). A series under two
// seasons comes back Refused, with a message that says what to do.
func ForSeries(name string, t []string, y []float64, m, h int, future func(k int) string, backtest bool) Series {
	s := Series{Name: name, Forecast: []FuturePoint{}, Anomalies: []Anomaly{}}
	// The anomalies and the band are Detect's over the whole history, as
	// everywhere (Choose may fit only the latest MaxHistory points); its
	// recording gaps are missing points to the forecast (the backtest finds
	// each origin's own).
	js := Detect(y, m, OutlierZ, TrailingWindow)
	gaps := Gaps(js)
	c, err := chooseGaps(withoutGaps(y, gaps), gaps, m, h)
	if err != nil {
		if start := SinceGap(withoutGaps(y, gaps), m); errors.Is(err, ErrShort) && start > 0 {
			s.refused = i18n.M("%d intervals since %s, after %d or more with no event; a forecast needs at least %d (two seasons of %d)", len(y)-start, t[start], MinPoints(m), MinPoints(m), m)
		} else if errors.Is(err, ErrShort) {
			s.refused = i18n.M("%d intervals of history; a forecast needs at least %d (two seasons of %d) — widen the range", len(y), MinPoints(m), m)
		} else {
			s.refused = i18n.ErrorMsg(err)
		}
		s.Refused = s.refused.In(i18n.English)
		// Its anomalies are the fallback detector's, as everywhere else.
		s.judged(t, js, gaps, false)
		return s
	}
	s.model = c.msg()
	if c.Break > 0 {
		s.model = i18n.M("%s; fitted on the history from %s on (after a break in the series)", s.model, t[c.Break])
	}
	if days, ok := c.WithoutWeekday(); ok {
		s.model = i18n.M("%s; no weekday pattern: %s days of hours, under the three weeks it needs", s.model, strconv.FormatFloat(days, 'f', 1, 64))
	}
	s.Model = s.model.In(i18n.English)
	for k, p := range c.Forecast(h) {
		s.Forecast = append(s.Forecast, FuturePoint{T: future(k + 1), Value: p.Value, Lo80: p.Lo80, Hi80: p.Hi80, Lo95: p.Lo95, Hi95: p.Hi95})
	}
	s.judged(t, js, gaps, true)
	if !backtest {
		return s
	}
	if bt, ok := RollingOrigin(y, m, h); ok {
		j := &BacktestJSON{MASE: bt.MASE, NaiveMASE: bt.NaiveMASE, Coverage80: bt.Coverage80, Coverage95: bt.Coverage95, Origins: bt.Origins, Points: bt.Points, Horizon: bt.Horizon, Excluded: []string{}}
		for _, i := range bt.Excluded {
			j.Excluded = append(j.Excluded, t[i])
		}
		for _, ho := range bt.HeldOut {
			j.HeldOut = append(j.HeldOut, HeldOutJSON{T: t[ho.Index], Value: ho.Value, Forecasts: ho.Forecasts, MASE: ho.MASE, NaiveMASE: ho.NaiveMASE, In80: ho.In80, In95: ho.In95})
		}
		if !math.IsNaN(bt.RelMAE) {
			j.RelMAE = &bt.RelMAE
		}
		s.Backtest = j
	}
	return s
}

// DropHeldOut leaves out every backtest's per-interval scores: they are
// one entry per held-out interval (hundreds of KB for a year of hours,
// ten times that with --by), wanted when studying a miss, not by every
// script reading the forecast.
func (r *Result) DropHeldOut() {
	for _, s := range r.Series {
		if s.Backtest != nil {
			s.Backtest.HeldOut = nil
		}
	}
}

// judged lists the anomalies of js, gaps marking the recording gaps among
// them (and, with past, every point with its band, for charts).
func (s *Series) judged(t []string, js []Judgement, gaps []bool, past bool) {
	for i, j := range js {
		if past {
			s.Past = append(s.Past, PastPoint{T: t[i], Value: j.Value, Expected: j.Expected, Lo: j.Lo, Hi: j.Hi, Anomaly: j.Anomaly, Gap: gaps[i]})
		}
		if j.Anomaly {
			s.Anomalies = append(s.Anomalies, Anomaly{T: t[i], Value: j.Value, Expected: j.Expected, Lo: j.Lo, Hi: j.Hi, Detector: j.Detector, Gap: gaps[i]})
		}
	}
}

// Tables shows each series' forecast, then its anomalies.
func (r *Result) Tables(l i18n.Lang) []output.Table {
	var out []output.Table
	for _, s := range r.Series {
		if s.Refused != "" {
			out = append(out, output.Table{Title: l.T("%s: no forecast", query.SeriesName(l, s.Name)), Columns: []string{l.T("reason")}, Rows: [][]string{{s.refused.In(l)}}})
		} else {
			t := output.Table{Title: l.T("%s — %s; %s", query.SeriesName(l, s.Name), s.model.In(l), s.BacktestText(l)),
				Columns: []string{query.PeriodMsg(r.Interval).In(l), l.T("forecast"), l.T("lo80"), l.T("hi80"), l.T("lo95"), l.T("hi95")}}
			for _, p := range s.Forecast {
				t.Rows = append(t.Rows, []string{p.T, num(p.Value), num(p.Lo80), num(p.Hi80), num(p.Lo95), num(p.Hi95)})
			}
			out = append(out, t)
		}
		if len(s.Anomalies) > 0 {
			// A refused series' are the trailing fallback's, named so.
			a := output.Table{Title: l.T("%s — past points outside their expected band (anomalies)", query.SeriesName(l, s.Name)), Columns: []string{query.PeriodMsg(r.Interval).In(l), l.T("value"), l.T("expected"), l.T("lo"), l.T("hi"), l.T("detector")}}
			for _, p := range s.Anomalies {
				d := detectorName(l, p.Detector)
				if p.Gap {
					d = l.T("%s; recording gap, left out as missing", d)
				}
				a.Rows = append(a.Rows, []string{p.T, num(p.Value), num(p.Expected), num(p.Lo), num(p.Hi), d})
			}
			out = append(out, a)
		}
	}
	if r.Note != "" && len(out) > 0 {
		out[0].Title = l.T("%s (%s)", out[0].Title, r.note.In(l))
	}
	return out
}

// BacktestText is the backtest in one line, for titles and the workbench.
func (s Series) BacktestText(l i18n.Lang) string {
	b := s.Backtest
	if b == nil {
		return l.T("too little history for a backtest")
	}
	text := s.backtestFigures(l)
	if n := len(b.Excluded); n > 0 {
		return l.T("%s; %d missing held-out intervals not scored", text, n)
	}
	return text
}

func (s Series) backtestFigures(l i18n.Lang) string {
	b := s.Backtest
	f := func(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }
	if b.RelMAE != nil {
		return l.T("backtest MASE %s (MAE %s× seasonal naive's), 80%% interval held %s%% and 95%% held %s%% of %d points (%d origins, up to %d ahead)",
			f(b.MASE, 2), f(*b.RelMAE, 2), f(100*b.Coverage80, 0), f(100*b.Coverage95, 0), b.Points, b.Origins, b.Horizon)
	}
	return l.T("backtest MASE %s, 80%% interval held %s%% and 95%% held %s%% of %d points (%d origins, up to %d ahead)",
		f(b.MASE, 2), f(100*b.Coverage80, 0), f(100*b.Coverage95, 0), b.Points, b.Origins, b.Horizon)
}

// num prints with one decimal below 100 and none above.
func num(v float64) string {
	if math.Abs(v) >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}
