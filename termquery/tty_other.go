//go:build !linux && !darwin

package termquery

import (
	"errors"
	"time"
)

// ask is not implemented here: the background comes from COLORFGBG or
// stays lipgloss's default.
func ask(fd int, query string, wait time.Duration) (string, error) {
	return "", errors.New("terminal queries are not supported on this system")
}
