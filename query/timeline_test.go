package query

import (
	"strings"
	"testing"
	"time"
)

// textTimeline builds a dataset for the engine tests from lines "user event YYYY-MM-DD HH:MM[:SS[.mmm]]
// [key=value ...]" read in loc, in storage order.
func textTimeline(t testing.TB, loc *time.Location, text string) *Dataset {
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
