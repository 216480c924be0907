package experiment

import (
	"context"

	"github.com/spoorhq/spoor/query"
)

// SpecAnalysis lets experiments be saved as spec files and run with spoor
// run: {"analysis":"experiment","variant":"exp_checkout","goal":"purchase"}.
// Package specfile adds it to query's analyses.
func SpecAnalysis() query.Analysis { return query.SpecOf(Evaluate) }

// Backend is an engine that evaluates experiments where its events are
// (package chquery's), with the same results as Run.
type Backend interface {
	Experiment(ctx context.Context, q Query) (*Result, error)
}

// Evaluate runs the experiment on e: in memory, or on a Backend.
func Evaluate(ctx context.Context, e query.Engine, q Query) (*Result, error) {
	return query.On(ctx, e, q, Run, Backend.Experiment, "experiment")
}
