package experiment

import (
	"context"

	"github.com/spoorhq/spoor/query"
)

// Experiments can be saved as spec files and run with spoor run:
// {"analysis":"experiment","variant":"exp_checkout","goal":"purchase"}.
func init() {
	query.RegisterAnalysis("experiment", func() any { return &Query{} },
		func(ctx context.Context, d *query.Dataset, q any) (any, error) { return Run(ctx, d, *q.(*Query)) })
}
