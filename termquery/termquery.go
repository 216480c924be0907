// Package termquery keeps spoor from asking the terminal anything while it
// starts. bubbletea v1's package init calls lipgloss.HasDarkBackground,
// which writes "ESC]11;? ESC[6n" to a terminal on stdout and waits up to
// five seconds for the answer: every command, not only the workbench,
// stalled and printed those bytes on a terminal that does not answer.
//
// termenv skips the query when TERM is "dumb". This package's init sets
// that, and main calls Restore first thing. It imports nothing outside
// the standard library, so Go initialises it before termenv (whose
// golang.org/x/sys import sorts after every github.com package), and so
// before bubbletea's init; cli's TestNoTerminalQuery checks that on a
// pseudo-terminal that never answers. The workbench asks for the
// background itself, with a short timeout (tui.run).
package termquery

import "os"

var term, termSet = os.LookupEnv("TERM")

func init() { os.Setenv("TERM", "dumb") }

// Restore puts TERM back as the process got it.
func Restore() {
	if termSet {
		os.Setenv("TERM", term)
	} else {
		os.Unsetenv("TERM")
	}
}
