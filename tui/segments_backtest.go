package tui

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/guptarohit/asciigraph"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
)

// b on a saved audience replays its rule over the last days, as spoor
// audience backtest does with its defaults: per day the members, the new
// ones and how many reached the goal anyway (segment.Backtest).

const (
	backtestDays   = 60
	backtestWithin = "7d"
)

func (r *savedResult) resultKeys(k KeyMap) []key.Binding { return []key.Binding{k.Backtest} }

func (r *savedResult) key(sh *shared, sel int, msg tea.KeyMsg) (tea.Cmd, bool) {
	if !key.Matches(msg, sh.keys.Backtest) {
		return nil, false
	}
	if sel < 0 || sel >= len(r.entries) {
		return statusCmd(i18n.T("no saved audience to back-test: save an expression as an audience rule first"), false), true
	}
	e := r.entries[sel]
	if e.kind != segment.Audiences {
		return statusCmd(i18n.T("b back-tests audience rules; %s is a segment", e.Name), false), true
	}
	goal := ""
	if e.campaign != nil {
		goal = e.campaign.Goal
	}
	return func() tea.Msg { return dialogMsg{backtestPrompt(sh, e.savedEntry, goal)} }, true
}

// backtestPrompt asks for the goal event, offering the one recorded with
// the audience's exports, else purchase as the Experiments tab does, else
// the end of the data's usual journey (the funnel tab's last seeded step).
func backtestPrompt(sh *shared, e savedEntry, goal string) dialog {
	if goal == "" && slices.ContainsFunc(sh.events, func(n named) bool { return n.name == defaultGoal }) {
		goal = defaultGoal
	}
	if goal == "" && len(sh.funnelSeed) > 0 {
		goal = sh.funnelSeed[len(sh.funnelSeed)-1]
	}
	hint := i18n.T("the event that counts as converting: members as of each of the last %d days' end who did it within %s after", backtestDays, backtestWithin)
	// The names are known either way: a ClickHouse table's are read once.
	d := sh.d
	check, run := d.CheckEvent, func(ctx context.Context, n segment.Node, goal string, within int64) (*segment.BacktestResult, error) {
		return segment.Backtest(ctx, d, n, backtestDays, goal, within)
	}
	if rem := sh.remote; rem != nil {
		check = func(name string) error { return rem.eng.CheckEvent(context.Background(), name) }
		run = func(ctx context.Context, n segment.Node, goal string, within int64) (*segment.BacktestResult, error) {
			r, _, err := rem.eng.Backtest(ctx, n, backtestDays, goal, within, nil)
			return r, err
		}
	}
	return newPrompt(i18n.T("Back-test audience %s: goal event", e.Name), hint, goal, check, func(goal string) tea.Cmd {
		return backtestCmd(run, e, goal)
	})
}

// backtestPage shows a back-test, "running" until its result arrives;
// Esc cancels a run still going and goes back to the list.
type backtestPage struct {
	title  string
	cancel context.CancelFunc
	r      *segment.BacktestResult // nil until the run ends
	err    error
	top    int
}

// backtestMsg brings the page its result.
type backtestMsg struct {
	p   *backtestPage
	r   *segment.BacktestResult
	err error
}

// backtestCmd opens the page and runs the back-test in the background
// (backtest: on the loaded events or on the server).
func backtestCmd(backtest func(ctx context.Context, n segment.Node, goal string, within int64) (*segment.BacktestResult, error), e savedEntry, goal string) tea.Cmd {
	ctx, cancel := context.WithCancel(context.Background())
	p := &backtestPage{title: i18n.T("Back-test of audience %s: %s within %s, last %d days", e.Name, goal, backtestWithin, backtestDays), cancel: cancel}
	within, _ := query.ParseDuration(backtestWithin)
	run := func() tea.Msg {
		defer cancel()
		n, err := segment.Parse(e.Expr)
		if err != nil {
			return backtestMsg{p: p, err: err}
		}
		r, err := backtest(ctx, n, goal, within)
		if r != nil {
			r.Rule = e.Expr
		}
		return backtestMsg{p: p, r: r, err: err}
	}
	return tea.Batch(func() tea.Msg { return pageMsg{p: p} }, run)
}

// finish keeps the result; a cancelled run's error is not shown.
func (p *backtestPage) finish(msg backtestMsg) {
	p.r, p.err = msg.r, msg.err
	if errors.Is(p.err, context.Canceled) {
		p.err = nil
	}
}

// close cancels the run when the page goes (Esc, another tab).
func (p *backtestPage) close() { p.cancel() }

func (p *backtestPage) typing() bool { return false }

func (p *backtestPage) update(sh *shared, msg tea.KeyMsg) (bool, tea.Cmd) {
	k := sh.keys
	switch {
	case key.Matches(msg, k.Back):
		p.close()
		return true, nil
	case key.Matches(msg, k.Up):
		p.top = max(p.top-1, 0)
	case key.Matches(msg, k.Down):
		p.top++ // view keeps it within the lines
	case msg.String() == "pgdown" || msg.String() == "ctrl+d" || msg.String() == " ":
		p.top += 10
	case msg.String() == "pgup" || msg.String() == "ctrl+u":
		p.top = max(p.top-10, 0)
	}
	return false, nil
}

// lines are the chart of members and converted per day, its legend and
// the table spoor audience backtest prints. They are styled here, so the
// text from the data (the rule, an error quoting it) is made visible here
// too and view only clips.
func (p *backtestPage) lines(sh *shared, w int) []string {
	switch {
	case p.err != nil:
		return strings.Split(sh.st.Error.Render(wrap(output.Visible(p.err.Error()), w)), "\n")
	case p.r == nil:
		return []string{sh.st.Dim.Render(i18n.T("back-testing…"))}
	}
	var b bytes.Buffer
	if err := output.Write(&b, "table", p.r); err != nil {
		return []string{sh.st.Error.Render(output.Visible(err.Error()))}
	}
	var out []string
	if len(p.r.Days) > 1 {
		out = append(out, strings.Split(backtestChart(sh, p.r.Days, w), "\n")...)
		out = append(out, sh.st.Dim.Render(i18n.T("── members   ·· converted (goal within %s of the day's end; open windows undercount)", backtestWithin)), "")
	}
	for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		out = append(out, output.Visible(l))
	}
	return out
}

func (p *backtestPage) view(sh *shared, w, h int) string {
	lines := p.lines(sh, w)
	rows := max(h-2, 1)
	p.top = min(p.top, max(len(lines)-rows, 0))
	end := min(p.top+rows, len(lines))
	var b strings.Builder
	b.WriteString(sh.st.Title.Render(truncate(p.title, w)) + "\n")
	for _, l := range lines[p.top:end] {
		b.WriteString(clip(l, w) + "\n")
	}
	for i := end - p.top; i < rows; i++ {
		b.WriteString("\n")
	}
	b.WriteString(sh.st.Dim.Render(truncate(i18n.T("lines %d-%d of %d · ↑↓ scroll · esc back to the list", min(p.top+1, end), end, len(lines)), w)))
	return b.String()
}

// backtestChart plots members (solid) and converted (dotted) per day,
// up to six rows high (no more rows than members, so the whole-number
// axis labels do not repeat), as sizeTrend plots a preview's size.
func backtestChart(sh *shared, days []segment.BacktestDay, w int) string {
	members, converted := make([]float64, len(days)), make([]float64, len(days))
	top := 0
	for i, d := range days {
		members[i], converted[i] = float64(d.Members), float64(d.Converted)
		top = max(top, d.Members)
	}
	dotted := asciigraph.CreateCharSet("·")
	// Members are drawn last: where everyone converted the lines meet and
	// the solid one shows.
	series := []lineSeries{{values: converted, chars: &dotted}, {values: members}}
	if c := sh.st.SeriesColors; len(c) > 1 {
		series[0].color, series[1].color = c[1], c[0]
	}
	labelW := len(strconv.Itoa(top)) + 2
	n := len(days)
	plot := plotLines(series, max(w-labelW-6, 10), asciigraph.Height(min(6, max(top, 1))), asciigraph.Precision(0),
		asciigraph.YAxisValueFormatter(axisLabel(0)), asciigraph.LowerBound(0),
		asciigraph.XAxisRange(0, float64(n-1)), asciigraph.XAxisTickCount(max(2, min(n, (w-labelW)/12))),
		asciigraph.XAxisValueFormatter(func(v float64) string {
			return shortDate(days[min(max(int(v+0.5), 0), n-1)].Day)
		}))
	return axisDates(plot, n, func(i int) string { return days[i].Day })
}
