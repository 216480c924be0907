package query

import (
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query/querytest"
)

// textTimeline builds a dataset for the engine tests from lines "user event YYYY-MM-DD HH:MM[:SS[.mmm]]
// [key=value ...]" read in loc, in storage order (the scripts' timelines).
func textTimeline(t testing.TB, loc *time.Location, text string) *Dataset {
	t.Helper()
	evs, err := querytest.Timeline(loc, strings.Split(text, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return NewDataset(rawEvents(evs), loc)
}
