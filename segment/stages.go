package segment

import (
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// StageNames are the lifecycle stages, in display order.
var StageNames = []string{"new", "active", "returning", "dormant", "churned"}

// DefaultStageWindow is the stage window in days when none is given.
const DefaultStageWindow = 30

// Stages puts every person in one lifecycle stage (an index into
// StageNames) relative to the data's last event, with a window of W
// calendar days of the dataset's display timezone (the last W days end
// with the last event's day, as "in Wd"):
//
//	new        first seen in the last W days
//	active     seen in the last W days and in the W days before them
//	returning  seen in the last W days, not in the W days before, but earlier
//	dormant    last seen in the W days before the last W days
//	churned    last seen earlier than that (more than 2W days ago)
func Stages(d *query.Dataset, window int) []int8 { return StagesIn(d, window, dataZone(d)) }

// StagesIn is Stages with the calendar days of loc (a --tz; nil: the
// dataset's display timezone).
func StagesIn(d *query.Dataset, window int, loc *time.Location) []int8 {
	if loc == nil {
		loc = dataZone(d)
	}
	recent, before := NewClock(d.MaxTime, loc).Stages(window)
	out := make([]int8, len(d.Users))
	for p := range out {
		lo, hi := int(d.Start[p]), int(d.Start[p+1])
		first, last := d.Time[lo], d.Time[hi-1]
		switch {
		case last < before:
			out[p] = 4
		case last < recent:
			out[p] = 3
		case first >= recent:
			out[p] = 0
		default:
			i := lowerBound(d.Time, lo, hi, before)
			if d.Time[i] < recent {
				out[p] = 1
			} else {
				out[p] = 2
			}
		}
	}
	return out
}

// StageIndex is the index in StageNames of a stage name, in any case.
func StageIndex(stage string) (int, error) {
	for i, s := range StageNames {
		if s == strings.ToLower(stage) {
			return i, nil
		}
	}
	return -1, i18n.Errorf("unknown lifecycle stage %q (use %s)", stage, strings.Join(StageNames, ", "))
}

// stageMembers returns the persons in one stage, its days counted in loc.
func stageMembers(d *query.Dataset, stage string, window int, loc *time.Location) ([]bool, error) {
	k, err := StageIndex(stage)
	if err != nil {
		return nil, err
	}
	m := make([]bool, len(d.Users))
	for p, s := range StagesIn(d, window, loc) {
		m[p] = int(s) == k
	}
	return m, nil
}

// StageReport counts users per stage; Users lists them when asked.
type StageReport struct {
	WindowDays int          `json:"window_days"`
	Total      int          `json:"total"`
	Stages     []GroupCount `json:"stages"`
	Users      []UserGroup  `json:"users,omitempty"`
}

// GroupCount is the size of one stage or tier.
type GroupCount struct {
	Name  string  `json:"name"`
	Users int     `json:"users"`
	Share float64 `json:"share"`
}

// UserGroup is one user's stage or tier.
type UserGroup struct {
	User  string `json:"user"`
	Group string `json:"group"`
}

// StageSummary counts stages in the dataset's display timezone; with
// users, it lists the users of the stages in only (all stages when only
// is empty).
func StageSummary(d *query.Dataset, window int, users bool, only string) (*StageReport, error) {
	return StageSummaryIn(d, dataZone(d), window, users, only)
}

// StageSummaryIn is StageSummary with the calendar days of loc (a --tz;
// nil: the dataset's display timezone).
func StageSummaryIn(d *query.Dataset, loc *time.Location, window int, users bool, only string) (*StageReport, error) {
	if only != "" {
		if _, err := stageMembers(d, only, window, loc); err != nil {
			return nil, err
		}
	}
	st := StagesIn(d, window, loc)
	counts := make([]int, len(StageNames))
	var list []UserGroup
	for p, s := range st {
		counts[s]++
		if users && (only == "" || strings.EqualFold(only, StageNames[s])) {
			list = append(list, UserGroup{d.Users[p], StageNames[s]})
		}
	}
	return NewStageReport(window, counts, list), nil
}

// NewStageReport is the report of the persons in each stage (counts, in
// the order of StageNames) and the users listed, from any backend.
func NewStageReport(window int, counts []int, users []UserGroup) *StageReport {
	total := 0
	for _, n := range counts {
		total += n
	}
	return &StageReport{WindowDays: window, Total: total, Stages: groupCounts(StageNames, counts, total), Users: users}
}

func groupCounts(names []string, counts []int, total int) []GroupCount {
	out := make([]GroupCount, len(names))
	for i, n := range names {
		out[i] = GroupCount{Name: n, Users: counts[i]}
		if total > 0 {
			out[i].Share = float64(counts[i]) / float64(total)
		}
	}
	return out
}

// groupTable lists the groups' sizes, each group named by name.
func groupTable(l i18n.Lang, title, col string, gs []GroupCount, name func(i18n.Lang, string) string) output.Table {
	t := output.Table{Title: title, Columns: []string{col, l.T("users"), l.T("share")}}
	for _, g := range gs {
		t.Rows = append(t.Rows, []string{name(l, g.Name), strconv.Itoa(g.Users), pct(g.Share)})
	}
	return t
}

func pct(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" }

// Tables shows the counts, or the user list when there is one.
func (r *StageReport) Tables(l i18n.Lang) []output.Table {
	if r.Users != nil {
		return []output.Table{userTable(l, l.T("stage"), r.Users, StageName)}
	}
	return []output.Table{groupTable(l, l.T("Lifecycle stage (%d-day window), %d users", r.WindowDays, r.Total), l.T("stage"), r.Stages, StageName)}
}

func userTable(l i18n.Lang, col string, us []UserGroup, name func(i18n.Lang, string) string) output.Table {
	t := output.Table{Columns: []string{l.T("user"), col}}
	for _, u := range us {
		t.Rows = append(t.Rows, []string{u.User, name(l, u.Group)})
	}
	return t
}
