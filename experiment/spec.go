package experiment

import (
	"context"

	"github.com/spoorhq/spoor/query"
)

// SpecAnalysis lets experiments be saved as spec files and run with spoor
// run: {"analysis":"experiment","variant":"exp_checkout","goal":"purchase"}.
// Package specfile adds it to query's analyses.
func SpecAnalysis() query.Analysis {
	return query.Analysis{
		NewQuery: func() any { return &Query{} },
		Run:      func(ctx context.Context, d *query.Dataset, q any) (any, error) { return Run(ctx, d, *q.(*Query)) },
	}
}
