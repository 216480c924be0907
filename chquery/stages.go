package chquery

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/segment"
)

// Stages is spoor segment stages on the table: every person's lifecycle
// stage with a window of days, in the calendar days of loc (nil: the
// display zone), decided per person on each shard as segment.StagesIn
// decides it. What comes back is the count of each stage or, with users,
// one row per person listed: their id and stage, sorted by id. only keeps
// the users of one stage (any case; "" lists all).
func (e *Engine) Stages(ctx context.Context, window int, loc *time.Location, users bool, only string) (*segment.StageReport, error) {
	k := -1
	if only != "" {
		var err error
		if k, err = segment.StageIndex(only); err != nil {
			return nil, err
		}
	}
	if loc == nil {
		loc = e.loc
	}
	f, err := e.data(ctx)
	if err != nil {
		return nil, err
	}
	counts := make([]int, len(segment.StageNames))
	if f.count == 0 {
		return segment.NewStageReport(window, counts, nil), nil
	}
	b := e.segmentBuilder(loc, f)
	stage := b.stageIndex(window)
	cols := personCol + ", " + stage + " AS sp_stage"
	if users {
		b.aggs = append(b.aggs, orderOf(e.base)+" AS sp_po")
		cols += ", sp_po"
	}
	// Without users, the counts; with them, also one row per listed person
	// (user, stage), and the counts of the rest.
	sql := func(from string) string {
		inner := b.perPerson(from, cols)
		if !users {
			return "SELECT '', sp_stage, count() FROM (" + inner + ") GROUP BY sp_stage"
		}
		listed := "1"
		if k >= 0 {
			listed = "sp_stage = " + strconv.Itoa(k)
		}
		return "SELECT if(" + listed + ", " + personCol + ", '') AS u, sp_stage, count(), any(sp_po) FROM (" + inner + ") GROUP BY u, sp_stage"
	}
	var list []placed[segment.UserGroup]
	err = e.eachPerson(ctx, sql, func(row []string) error {
		want := 3
		if users {
			want = 4
		}
		if len(row) != want {
			return i18n.Errorf("stages: ClickHouse sent %d columns, expected %d", len(row), want)
		}
		s, err1 := strconv.Atoi(row[1])
		n, err2 := strconv.Atoi(row[2])
		var order uint64
		var err3 error
		if users {
			order, err3 = parseOrder(row[3])
		}
		if err := firstErr(err1, err2, err3); err != nil || s < 0 || s >= len(counts) {
			return i18n.Errorf("stages: ClickHouse sent the row %q", strings.Join(row, " "))
		}
		counts[s] += n
		if users && (k < 0 || s == k) {
			list = append(list, placed[segment.UserGroup]{segment.UserGroup{User: row[0], Group: segment.StageNames[s]}, order})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var ordered []segment.UserGroup // nil, as before, when none is listed
	if len(list) > 0 {
		ordered = inListOrder(list, func(u segment.UserGroup) string { return u.User })
	}
	return segment.NewStageReport(window, counts, ordered), nil
}
