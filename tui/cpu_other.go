//go:build !unix

package tui

import "time"

// cpuTime is not read where getrusage is missing: timing lines show 0.
func cpuTime() time.Duration { return 0 }
