package query

import (
	"context"
	"strings"
	"testing"
	"time"
)

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
