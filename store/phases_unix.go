//go:build unix

package store

import (
	"syscall"
	"time"
)

// CPUTime is the process's user+sys time so far (SPOOR_TIMING's cpu
// figures: the import's phases here, the workbench's runs in tui).
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
