package tui

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/importers"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/segment"
	"github.com/spoorhq/spoor/store"
)

// importable are the file names offered by the import picker.
var importable = []string{".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".txt", ".gz"}

// importFile lists candidate files under the working directory in the
// background, then opens a picker over them (a typed path works too).
func (m *Model) importFile() tea.Cmd {
	switch {
	case m.sh.remote != nil:
		m.setStatus(i18n.T("events go into a ClickHouse table with spoor import --db URL FILE, or spoor push; then press %s to reload", m.sh.keys.Reload.Help().Key), true)
		return nil
	case m.sh.db == nil:
		return nil
	case m.sh.db.ReadOnly:
		m.setStatus(i18n.T("%s is open read-only; imports need write access", m.sh.db.Path), true)
		return nil
	case m.imp != nil && !m.imp.done:
		m.pages = append(m.pages, m.imp)
		return nil
	}
	db := m.sh.db
	ctx := m.ctx
	// The sample lives in memory: a file imported into it would be mixed
	// with made-up events and lost on quit. It goes into a database file,
	// which the workbench then shows.
	sample := db.Path == ":memory:"
	return func() tea.Msg {
		files := findImportable(".", 3, 2000)
		title := i18n.T("Import a file (type to filter, or a path)")
		if sample {
			title = i18n.T("Import a file into a database file, not the sample (type to filter, or a path)")
		}
		return dialogMsg{newPicker(title, files, true, func(path string) tea.Cmd {
			if !sample {
				return startImport(ctx, db, path)
			}
			return func() tea.Msg {
				return dialogMsg{newPrompt(i18n.T("Database to import %s into", filepath.Base(path)),
					i18n.T("created if missing (else the events are added); then opened"),
					store.ResolvePath(""), nil, func(dbPath string) tea.Cmd { return startImportInto(ctx, dbPath, path) })}
			}
		})}
	}
}

// startImportInto imports a file into the database at dbPath, creating
// it when missing; once done, the workbench switches to it. A failed
// import leaves no database it created behind.
func startImportInto(ctx context.Context, dbPath, path string) tea.Cmd {
	return func() tea.Msg {
		if _, err := os.Stat(path); err != nil {
			return statusMsg{text: i18n.T("import: %v", err), err: true}
		}
		_, statErr := os.Stat(dbPath)
		created := errors.Is(statErr, fs.ErrNotExist)
		db, err := store.Open(dbPath, store.Options{Create: true})
		if err != nil {
			return statusMsg{text: i18n.T("import: %v", err), err: true}
		}
		msg := startImport(ctx, db, path)()
		if started, ok := msg.(importStartedMsg); ok {
			started.imp.into, started.imp.created = db, created
			return started
		}
		db.Close()
		if created {
			removeDB(dbPath)
		}
		return msg
	}
}

// removeDB deletes a database file this workbench created, with SQLite's
// side files.
func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(path + suffix)
	}
}

// findImportable walks dir up to depth levels for event files, with their
// sizes in KB as the picker's counts, stopping after limit files.
func findImportable(dir string, depth, limit int) []named {
	var out []named
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if path != dir && (strings.HasPrefix(d.Name(), ".") || strings.Count(path, string(filepath.Separator)) >= depth) {
				return filepath.SkipDir
			}
			return nil
		}
		if len(out) >= limit {
			return filepath.SkipAll
		}
		name := strings.ToLower(d.Name())
		for _, ext := range importable {
			if strings.HasSuffix(name, ext) {
				kb := 0
				if info, err := d.Info(); err == nil {
					kb = int((info.Size() + 1023) / 1024)
				}
				out = append(out, named{name: path, count: kb})
				break
			}
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

type importStartedMsg struct{ imp *importPage }
type importProgressMsg struct{ p importers.Progress }
type importDoneMsg struct {
	res    *importers.Result
	err    error
	audErr error // re-evaluating the audience rules failed (the import stands)
}

// startImport runs the importer in a goroutine; its progress comes back
// through a channel that waitImport reads one message at a time.
func startImport(ctx context.Context, db *store.DB, path string) tea.Cmd {
	return func() tea.Msg {
		if _, err := os.Stat(path); err != nil {
			return statusMsg{text: i18n.T("import: %v", err), err: true}
		}
		ch := make(chan tea.Msg, 1)
		go func() {
			res, err := importers.ImportFile(ctx, db, path, importers.Options{Progress: func(p importers.Progress) {
				select { // drop a snapshot rather than slow the import down
				case ch <- importProgressMsg{p}:
				default:
				}
			}})
			done := importDoneMsg{res: res, err: err}
			if err == nil {
				// As after spoor import: audience rules are re-evaluated so the
				// Segments tab shows each rule's size now and before.
				done.audErr = segment.RefreshAudiences(ctx, db)
			}
			ch <- done
			close(ch)
		}()
		bar := progress.New(progress.WithDefaultGradient())
		return importStartedMsg{&importPage{path: path, ch: ch, bar: bar, start: time.Now()}}
	}
}

func waitImport(ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

// importPage shows an import's progress bar; Esc hides it while the
// import goes on (I shows it again).
type importPage struct {
	path  string
	ch    chan tea.Msg
	bar   progress.Model
	start time.Time
	last  importers.Progress
	done  bool
	res   *importers.Result
	err   error
	// into is the database file the sample's import goes into (nil when
	// importing into the open database); created says the import made it.
	into    *store.DB
	created bool
}

func (p *importPage) typing() bool { return false }

func (p *importPage) update(sh *shared, msg tea.KeyMsg) (bool, tea.Cmd) {
	return key.Matches(msg, sh.keys.Back) || key.Matches(msg, sh.keys.Enter), nil
}

func (p *importPage) fraction() float64 {
	if p.done {
		return 1
	}
	if p.last.Size <= 0 {
		return 0
	}
	return min(float64(p.last.Bytes)/float64(p.last.Size), 1)
}

func (p *importPage) view(sh *shared, w, h int) string {
	var b strings.Builder
	b.WriteString(sh.st.Title.Render(truncate(i18n.T("Importing %s", p.path), w)) + "\n\n")
	bar := p.bar // a copy: View draws at the width it has, changing nothing
	bar.Width = max(min(w-4, 70), 10)
	b.WriteString(bar.ViewAs(p.fraction()) + "\n\n")
	b.WriteString(i18n.T("%d rows read", p.last.Rows))
	if p.last.Size > 0 {
		b.WriteString(i18n.T(" · %d of %d KB", p.last.Bytes/1024, p.last.Size/1024))
	}
	switch {
	case p.err != nil:
		b.WriteString("\n\n" + sh.st.Error.Render(wrap(i18n.T("import failed: %v", p.err), w)))
	case p.done:
		r := p.res
		b.WriteString("\n\n" + sh.st.Status.Render(i18n.T("imported %d events (%d duplicates, %d rejected) as %s in %s",
			r.Imported, r.Duplicates, r.Rejected, r.Format, output.Duration(r.Elapsed.Seconds()))))
		for reason, n := range r.Reasons {
			b.WriteString("\n  " + sh.st.Dim.Render(truncate(i18n.T("%d rejected: %s", n, i18n.Text(reason)), w-2)))
		}
	}
	b.WriteString("\n\n" + sh.st.Dim.Render(i18n.T("esc back (the import goes on; I shows it again)")))
	return fitLines(b.String(), w, h)
}

// importMsg handles the import's messages; when it ends the data is
// reloaded so every tab recomputes on it.
func (m *Model) importMsg(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case importStartedMsg:
		m.imp = msg.imp
		m.pages = append(m.pages, msg.imp)
		return tea.Batch(waitImport(msg.imp.ch), m.spin.Tick)
	case importProgressMsg:
		if m.imp == nil {
			return nil
		}
		m.imp.last = msg.p
		return waitImport(m.imp.ch)
	case importDoneMsg:
		if m.imp == nil {
			return nil
		}
		m.imp.done, m.imp.res, m.imp.err = true, msg.res, msg.err
		if msg.err != nil {
			m.setStatus(i18n.T("import of %s failed: %v", m.imp.path, msg.err), true)
			if db := m.imp.into; db != nil {
				db.Close()
				if m.imp.created {
					removeDB(db.Path)
				}
			}
			return nil
		}
		m.setStatus(i18n.T("imported %d events from %s; reloading", msg.res.Imported, m.imp.path), false)
		if msg.audErr != nil {
			m.setStatus(i18n.T("audience rules not re-evaluated: %v", msg.audErr), true)
		}
		if db := m.imp.into; db != nil {
			return m.switchTo(db)
		}
		return m.reload()
	}
	return nil
}

// switchTo opens db in place of the sample: its data is loaded and every
// tab starts over on it, as when the workbench opens a file.
func (m *Model) switchTo(db *store.DB) tea.Cmd {
	path := db.Path
	m.open = func(ctx context.Context) (*store.DB, string, error) {
		db, err := store.Open(path, store.Options{})
		return db, path, err
	}
	m.loading, m.fresh = true, true
	m.setStatus(i18n.T("opening %s…", path), false)
	return tea.Batch(loadCmd(m.ctx, m.open, db, path, m.sh.since, m.sh.tm), m.spin.Tick)
}
