package query

import (
	"strconv"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
)

// Tables shows the percent table (with the average row), then the counts,
// for the whole population and then for each --by value.
func (r *RetentionResult) Tables(l i18n.Lang) []output.Table {
	tables := r.groupTables(l, "", r.Cohorts, r.Average)
	for _, g := range r.Breakdown {
		tables = append(tables, r.groupTables(l, l.T("%s = %s: ", r.By, GroupName(l, r.By, g.Value)), g.Cohorts, g.Average)...)
	}
	return tables
}

func (r *RetentionResult) groupTables(l i18n.Lang, prefix string, cohorts []RetentionCohort, avg []float64) []output.Table {
	// The incomplete period is named in its own column rather than marked
	// in the cells, so the cells stay numbers (aligned, and parseable in CSV).
	// Periods no cohort has reached yet get no column.
	n := 0
	for _, c := range cohorts {
		n = max(n, len(c.Retained))
	}
	cols := []string{l.T("cohort"), l.T("size")}
	for k := range n {
		cols = append(cols, periodNumber(l, r.Period, k))
	}
	cols = append(cols, l.T("incomplete from"))
	pct := output.Table{Title: prefix + l.T("retained %%"), Columns: cols}
	cnt := output.Table{Title: prefix + l.T("retained users"), Columns: cols}
	total := 0
	for _, c := range cohorts {
		total += c.Size
		prow := []string{c.Start, strconv.Itoa(c.Size)}
		crow := []string{c.Start, strconv.Itoa(c.Size)}
		for k := range n {
			switch {
			case k >= len(c.Retained):
				prow, crow = append(prow, ""), append(crow, "")
			case c.Size == 0:
				prow, crow = append(prow, "-"), append(crow, "0")
			default:
				prow = append(prow, strconv.FormatFloat(c.Percent[k], 'f', 1, 64)+"%")
				crow = append(crow, strconv.Itoa(c.Retained[k]))
			}
		}
		inc := ""
		if c.IncompleteFrom != nil {
			inc = periodNumber(l, r.Period, *c.IncompleteFrom)
		}
		pct.Rows = append(pct.Rows, append(prow, inc))
		cnt.Rows = append(cnt.Rows, append(crow, inc))
	}
	arow := []string{l.T("average"), strconv.Itoa(total)}
	for k := range n {
		if k < len(avg) {
			arow = append(arow, strconv.FormatFloat(avg[k], 'f', 1, 64)+"%")
		} else {
			arow = append(arow, "")
		}
	}
	pct.Rows = append(pct.Rows, append(arow, ""))
	return []output.Table{pct, cnt}
}

// CellUsers lists the persons counted in row cohort (an index into
// Cohorts) at period k, in person order: the memberships that produced the
// counts. For a period not reported for that cohort, or a result built
// from cells (whose lists Users fetches), it returns nil.
func (r *RetentionResult) CellUsers(cohort, k int) []string {
	return r.cellUsers(cohort, k, nil, 0)
}

// cellUsers lists the persons of one cell, only those of the memberships
// whose --by code is code when codes is not nil: the same filter tally
// counts with, so a list always has as many users as its cell says.
func (r *RetentionResult) cellUsers(cohort, k int, codes []int32, code int32) []string {
	if r.plan == nil || r.plan.cal == nil || r.personsIn != nil || cohort < 0 || cohort >= len(r.Cohorts) ||
		k < 0 || k >= len(r.Cohorts[cohort].Retained) {
		return nil
	}
	users := r.plan.users
	out := []string{}
	w := r.plan.words
	for _, m := range r.members() {
		for i, c := range m.cohort {
			if int(c) == cohort && m.bits[i*w+(k>>6)]&(1<<(k&63)) != 0 &&
				(codes == nil || codes[m.first[i]] == code) {
				out = append(out, users[m.person[i]])
			}
		}
	}
	return out
}

// members is the result's memberships: those kept, or for a result that
// only counted them, the scan's again (once).
func (r *RetentionResult) members() []retMembers {
	if r.m == nil && r.lists != nil {
		return r.lists()
	}
	return r.m
}

// CohortIndex finds the row whose cohort starts on date (YYYY-MM-DD).
func (r *RetentionResult) CohortIndex(date string) (int, bool) {
	for i, c := range r.Cohorts {
		if c.Start == date {
			return i, true
		}
	}
	return 0, false
}
