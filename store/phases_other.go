//go:build !unix

package store

import "time"

// CPUTime is not measured here: timing lines show the wall time alone.
func CPUTime() time.Duration { return 0 }
