//go:build !unix

package store

import "time"

// cpuTime is not measured here: phases show the wall time alone.
func cpuTime() time.Duration { return 0 }
