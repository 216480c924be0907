package tui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"github.com/aymanbagabas/go-osc52/v2"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/specfile"
)

// specDir is where the workbench saves analyses, relative to the working
// directory, so they can live in git next to the data.
const specDir = "analyses"

// save asks for a file name and writes the active query as a spec file,
// the same file spoor run FILE executes.
func (m *Model) save() tea.Cmd {
	a := m.tab().a
	if a == nil || a.kind() == "explore" {
		m.setStatus(i18n.T("nothing to save on this tab"), true)
		return nil
	}
	if a.kind() == "segments" {
		m.setStatus(i18n.T("segments are saved in the database: Enter on the save row"), true)
		return nil
	}
	spec, err := a.spec()
	if err != nil {
		m.setStatus(err.Error(), true)
		return nil
	}
	def := filepath.Join(specDir, a.kind()+".json")
	m.dlg = newPrompt(i18n.T("Save analysis as"), i18n.T("a .json spec file; spoor run FILE runs it headless"), def, nil,
		func(path string) tea.Cmd {
			return writeFileCmd(path, spec, func(p string) string { return i18n.T("saved %s", p) })
		})
	return nil
}

// writeFileCmd writes data to path, or, when a file is there already, to
// the first free path-2, path-3… beside it: nothing is overwritten. done
// is the status line, told the name written.
func writeFileCmd(path string, data []byte, done func(path string) string) tea.Cmd {
	return func() tea.Msg {
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return statusMsg{text: err.Error(), err: true}
			}
		}
		wrote, err := writeNew(path, data)
		if err != nil {
			return statusMsg{text: err.Error(), err: true}
		}
		text := done(wrote)
		if wrote != path {
			text += i18n.T(" (%s exists)", path)
		}
		return statusMsg{text: text}
	}
}

// writeNew creates path, or the first of path-2, path-3… (before the
// extension) that does not exist; O_EXCL makes the check and the create
// one step, so a file made meanwhile is not overwritten either.
func writeNew(path string, data []byte) (string, error) {
	ext := filepath.Ext(path)
	base := strings.TrimSuffix(path, ext)
	for n := 1; n < 1000; n++ {
		p := path
		if n > 1 {
			p = fmt.Sprintf("%s-%d%s", base, n, ext)
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return "", err
		}
		return p, f.Close()
	}
	return "", i18n.Errorf("%s and 999 numbered copies exist; choose another name", path)
}

// openListCmd lists the saved spec files in ./analyses and the working
// directory, in name order, for the open page. A file is listed when its
// first 4 KB name an analysis (specfile.Kind); it is read whole and
// decoded only when opened, so a directory of large or hostile files
// costs at most 4 KB a file, for the first maxListed files.
func openListCmd() tea.Cmd {
	return func() tea.Msg {
		var files, lines []string
		kinds := map[string]string{}
		seen := 0
		for _, pattern := range []string{"*.json", "*.toml"} {
			for _, dir := range []string{specDir, "."} {
				found, _ := filepath.Glob(filepath.Join(dir, pattern))
				for _, f := range found {
					if seen++; seen > maxListed {
						break
					}
					if k := specfile.Kind(f); k != "" {
						files, kinds[f] = append(files, f), k
					}
				}
			}
		}
		sort.Strings(files)
		if len(files) == 0 {
			return statusMsg{text: i18n.T("no saved analyses in ./%s or here; press s on a tab to save one", specDir), err: true}
		}
		for _, f := range files {
			lines = append(lines, padRight(kinds[f], 10)+" "+f)
		}
		return pageMsg{p: newListPage(i18n.T("Saved analyses"), "", lines, files, readSpecCmd)}
	}
}

// maxListed bounds the files the open page looks at.
const maxListed = 1000

func readSpecCmd(path string) tea.Cmd {
	return func() tea.Msg {
		spec, err := specfile.Read(path) // as spoor run reads it
		if err != nil {
			return statusMsg{text: i18n.T("%s: %s", path, err.Error()), err: true}
		}
		// The tabs load JSON fields; a TOML spec arrives as its query.
		raw, err := json.Marshal(spec.Query)
		if err != nil {
			return statusMsg{text: i18n.T("%s: %s", path, err.Error()), err: true}
		}
		return openSpecMsg{kind: spec.Analysis, raw: raw, path: path}
	}
}

// severalKinds is a tab that holds more than one kind of analysis (the
// Retention tab's cohorts and survival curves): loadKind switches it to
// kind and loads the spec, or reports that it holds no such kind.
type severalKinds interface {
	loadKind(kind string, raw []byte) (held bool, err error)
}

// openSpec loads a saved analysis into the tab of its kind and runs it.
func (m *Model) openSpec(msg openSpecMsg) tea.Cmd {
	for i, t := range m.tabs {
		if t.a == nil {
			continue
		}
		var err error
		if k, ok := t.a.(severalKinds); ok {
			held := false
			if held, err = k.loadKind(msg.kind, msg.raw); !held {
				continue
			}
		} else if t.a.kind() != msg.kind {
			continue
		} else {
			err = t.a.load(msg.raw)
		}
		if err != nil {
			m.setStatus(i18n.T("%s: %s", msg.path, err.Error()), true)
			return nil
		}
		m.setStatus(i18n.T("opened %s", msg.path), false)
		t.row, t.sel, t.scroll = 0, 0, 0
		return m.switchTab(i)
	}
	m.setStatus(i18n.T("%s: the workbench has no %q tab in this build", msg.path, msg.kind), true)
	return nil
}

var exportFormats = []string{"csv", "markdown", "json"}

// export writes the current result to a file in the chosen format.
func (m *Model) export() tea.Cmd {
	t := m.tab()
	if t.res == nil || t.a == nil {
		m.setStatus(i18n.T("no result to export on this tab"), true)
		return nil
	}
	if !current(t) {
		m.setStatus(i18n.T("the result is not yet updated for your last edit: try again once it is"), true)
		return nil
	}
	res, kind := t.res, t.a.kind()
	spec, _ := t.a.spec()
	head := queryHeader(t.a, m.sh.d)
	m.dlg = choiceDialog(i18n.T("Export the result as"), exportFormats, func(f string) {
		ext := map[string]string{"csv": ".csv", "markdown": ".md", "json": ".json"}[f]
		m.dlg = newPrompt(i18n.T("Export to file"), i18n.T("an existing file is kept: the export gets a -2, -3… name"), kind+"-result"+ext, nil, func(path string) tea.Cmd {
			data, err := exportResult(res, f, head, spec)
			if err != nil {
				return statusCmd(err.Error(), true)
			}
			return writeFileCmd(path, data, func(p string) string { return i18n.T("exported %s", p) })
		})
	})
	return nil
}

// queryHeader says what a result answers: the analysis, the range with
// its dates, the filters, segment and breakdown.
func queryHeader(a analysis, d *query.Dataset) string {
	c := a.common()
	parts := []string{"spoor " + a.kind(), "range " + rangeLabel(c)}
	if d != nil {
		if s, err := d.Resolve(context.Background(), query.Common{Last: c.Last, From: c.From, To: c.To}); err == nil && d.Len() > 0 {
			parts[1] += " (" + day(s.From, s.Loc) + " → " + day(s.To-1, s.Loc) + ")"
		}
	}
	if len(c.Where) > 0 {
		parts = append(parts, "where "+strings.Join(c.Where, " and "))
	}
	if c.Segment != "" {
		parts = append(parts, "segment "+c.Segment)
	}
	if c.By != "" {
		parts = append(parts, "by "+c.By)
	}
	return output.Visible(strings.Join(parts, " · "))
}

// exportResult formats a result with the CLI's writers, led by what it
// answers: a # line in CSV (as CSV with several tables titles them), a
// quoted line in Markdown, and in JSON the spec file (what spoor run
// runs) beside the result.
func exportResult(res result, format, head string, spec []byte) ([]byte, error) {
	var buf bytes.Buffer
	var v any = fullTables(res)
	switch format {
	case "json":
		v = struct {
			Query  json.RawMessage `json:"query"`
			Result any             `json:"result"`
		}{spec, res.json()}
	case "csv":
		buf.WriteString("# " + head + "\n")
	case "markdown":
		buf.WriteString("> " + head + "\n\n")
	}
	err := output.Write(&buf, format, v)
	return buf.Bytes(), err
}

// render formats a result with the CLI's writers, as it is copied.
func render(res result, format string) ([]byte, error) {
	var buf bytes.Buffer
	err := output.Write(&buf, format, fullTables(res))
	return buf.Bytes(), err
}

// abridged is a result whose screen table leaves rows out (survival
// curves); full is every row, for exports and copies.
type abridged interface{ full() output.Tabular }

// fullTables is what exports write of res: every row.
func fullTables(res result) output.Tabular {
	if a, ok := res.(abridged); ok {
		return a.full()
	}
	return res
}

// copyResult puts the result, as a Markdown table, on the clipboard with
// OSC 52, which works over SSH and inside tmux.
func (m *Model) copyResult() tea.Cmd {
	t := m.tab()
	if t.res == nil {
		m.setStatus(i18n.T("no result to copy on this tab"), true)
		return nil
	}
	if !current(t) {
		m.setStatus(i18n.T("the result is not yet updated for your last edit: try again once it is"), true)
		return nil
	}
	data, err := render(t.res, "markdown")
	if err != nil {
		m.setStatus(err.Error(), true)
		return nil
	}
	return clipboardCmd(data, i18n.T("copied %d bytes as Markdown (OSC 52)", len(data)))
}

// clipboardCmd puts data on the clipboard with OSC 52 and says done.
func clipboardCmd(data []byte, done string) tea.Cmd {
	return func() tea.Msg {
		seqs := []osc52.Sequence{osc52.New(string(data))}
		// Inside tmux the plain sequence reaches tmux's clipboard (with
		// set-clipboard on); the wrapped one passes through to the outer
		// terminal (with allow-passthrough on).
		if os.Getenv("TMUX") != "" {
			seqs = append(seqs, osc52.New(string(data)).Tmux())
		} else if strings.HasPrefix(os.Getenv("TERM"), "screen") {
			seqs[0] = seqs[0].Screen()
		}
		for _, seq := range seqs {
			if _, err := seq.WriteTo(os.Stderr); err != nil {
				return statusMsg{text: i18n.T("copy: %v", err), err: true}
			}
		}
		return statusMsg{text: done}
	}
}

// userList is a page of users as e and y take it: the columns the page
// shows, with exact values rather than the truncated lines (user first),
// and the list's name for the status line, the Markdown title and the
// file name. Every users page exports and copies through it, so the
// files, formats and messages are the same on every tab.
type userList struct {
	name  string // what the list is: "Dropped off after step 1 signup", "Variant B"
	file  string // file name without the format's extension
	table output.Table
	json  any // what JSON export writes; nil writes one object per row by column
}

// newUserList is a list of users on the tab of that kind, the file named
// KIND-NAME-users.EXT; add the page's other columns to its table.
func newUserList(kind, name string, users []string) *userList {
	l := &userList{name: name, file: listFile(kind, name), table: output.Table{Title: name, Columns: []string{"user"}}}
	for _, u := range users {
		l.table.Rows = append(l.table.Rows, []string{u})
	}
	return l
}

// listFile names a list's export: the tab, then the list's name in lower
// case with every run of other characters as one dash, and users once.
func listFile(kind, name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	word := b.String()
	switch {
	case word == "":
		word = "users"
	case word != "users" && !strings.HasPrefix(word, "users-"):
		word += "-users"
	}
	return kind + "-" + word
}

func (l *userList) render(format string) ([]byte, error) {
	var v any = tableOnly{l.table}
	if format == "json" {
		v = l.json
		if v == nil {
			v = l.objects()
		}
	}
	var buf bytes.Buffer
	err := output.Write(&buf, format, v)
	return buf.Bytes(), err
}

// objects is the table as JSON objects keyed by column, [{"user": ...}]
// for a plain list, as spoor segment users prints it.
func (l *userList) objects() []map[string]string {
	out := make([]map[string]string, len(l.table.Rows))
	for i, r := range l.table.Rows {
		out[i] = make(map[string]string, len(r))
		for j, c := range l.table.Columns {
			out[i][c] = r[j]
		}
	}
	return out
}

// exportDialog asks for a format, then a file, like the result's export.
func (l *userList) exportDialog() dialog {
	title := i18n.T("Export %d users as", len(l.table.Rows))
	return newPicker(title, namedList(exportFormats), false, func(f string) tea.Cmd {
		ext := map[string]string{"csv": ".csv", "markdown": ".md", "json": ".json"}[f]
		return func() tea.Msg {
			return dialogMsg{newPrompt(i18n.T("Export to file"), "", l.file+ext, nil, func(path string) tea.Cmd {
				data, err := l.render(f)
				if err != nil {
					return statusCmd(err.Error(), true)
				}
				return writeFileCmd(path, data, func(p string) string {
					return i18n.T("exported %d users (%s) to %s", len(l.table.Rows), l.name, p)
				})
			})}
		}
	})
}

// copy puts the list on the clipboard as a Markdown table, like y on a
// result.
func (l *userList) copy() tea.Cmd {
	data, err := l.render("markdown")
	if err != nil {
		return statusCmd(err.Error(), true)
	}
	return clipboardCmd(data, i18n.T("copied %d users (%s) as Markdown (OSC 52)", len(l.table.Rows), l.name))
}

// tableOnly renders one table through the CLI's writers.
type tableOnly struct{ t output.Table }

func (r tableOnly) Tables(i18n.Lang) []output.Table { return []output.Table{r.t} }

func statusCmd(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return statusMsg{text: text, err: isErr} }
}
