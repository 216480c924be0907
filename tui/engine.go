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

// linkTabs lets the Segments tab apply a segment as a filter or breakdown
// to the queries of the other analysis tabs, and the Experiments tab check
// weights against the variants on screen.
func linkTabs(tabs []*tabState) {
	if e, ok := tabs[tabExperiments].a.(*experimentTab); ok {
		e.shown = func() result { return tabs[tabExperiments].res }
	}
	s, ok := tabs[tabSegments].a.(*segmentsTab)
	if !ok {
		return
	}
	s.others = func() []analysis {
		var out []analysis
		for i, t := range tabs {
			if i != tabSegments && t.a != nil && t.a.kind() != "explore" {
				out = append(out, t.a)
			}
		}
		return out
	}
}
