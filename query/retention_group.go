package query

import (
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/i18n"
)

// groupListMax bounds how many groups an unknown-group message names; the
// rest are counted, so the message says it is not the whole list.
const groupListMax = 30

// GroupCellUsers lists the persons counted in row cohort at period k of the
// cohort table of Breakdown[g], in person order: the memberships whose
// start event carries that group's value, the ones its counts come from.
// It returns nil for a group, row or period the result does not have.
func (r *RetentionResult) GroupCellUsers(g, cohort, k int) []string {
	if r.plan == nil || r.plan.s.By == nil || g < 0 || g >= len(r.Breakdown) {
		return nil
	}
	return r.cellUsers(cohort, k, r.plan.s.By.Codes, r.Breakdown[g].code)
}

// FindGroup returns the index in Breakdown of the group labelled value, as
// the tables and the JSON label it: a property value, or NoneValue for the
// start events without the property. Every value is its own group (no
// "other" fold), so only values with members in range can be named; the
// error lists them.
func (r *RetentionResult) FindGroup(value string) (int, error) {
	if r.By == "" {
		return 0, i18n.Errorf("no breakdown to pick a group from (use --by)")
	}
	found := -1
	for g, grp := range r.Breakdown {
		if grp.Value != value {
			continue
		}
		if found >= 0 {
			// A stored value spelt like the label of the missing value.
			return 0, i18n.Errorf("two groups are labelled %q: the start events without %s and those whose %s is %q; they cannot be told apart by name",
				value, r.By, r.By, value)
		}
		found = g
	}
	if found >= 0 {
		return found, nil
	}
	if len(r.Breakdown) == 0 {
		return 0, i18n.Errorf("no group %q: the breakdown by %s has no groups (no cohort in range)", value, r.By)
	}
	names := make([]string, 0, len(r.Breakdown))
	quoted := make([]string, 0, min(len(r.Breakdown), groupListMax)+1)
	for _, grp := range r.Breakdown {
		names = append(names, grp.Value)
		if len(quoted) == groupListMax {
			continue
		}
		q := strconv.Quote(grp.Value)
		if grp.code == 0 {
			q += i18n.T(" (no %s on the start event)", r.By)
		}
		quoted = append(quoted, q)
	}
	if n := len(r.Breakdown) - groupListMax; n > 0 {
		quoted = append(quoted, i18n.T("and %d more (all are in the table)", n))
	}
	if near := Closest(value, names, 3); len(near) > 0 && len(r.Breakdown) > groupListMax {
		for i, n := range near {
			near[i] = strconv.Quote(n)
		}
		return 0, i18n.Errorf("no group %q in the breakdown by %s; the groups, largest first: %s; closest: %s", value, r.By, strings.Join(quoted, i18n.T(", ")), strings.Join(near, ", "))
	}
	return 0, i18n.Errorf("no group %q in the breakdown by %s; the groups, largest first: %s", value, r.By, strings.Join(quoted, i18n.T(", ")))
}
