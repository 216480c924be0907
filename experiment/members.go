package experiment

import (
	"context"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// Member is one exposed user of a variant, as the evaluation counted
// them: exposed at their first assignment (ms), converted when they
// reached the goal (the funnel's last step) within the window, at At
// (ms, 0 when not), or still in progress when not converted and the
// window ends after the data's last event.
type Member struct {
	User       string
	Exposed    int64
	Converted  bool
	At         int64
	InProgress bool
}

// memberList collects the users of one variant during a scan.
type memberList struct {
	variant string
	list    []Member
}

// Members evaluates q on d and returns the users of one variant in
// person order, with the same assignment, exclusions and conversions as
// Run, so a drill-down lists exactly the users a variant's counts cover.
func Members(ctx context.Context, d *query.Dataset, q Query, variant string) ([]Member, error) {
	members := &memberList{variant: variant}
	r, err := evaluate(ctx, d, q, members)
	if err != nil {
		return nil, err
	}
	for _, v := range r.Variants {
		if v.Name == variant {
			return members.list, nil
		}
	}
	return nil, i18n.Errorf("no variant %q among the exposed users", variant)
}
