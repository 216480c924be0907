package tui

// newAnalysis makes the query of each tab; nil leaves the tab showing
// what it will hold once its analysis is in the build.
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
	}
	return nil
}
