// Package scriptload makes a script's load command a query.Dataset, for
// the script runners of the packages above query (segment, experiment).
// query's own runner cannot import it: it would import query from
// query's tests.
package scriptload

import (
	"testing"

	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/query/querytest"
)

// Dataset reads c's timeline (querytest.Load) into a dataset whose display
// timezone is the load's; nil when the load was skipped.
func Dataset(t testing.TB, c *querytest.Cmd) *query.Dataset {
	evs, loc, ok := querytest.Load(t, c)
	if !ok {
		return nil
	}
	raw := make([]query.RawEvent, len(evs))
	for i, e := range evs {
		raw[i] = query.RawEvent{User: e.User, Event: e.Name, Time: e.Time, Props: e.Props}
	}
	return query.NewDataset(raw, loc)
}
