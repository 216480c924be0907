package tui

import (
	"context"
	"fmt"
	"github.com/spoorhq/spoor/output"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/experiment"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/sample"
	"github.com/spoorhq/spoor/segment"
)

// tmuxSession drives the built binary in a tmux server of its own (a
// private socket), so the test never touches anyone's sessions.
type tmuxSession struct {
	t      *testing.T
	socket string
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (s *tmuxSession) screen() string { return s.tmux("capture-pane", "-p", "-t", "e2e") }

// waitFor polls the screen until it shows want.
func (s *tmuxSession) waitFor(want string, timeout time.Duration) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		scr := s.screen()
		if strings.Contains(scr, want) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("screen never showed %q; last screen:\n%s", want, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *tmuxSession) keys(k ...string) { s.tmux(append([]string{"send-keys", "-t", "e2e"}, k...)...) }
func (s *tmuxSession) text(v string)    { s.tmux("send-keys", "-t", "e2e", "-l", v) }

func TestEndToEndInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and drives it in tmux; skipped with -short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed; the end-to-end workbench test needs it")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "spoor")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	s := &tmuxSession{t: t, socket: fmt.Sprintf("spoor-e2e-%d", os.Getpid())}
	// An empty directory has no spoor.db, so the workbench opens the sample.
	start := time.Now()
	s.tmux("new-session", "-d", "-s", "e2e", "-x", "100", "-y", "30", "-c", dir,
		"env -u SPOOR_DB -u NO_COLOR TERM=xterm-256color "+bin)
	t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	s.waitFor("Funnel ·", 15*time.Second)
	t.Logf("launch to first chart: %v (includes tmux start)", time.Since(start).Round(time.Millisecond))

	for i, want := range []string{"per day", "Funnel ·", "Paths after", "Retention by", "Lifecycle per", "Events",
		"Saved segments and audience rules", "Experiment exp_checkout → purchase"} {
		s.keys(fmt.Sprint(i + 1))
		s.waitFor(want, 10*time.Second)
	}

	// Tab 8 shows the sample's checkout test with the engine's numbers.
	exp, stages := expectedSampleExperimentAndStages(t)
	c := exp.Variants[0]
	s.keys("8")
	s.waitFor(thousands(c.Users)+" users · "+thousands(c.Conversions)+" conv", 10*time.Second)
	s.waitFor(output.Percent(float64(c.Rate)), 5*time.Second)
	// Tab 7: lifecycle stages with their counts.
	s.keys("7", "Enter")
	s.waitFor("Show", 5*time.Second)
	s.text("stages")
	s.keys("Enter")
	scr := s.waitFor("Lifecycle stage", 10*time.Second)
	for _, g := range stages.Stages {
		if !strings.Contains(scr, output.Count(g.Users)) {
			t.Fatalf("stage %s: %s users not on screen:\n%s", g.Name, output.Count(g.Users), scr)
		}
	}

	// Edit step 4 of the funnel through the picker.
	s.keys("2")
	s.waitFor("Funnel ·", 5*time.Second)
	s.keys("j", "j", "j", "Enter")
	s.waitFor("Step 4 event", 5*time.Second)
	s.text("purchase")
	s.keys("Enter")
	scr = s.waitFor("4 purchase", 10*time.Second)

	want := expectedSampleFunnel(t)
	var line string
	for _, l := range strings.Split(scr, "\n") {
		if strings.Contains(l, "4 purchase") {
			line = l
		}
	}
	if !strings.Contains(line, output.Count(want.Steps[3].Users)) || !strings.Contains(line, query.Percent(want.Steps[3].Conversion)) {
		t.Fatalf("step 4 line %q does not show %s users (%s); screen:\n%s", line, output.Count(want.Steps[3].Users),
			query.Percent(want.Steps[3].Conversion), scr)
	}
	// q quits: the pane's only process ends, and with it the server.
	s.keys("q")
	deadline := time.Now().Add(5 * time.Second)
	for exec.Command("tmux", "-L", s.socket, "has-session", "-t", "e2e").Run() == nil {
		if time.Now().After(deadline) {
			t.Fatalf("q did not quit the workbench:\n%s", s.screen())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// expectedSampleExperimentAndStages computes the sample's checkout test
// and lifecycle stages outside the workbench.
func expectedSampleExperimentAndStages(t *testing.T) (*experiment.Result, *segment.StageReport) {
	ctx := context.Background()
	db, err := sample.OpenDemo(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := query.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	r, err := experiment.Run(ctx, d, experiment.Query{Variant: "exp_checkout", Goal: "purchase"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := segment.StageSummary(d, segment.DefaultStageWindow, false, "")
	if err != nil {
		t.Fatal(err)
	}
	return r, st
}

// expectedSampleFunnel computes, outside the workbench, the funnel the
// test should see: the seeded first funnel with step 4 set to purchase.
func expectedSampleFunnel(t *testing.T) *query.FunnelResult {
	ctx := context.Background()
	db, err := sample.OpenDemo(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := query.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	steps, _ := firstChoices(d, eventCounts(d))
	steps[3] = "purchase"
	var q query.FunnelQuery
	for _, s := range steps {
		q.Steps = append(q.Steps, query.FunnelStep{Event: s})
	}
	r, err := d.Funnel(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
