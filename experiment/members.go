package experiment

import (
	"context"
	"fmt"

	"github.com/spoorhq/spoor/query"
)

// Member is one exposed user of a variant, as the evaluation counted
// them: exposed at their first assignment, converted when they reached
// the goal (the funnel's last step) within the window, at time At.
type Member struct {
	User      string `json:"user"`
	Exposed   int64  `json:"-"` // ms
	Converted bool   `json:"converted"`
	At        int64  `json:"-"` // ms; 0 when not converted
}

// Members evaluates q on d and returns the users of one variant in
// person order, with the same assignment, exclusions and conversions as
// Run, so a drill-down lists exactly the users a variant's counts cover.
func Members(ctx context.Context, d *query.Dataset, q Query, variant string) ([]Member, error) {
	members := map[string][]Member{}
	r, err := evaluate(ctx, d, q, members)
	if err != nil {
		return nil, err
	}
	for _, v := range r.Variants {
		if v.Name == variant {
			return members[variant], nil
		}
	}
	return nil, fmt.Errorf("no variant %q among the exposed users", variant)
}
