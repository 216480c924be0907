package store

import (
	"fmt"
	"os"
	"time"
)

// phases reports, when SPOOR_TIMING is set, the wall time and the process's
// CPU time (user+sys) at the end of each phase of an import, since the
// process started: for performance work, where an import's time goes and
// which phases use both cores.
var phases = struct {
	on    bool
	start time.Time
}{os.Getenv("SPOOR_TIMING") != "", time.Now()}

// Phase marks the end of a named phase (see phases).
func Phase(name string) {
	if !phases.on {
		return
	}
	fmt.Fprintf(os.Stderr, "spoor: %-16s %9.1f ms wall %9.1f ms cpu\n", name,
		float64(time.Since(phases.start).Microseconds())/1000, float64(CPUTime().Microseconds())/1000)
}
