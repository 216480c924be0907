package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/sample"
	"github.com/spoorhq/spoor/store"
	"github.com/spoorhq/spoor/termquery"
)

// Options are the workbench's command-line choices, parsed by package cli
// (spoor [--db PATH], and spoor demo, which sets Scenario).
type Options struct {
	DB       string // database file; "" means $SPOOR_DB, else ./spoor.db, else the built-in sample
	Scenario string // open this generated sample scenario instead of a database
	// KeepLang says --lang or $SPOOR_LANG chose the interface language, so
	// the one remembered in the database (the L key) does not replace it.
	KeepLang bool
}

// Run opens the workbench on in and out until the user quits or ctx is
// cancelled (a cancelled ctx is a normal way to leave, not an error).
func Run(ctx context.Context, o Options, in io.Reader, out io.Writer) error {
	var tm *timing
	if os.Getenv("SPOOR_TIMING") != "" {
		tm = newTiming(os.Stderr)
	}
	if path := store.ResolvePath(o.DB); o.Scenario == "" && clickhouse.IsURL(path) {
		// A ClickHouse table: the analyses run on the server.
		src, err := clickhouse.ParseURL(path, os.Getenv)
		if err != nil {
			return err
		}
		return run(ctx, nil, src, o.KeepLang, tm, in, out)
	}
	open, err := chooseOpener(o.DB, o.Scenario)
	if err != nil {
		return err
	}
	return run(ctx, open, nil, o.KeepLang, tm, in, out)
}

// chooseOpener picks the data: an explicit --db or $SPOOR_DB must exist;
// ./spoor.db is used when present; otherwise the built-in sample.
func chooseOpener(flagDB, scenario string) (opener, error) {
	if scenario != "" {
		if _, err := sample.Lookup(scenario); err != nil {
			return nil, err
		}
		return demoOpener(scenario), nil
	}
	path := store.ResolvePath(flagDB)
	explicit := flagDB != "" || os.Getenv("SPOOR_DB") != ""
	if _, err := os.Stat(path); err != nil {
		if explicit {
			return nil, i18n.Errorf("no database at %s — run `spoor import FILE --db %s` to create one, or `spoor demo`", path, path)
		}
		return demoOpener(""), nil
	}
	return func(ctx context.Context) (*store.DB, string, error) {
		// Writable, so files can be imported from inside the workbench.
		db, err := store.Open(path, store.Options{})
		if err != nil {
			db, err = store.Open(path, store.Options{ReadOnly: true})
		}
		return db, path, err
	}, nil
}

// crash remembers a panic in Update or View so it can be written to a log
// file once the terminal has been restored.
type crash struct {
	mu    sync.Mutex
	value any
	stack []byte
}

func (c *crash) catch() {
	if r := recover(); r != nil {
		c.mu.Lock()
		c.value, c.stack = r, debug.Stack()
		c.mu.Unlock()
		panic(r) // bubbletea restores the terminal
	}
}

// guarded wraps the root model to record panics.
type guarded struct {
	m *Model
	c *crash
}

func (g guarded) Init() tea.Cmd { return g.m.Init() }

func (g guarded) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	defer g.c.catch()
	_, cmd := g.m.Update(msg)
	return g, cmd
}

func (g guarded) View() string {
	defer g.c.catch()
	return g.m.View()
}

func run(outer context.Context, open opener, src *clickhouse.Source, keepLang bool, tm *timing, in io.Reader, out io.Writer) error {
	ctx, cancel := context.WithCancel(outer)
	defer cancel()
	color := lipgloss.ColorProfile() != termenv.Ascii
	// Nothing asked the terminal for its background at start-up (package
	// termquery): ask now, before bubbletea owns the terminal, waiting at
	// most half a second for one that never answers.
	if f, ok := out.(*os.File); ok {
		if dark, ok := termquery.DarkBackground(f, 500*time.Millisecond); ok {
			lipgloss.SetHasDarkBackground(dark)
		}
	}
	m := New(ctx, open, color)
	m.sh.tm = tm
	m.src = src
	m.watchEvery = watchEvery
	m.keepLang = keepLang
	c := &crash{}
	opts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx), tea.WithOutput(out)}
	if f, ok := in.(*os.File); !ok || f != os.Stdin {
		opts = append(opts, tea.WithInput(in))
	}
	_, err := tea.NewProgram(guarded{m, c}, opts...).Run()
	if m.sh.db != nil {
		m.sh.db.Close()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.value != nil {
		f, ferr := os.CreateTemp("", "spoor-crash-*.log")
		if ferr != nil {
			return i18n.Errorf("the workbench crashed: %v", c.value)
		}
		fmt.Fprintf(f, "panic: %v\n\n%s", c.value, c.stack)
		f.Close()
		return i18n.Errorf("the workbench crashed: %v (details in %s)", c.value, f.Name())
	}
	if errors.Is(err, tea.ErrProgramKilled) && outer.Err() != nil {
		return nil // Ctrl-C from outside: a normal way to leave
	}
	return err
}
