// Package specfile reads spec files, the saved analyses spoor run and the
// workbench open. A spec may name query's analyses and experiment's: a
// kind of analysis defined above query joins them in Analyses, so which
// kinds exist never depends on which packages' init functions ran.
package specfile

import (
	"github.com/spoorhq/spoor/experiment"
	"github.com/spoorhq/spoor/query"
)

// Analyses returns every kind a spec may name, in a new map.
func Analyses() query.Analyses {
	a := query.Builtin()
	a["experiment"] = experiment.SpecAnalysis()
	return a
}

// Parse reads a spec file's content: JSON when it starts with "{", TOML
// otherwise (query.Analyses.ParseSpec).
func Parse(data []byte) (query.Spec, error) { return Analyses().ParseSpec(data) }
