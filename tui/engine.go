package tui

// newAnalysis makes the query of each tab; nil leaves the tab showing
// what it will hold once its analysis is in the workbench.
//
// To plug in Segments (tab 7) or Experiments (tab 8): write a type with
// the analysis methods (kind, common, rows, spec, load, runner; see
// funnel.go for the pattern) whose runner calls the engine and wraps its
// result in a type with the result methods (Tables, json, chart, items,
// drill), and return it here. Saving, opening, export, copy, the spinner,
// cancellation and drill-down pages then work without further changes.
func newAnalysis(tab int, sh *shared) analysis {
	switch tab {
	case tabTrends:
		return &trends{}
	case tabFunnel:
		return &funnel{}
	case tabPaths:
		return &paths{}
	case tabRetention:
		return &retention{}
	case tabLifecycle:
		return &lifecycle{}
	case tabExplore:
		return &explore{Show: "events"}
	case tabSegments:
		return newSegmentsTab()
	case tabExperiments:
		return &experimentTab{}
	}
	return nil
}
