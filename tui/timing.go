package tui

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/spoorhq/spoor/store"
)

// timing reports where the workbench's time goes when SPOOR_TIMING is
// set, as the commands do: a line per phase of loading the data and per
// run of a tab, with its wall time and the process's CPU time over it
// (user + system, every goroutine: on a shared machine wall time moves
// with the others' load, CPU time much less). The screen is standard
// output, so the lines go to standard error:
// SPOOR_TIMING=1 spoor --db FILE 2>timing.log. A nil *timing reports
// nothing.
type timing struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time // the workbench's start: each line says how long after it
	draw  string    // what the next frame shows, to time drawing it
	// Frames drawn while a run is in flight (runSpan), and their time:
	// the screen is drawn on the goroutine beside the run's, on the same
	// cores.
	running bool
	frames  int
	drawing time.Duration
}

func newTiming(w io.Writer) *timing { return &timing{w: w, start: time.Now()} }

// span starts timing what; the returned func ends it and writes the line.
func (t *timing) span(what string) func() {
	if t == nil {
		return func() {}
	}
	start, cpu := time.Now(), store.CPUTime()
	return func() {
		wall, used := time.Since(start), store.CPUTime()-cpu
		t.line(fmt.Sprintf("%-34s %8.1f ms  cpu %8.1f ms", what, ms(wall), ms(used)))
	}
}

// runSpan is span for a run, whose line also says how many frames were
// drawn while it ran and how long they took. One run at a time: a run
// started before the last one ended takes the count over.
func (t *timing) runSpan(what string) func() {
	if t == nil {
		return func() {}
	}
	t.mu.Lock()
	t.running, t.frames, t.drawing = true, 0, 0
	t.mu.Unlock()
	start, cpu := time.Now(), store.CPUTime()
	return func() {
		wall, used := time.Since(start), store.CPUTime()-cpu
		t.mu.Lock()
		frames, drawing := t.frames, t.drawing
		t.running = false
		t.mu.Unlock()
		t.line(fmt.Sprintf("%-34s %8.1f ms  cpu %8.1f ms  (%d frames drawn meanwhile, %.1f ms)", what, ms(wall), ms(used), frames, ms(drawing)))
	}
}

// frame times one View, counted when a run is in flight.
func (t *timing) frame() func() {
	if t == nil {
		return func() {}
	}
	start := time.Now()
	return func() {
		d := time.Since(start)
		t.mu.Lock()
		if t.running {
			t.frames++
			t.drawing += d
		}
		t.mu.Unlock()
	}
}

// mark notes a moment (a result shown, a run found in the cache) with
// the CPU time the process has used since it started; the next frame
// drawn is timed too (drawn).
func (t *timing) mark(what string) {
	if t == nil {
		return
	}
	t.line(fmt.Sprintf("%-34s %8s     cpu %8.1f ms in all", what, "", ms(store.CPUTime())))
	t.mu.Lock()
	t.draw = what
	t.mu.Unlock()
}

// drawn times View after a mark: the frame that shows what was marked.
func (t *timing) drawn() func() {
	if t == nil {
		return func() {}
	}
	t.mu.Lock()
	what := t.draw
	t.draw = ""
	t.mu.Unlock()
	if what == "" {
		return func() {}
	}
	return t.span("  drawn after " + what)
}

func (t *timing) line(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "spoor: +%8.1f ms  %s\n", ms(time.Since(t.start)), s)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
