package survival

import (
	"context"

	"github.com/spoorhq/spoor/query"
)

// SpecAnalysis lets survival curves be saved as spec files and run with
// spoor run: {"analysis":"survival","start":"signup","event":"purchase"}.
// Package specfile adds it to query's analyses.
func SpecAnalysis() query.Analysis {
	return query.Analysis{
		NewQuery: func() any { return &Query{} },
		Run:      func(ctx context.Context, d *query.Dataset, q any) (any, error) { return Analyze(ctx, d, *q.(*Query)) },
	}
}
