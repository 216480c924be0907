package segment

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// timeline reads one event per line: "USER 2026-03-01T10:00[:05] EVENT
// [key=value ...]", times in loc. Blank lines and # comments are skipped.
func timeline(t testing.TB, loc *time.Location, text string) ([]query.RawEvent, *query.Dataset) {
	t.Helper()
	var evs []query.RawEvent
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) < 3 {
			t.Fatalf("bad timeline line %q", line)
		}
		layout := "2006-01-02T15:04"
		if len(f[1]) > len(layout) {
			layout = "2006-01-02T15:04:05"
		}
		tm, err := time.ParseInLocation(layout, f[1], loc)
		if err != nil {
			t.Fatalf("bad time in %q: %v", line, err)
		}
		e := query.RawEvent{User: f[0], Time: tm.UnixMilli(), Event: f[2]}
		for _, kv := range f[3:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				t.Fatalf("bad property %q", kv)
			}
			if e.Props == nil {
				e.Props = map[string]string{}
			}
			e.Props[k] = v
		}
		evs = append(evs, e)
	}
	return evs, query.NewDataset(evs, loc)
}

func usersOf(d *query.Dataset, m []bool) []string {
	out := []string{}
	for p, ok := range m {
		if ok {
			out = append(out, d.Users[p])
		}
	}
	sort.Strings(out)
	return out
}

func mustLoc(t testing.TB, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("timezone %s not available: %v", name, err)
	}
	return loc
}
