package cli

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// openPTY returns a new pseudo-terminal pair: what the master reads is what
// a program on the slave wrote. Nothing answers on the master unless the
// test writes there, as with a terminal that ignores queries.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	var unlock int32
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Skipf("unlock pty: %v", e)
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Skipf("pty number: %v", e)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pty slave: %v", err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// ptyRun starts spoor with the pty as its controlling terminal (as script
// or a terminal emulator does) and collects what it writes.
type ptyRun struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

func startOnPTY(t *testing.T, dir string, args ...string) (*ptyRun, *os.File) {
	t.Helper()
	master, slave := openPTY(t)
	cmd := exec.Command(spoorBin(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "SPOOR_DB=", "COLORFGBG=")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	r := &ptyRun{cmd: cmd, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			r.mu.Lock()
			r.out.Write(buf[:n])
			r.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return r, master
}

func (r *ptyRun) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

// waitFor polls until the output holds want or d passes.
func (r *ptyRun) waitFor(want string, d time.Duration) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if bytes.Contains([]byte(r.output()), []byte(want)) {
			return true
		}
	}
	return false
}

const (
	bgQuery     = "\x1b]11;?"
	cursorQuery = "\x1b[6n"
)

// Issue 14.16: bubbletea's init asked every command's terminal for its
// background and waited 5 s for a terminal that does not answer. No
// command but the workbench may write a query, and none may stall.
func TestNoTerminalQuery(t *testing.T) {
	dir := t.TempDir()
	spoorBin(t) // built before the clock starts
	for _, args := range [][]string{{"info"}, {"help"}, {"sample", "--users", "5", "--out", "s.csv"}, {"trends", "--bogus"}} {
		start := time.Now()
		r, _ := startOnPTY(t, dir, args...)
		r.cmd.Wait()
		<-r.done
		took := time.Since(start)
		out := r.output()
		if bytes.Contains([]byte(out), []byte(bgQuery)) || bytes.Contains([]byte(out), []byte(cursorQuery)) {
			t.Errorf("spoor %v wrote a terminal query: %q", args, out)
		}
		if took > 3*time.Second {
			t.Errorf("spoor %v took %v on a terminal that does not answer", args, took)
		}
	}
}

// The workbench asks for the background itself, and a terminal that never
// answers holds it up half a second, not five.
func TestWorkbenchSilentTerminal(t *testing.T) {
	r, master := startOnPTY(t, t.TempDir(), "demo")
	if !r.waitFor(bgQuery, 5*time.Second) {
		t.Fatalf("the workbench did not ask for the background: %q", r.output())
	}
	asked := time.Now()
	if !r.waitFor("\x1b[?1049h", 5*time.Second) {
		t.Fatalf("the workbench did not start: %q", r.output())
	}
	if wait := time.Since(asked); wait > 2*time.Second {
		t.Errorf("the workbench waited %v for a terminal that does not answer", wait)
	}
	if n := bytes.Count([]byte(r.output()), []byte(bgQuery)); n != 1 {
		t.Errorf("the background was asked for %d times, want once", n)
	}
	master.Write([]byte("q"))
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		t.Errorf("the workbench did not quit on q")
	}
}
