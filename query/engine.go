package query

import "context"

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
