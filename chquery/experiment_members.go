package chquery

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/experiment"
	"github.com/spoorhq/spoor/i18n"
)

// ExperimentMembers lists the users of one variant as Experiment counts
// them (experiment.Members on a local dataset): one row per member, with
// their exposure, whether and when they reached the goal, and whether
// their window is still open; in the local engine's order.
func (e *Engine) ExperimentMembers(ctx context.Context, q experiment.Query, variant string) ([]experiment.Member, error) {
	p, err := e.experimentPlan(ctx, q)
	if err != nil {
		return nil, err
	}
	sql := func(from string) string {
		return "SELECT person, tupleElement(x0, 1), level = " + strconv.Itoa(p.steps) + ", reached, open, po FROM (" + p.inner(from, "1", nil) + ")" +
			" WHERE length(seen) = 1 AND inTest = 1 AND tupleElement(x0, 2) = " + clickhouse.String(variant)
	}
	var list []placed[experiment.Member]
	err = p.run(ctx, e, func(ctx context.Context) error {
		list = list[:0]
		return e.eachPerson(ctx, sql, func(row []string) error {
			if len(row) != 6 {
				return i18n.Errorf("experiment: ClickHouse sent %d columns, expected %d", len(row), 6)
			}
			exposed, err1 := strconv.ParseInt(row[1], 10, 64)
			at, err2 := strconv.ParseInt(row[3], 10, 64)
			order, err3 := parseOrder(row[5])
			if err := firstErr(err1, err2, err3); err != nil {
				return i18n.Errorf("experiment: reading ClickHouse's row %q: %w", strings.Join(row, " "), err)
			}
			list = append(list, placed[experiment.Member]{experiment.Member{User: row[0], Exposed: exposed, Converted: row[2] == "1", At: at, InProgress: row[4] == "1"}, order})
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		// A variant no user is in: the result may still list it (one the
		// weights name); any other name is none of the test's.
		r, err := e.Experiment(ctx, q)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(r.Variants, func(v experiment.Variant) bool { return v.Name == variant }) {
			return nil, i18n.Errorf("no variant %q among the exposed users", variant)
		}
	}
	return inListOrder(list, func(m experiment.Member) string { return m.User }), nil
}
