package tui

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

// shared is the state every screen reads: size, theme, keys and the open
// data. The root model owns it and passes it by pointer; only the root's
// Update writes it.
type shared struct {
	width, height int
	st            Styles
	keys          KeyMap
	db            *store.DB
	d             *query.Dataset
	// eng runs the analysis tabs (trends, funnel, retention, paths,
	// lifecycle): d itself, or a backend that compiles them elsewhere.
	eng        query.Engine
	remote     *remote      // a ClickHouse table, when that is the data (db and d are nil)
	source     string       // what the header calls the database: a path or "sample (ecommerce)"
	events     []named      // event names, most frequent first
	props      []named      // property keys, most frequent first
	funnelSeed []string     // events for the first funnel, in the order users first do them
	picks      picks        // the data's repeated event and path anchor, for first queries and hints
	saved      []savedEntry // saved segments and audience rules (savedMsg)
	savedErr   error        // reading them failed
	// since measures elapsed time; tests pin it so screens are stable.
	since func(time.Time) time.Duration
	// countDelay is how long typing must pause before the segment
	// editor counts the expression's users; tests shorten it.
	countDelay time.Duration
	// tm writes where the time goes (SPOOR_TIMING); nil writes nothing.
	tm *timing
}

// named is a pickable name with how often it occurs. label, when set,
// is shown instead of name: a choice the workbench offers (all, custom…,
// (none)) in the interface language, while picking still gives name.
type named struct {
	name  string
	count int
	label string
}

// shown is what a picker writes for n.
func (n named) shown() string {
	if n.label != "" {
		return n.label
	}
	return n.name
}

// choice is a fixed option of a picker, key being a catalog key marked
// with i18n.N: shown translated, picked as key.
func choice(key string) named { return named{name: key, label: i18n.Text(key)} }

// truncate cuts text from the data (names, values, user ids) to width
// display cells with an ellipsis; CJK characters count two cells, so names
// never push a column out of line. Control characters become visible
// escapes first: an imported name could otherwise retitle the terminal,
// write its clipboard or break the layout with a line break. Text already
// styled by lipgloss goes through clip instead, which keeps its escapes.
func truncate(s string, width int) string {
	return clip(output.Visible(s), width)
}

// visibleLines makes each line of text from the data safe to print (see
// truncate) and keeps the text's own line breaks.
func visibleLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = output.Visible(l)
	}
	return strings.Join(lines, "\n")
}

// clip cuts styled text to width display cells with an ellipsis.
func clip(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, "…")
}

// padRight pads s with spaces to width display cells (after truncating).
func padRight(s string, width int) string {
	s = truncate(s, width)
	if gap := width - ansi.StringWidth(s); gap > 0 {
		s += strings.Repeat(" ", gap)
	}
	return s
}

// padLeft right-aligns s in width display cells.
func padLeft(s string, width int) string {
	s = truncate(s, width)
	if gap := width - ansi.StringWidth(s); gap > 0 {
		s = strings.Repeat(" ", gap) + s
	}
	return s
}

// thousands formats n as 12,345.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// compact formats n as 950, 38.8k or 1.2M, for tight headers.
func compact(n int) string {
	switch {
	case n < 1000:
		return strconv.Itoa(n)
	case n < 1_000_000:
		return strings.TrimSuffix(strconv.FormatFloat(float64(n)/1e3, 'f', 1, 64), ".0") + "k"
	}
	return strings.TrimSuffix(strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64), ".0") + "M"
}

// fitLines crops text to at most h lines, each cut to w cells.
func fitLines(text string, w, h int) string {
	lines := strings.Split(text, "\n")
	if len(lines) > h {
		lines = lines[:max(h, 0)]
	}
	for i, l := range lines {
		// Padding past the edge is no text lost, so it gets no mark.
		if ansi.StringWidth(l) > w && ansi.StringWidth(strings.TrimRight(ansi.Strip(l), " ")) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		} else if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		}
	}
	return strings.Join(lines, "\n")
}

// lipglossWidth is the display width of styled text.
func lipglossWidth(s string) int { return ansi.StringWidth(s) }
