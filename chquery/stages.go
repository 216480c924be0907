package chquery

import (
	"context"
	"sort"
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
	// Without users, the counts; with them, also one row per listed person
	// (user, stage), and the counts of the rest.
	sql := func(from string) string {
		inner := b.perPerson(from, personCol+", "+stage+" AS sp_stage")
		if !users {
			return "SELECT '', sp_stage, count() FROM (" + inner + ") GROUP BY sp_stage"
		}
		listed := "1"
		if k >= 0 {
			listed = "sp_stage = " + strconv.Itoa(k)
		}
		return "SELECT if(" + listed + ", " + personCol + ", '') AS u, sp_stage, count() FROM (" + inner + ") GROUP BY u, sp_stage"
	}
	var list []segment.UserGroup
	err = e.eachPerson(ctx, sql, func(row []string) error {
		if len(row) != 3 {
			return i18n.Errorf("stages: ClickHouse sent %d columns, expected %d", len(row), 3)
		}
		s, err1 := strconv.Atoi(row[1])
		n, err2 := strconv.Atoi(row[2])
		if err := firstErr(err1, err2); err != nil || s < 0 || s >= len(counts) {
			return i18n.Errorf("stages: ClickHouse sent the row %q", strings.Join(row, " "))
		}
		counts[s] += n
		if users && (k < 0 || s == k) {
			list = append(list, segment.UserGroup{User: row[0], Group: segment.StageNames[s]})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(list, func(i, j int) bool { return list[i].User < list[j].User })
	return segment.NewStageReport(window, counts, list), nil
}
