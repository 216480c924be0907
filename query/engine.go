package query

import (
	"context"

	"github.com/spoorhq/spoor/i18n"
)

// Engine runs the analyses of the query model. *Dataset runs them in
// memory; package chquery compiles the same query values to SQL and runs
// them on a ClickHouse server. Either way the results are the same types,
// so output, drill-downs and the workbench do not know which ran them.
type Engine interface {
	Trends(ctx context.Context, q TrendsQuery) (*TrendsResult, error)
	Funnel(ctx context.Context, q FunnelQuery) (*FunnelResult, error)
	Retention(ctx context.Context, q RetentionQuery) (*RetentionResult, error)
	Paths(ctx context.Context, q PathsQuery) (*PathsResult, error)
	Lifecycle(ctx context.Context, q LifecycleQuery) (*LifecycleResult, error)
	// EmptyNotes says why a result may be empty (a --where value no
	// event has, a range outside the data); nil when nothing is odd.
	EmptyNotes(ctx context.Context, c Common) []string
}

var _ Engine = (*Dataset)(nil)

// On runs an analysis of a kind defined above this package on e: in
// memory on a Dataset with local, or with remote on an engine that is a
// B (one that computes that kind where its events are, package chquery's).
// what names the analysis in the error of any other engine.
func On[B, Q, R any](ctx context.Context, e Engine, q Q, local func(context.Context, *Dataset, Q) (R, error), remote func(B, context.Context, Q) (R, error), what string) (R, error) {
	if d, ok := e.(*Dataset); ok {
		return local(ctx, d, q)
	}
	if b, ok := e.(B); ok {
		return remote(b, ctx, q)
	}
	var none R
	return none, i18n.Errorf("%s needs a local spoor database for now", what)
}

// SpecOf is the Analysis that lets a kind defined above this package be
// saved as a spec file and run with spoor run, on any engine on (On).
func SpecOf[Q, R any](on func(context.Context, Engine, Q) (R, error)) Analysis {
	return Analysis{
		NewQuery: func() any { return new(Q) },
		OnEngine: func(ctx context.Context, e Engine, q any) (any, error) { return on(ctx, e, *q.(*Q)) },
	}
}
