package query

import (
	"context"
	"strings"
	"testing"
	"time"
)

// tpTimeline builds a dataset for the trends and paths tests from lines
// "user event YYYY-MM-DD HH:MM[:SS[.mmm]] [key=value ...]", times read in loc.
func tpTimeline(t testing.TB, loc *time.Location, text string) *Dataset {
	t.Helper()
	var evs []RawEvent
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 4 {
			t.Fatalf("bad timeline line %q", line)
		}
		var tm time.Time
		var err error
		for _, layout := range []string{"2006-01-02 15:04:05.000", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
			if tm, err = time.ParseInLocation(layout, f[2]+" "+f[3], loc); err == nil {
				break
			}
		}
		if err != nil {
			t.Fatalf("bad time in %q: %v", line, err)
		}
		e := RawEvent{User: f[0], Event: f[1], Time: tm.UnixMilli()}
		for _, kv := range f[4:] {
			k, v, _ := strings.Cut(kv, "=")
			if e.Props == nil {
				e.Props = map[string]string{}
			}
			e.Props[k] = v
		}
		evs = append(evs, e)
	}
	return NewDataset(evs, loc)
}

func tpLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("timezone %s not available: %v", name, err)
	}
	return loc
}

// trendsRun runs q and returns the result, failing the test on error.
func trendsRun(t *testing.T, d *Dataset, q TrendsQuery) *TrendsResult {
	t.Helper()
	r, err := d.Trends(context.Background(), q)
	if err != nil {
		t.Fatalf("Trends(%+v): %v", q, err)
	}
	return r
}

// trendsPoints renders a result as "label: t=v t=v" lines, for comparing
// with hand-written expectations.
func trendsPoints(r *TrendsResult) string {
	var b strings.Builder
	for _, s := range r.Series {
		b.WriteString(s.Label + ":")
		for _, p := range s.Points {
			b.WriteString(" " + p.T[5:] + "=" + formatMeasure(r.Measure, p.Value))
		}
		b.WriteString("\n")
	}
	return b.String()
}
