package chquery

import (
	"context"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/segment"
)

// Conversions is segment.Conversions on the table: of the people an
// audience's exports assigned (as, kept in the local database of its
// saved audiences), who did goal strictly after the instant of the export
// that assigned them and at most window ms later. The assignments go to
// the server in the query; what comes back is the converted people's ids.
func (e *Engine) Conversions(ctx context.Context, as []segment.Assignment, goal string, window int64) (treated, control segment.Outcome, open int, err error) {
	f, err := e.data(ctx)
	if err != nil {
		return treated, control, 0, err
	}
	if err := f.checkEvent(goal); err != nil {
		return treated, control, 0, err
	}
	// As segment.Conversions: a user assigned twice counts by the last.
	at := make(map[string]int, len(as))
	for k, a := range as {
		at[a.User] = k
	}
	converted := make([]bool, len(as))
	if len(as) > 0 {
		users := make([]string, 0, len(at))
		ats := make([]string, 0, len(at))
		for u, k := range at {
			users = append(users, u)
			ats = append(ats, strconv.FormatInt(as[k].At, 10))
		}
		t := e.t
		list := "[" + clickhouse.Strings(users) + "]"
		from := "transform(" + t.Person + ", " + list + ", CAST([" + strings.Join(ats, ", ") + "] AS Array(Int64)), toInt64(0))"
		sql := func(table string) string {
			return "SELECT DISTINCT " + t.Person + " FROM " + table + " WHERE " + t.Where + " AND " + t.Event + " = " + clickhouse.String(goal) +
				" AND " + t.Person + " IN (" + clickhouse.Strings(users) + ") AND " + t.Time + " > " + from + " AND " + t.Time + " <= " + from + " + " + lit(window)
		}
		err = e.eachPerson(ctx, sql, func(row []string) error {
			if k, ok := at[row[0]]; ok {
				converted[k] = true
			}
			return nil
		})
		if err != nil {
			return treated, control, 0, err
		}
	}
	treated, control, open = segment.Outcomes(as, converted, window, f.max)
	return treated, control, open, nil
}

// LastEvent is the instant (ms) of the table's last event.
func (e *Engine) LastEvent(ctx context.Context) (int64, error) {
	f, err := e.data(ctx)
	if err != nil {
		return 0, err
	}
	return f.max, nil
}
