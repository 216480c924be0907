package importers

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/store"
)

// csvReader reads a delimited table with a header row (or --columns).
type csvReader struct {
	r      *csvParser
	guard  *lineGuard
	delim  byte
	names  []string
	cols   columnMap
	ui, ei int // column indexes; ei is -1 for a constant event name
	ti     int
	props  []int // the other columns, in key order so the store's sort is a no-op
	tp     *TimeParser
	// layout names a vendor export recognised from the header (csvLayout),
	// whose rows are read as objects (csvObjects); shape says which.
	layout, shape string
	// The previous row's cell and its boxed value, per column: exports
	// repeat a value down a column (a user's country, device), and reusing
	// the box saves an allocation per cell.
	lastRaw []string
	lastVal []any
}

// With vendors set, a header naming a vendor export's columns (csvLayout)
// sets c.layout and leaves the mapping to the caller.
func newCSVReader(text *bufio.Reader, head []byte, delim byte, columns []string, vendors bool, cm func([]string) (columnMap, error), tp *TimeParser) (*csvReader, error) {
	if delim == 0 {
		delim = sniffDelimiter(head)
	}
	var in io.Reader = text
	if hasLoneCR(head) {
		in = &crReader{r: text}
	}
	guard := &lineGuard{r: in, delim: delim, limit: maxRow}
	// Fields are counted against the header here, as a reject.
	r := newCSVParser(bufio.NewReaderSize(guard, 64<<10), delim)
	c := &csvReader{r: r, guard: guard, delim: delim, tp: tp}
	if len(columns) > 0 {
		c.names = columns
	} else {
		h, err := r.Read()
		if err == io.EOF {
			return nil, &notEventsError{msg: i18n.T("empty file: expected a header row, found no data")}
		}
		if err != nil {
			return nil, i18n.Errorf("read header: %w", err)
		}
		if n := guard.cutIn(r.InputOffset()); n > 0 {
			return nil, &notEventsError{msg: i18n.T("the header row is %d bytes, over the 16 MB a row may have: not a table of events", n)}
		}
		c.names = make([]string, len(h))
		for i, s := range h {
			c.names[i] = strings.TrimSpace(s)
		}
		if looksLikeData(c.names, tp) {
			return nil, &notEventsError{msg: i18n.T("no header row: the first line looks like data (%s); name the columns with --columns user,event,time,...", listFields(c.names))}
		}
		if vendors {
			if c.layout, c.shape = csvLayout(c.names); c.layout != "" {
				return c, nil
			}
		}
	}
	if len(c.names) > maxProps+3 { // the user, event and time columns are not properties
		return nil, &notEventsError{msg: i18n.T("%d columns: events are kept with up to %d properties (Mixpanel keeps 2,000); cut the columns you do not need (for example with cut or xsv) and import again", len(c.names), maxProps)}
	}
	var err error
	if c.cols, err = cm(c.names); err != nil {
		return nil, err
	}
	c.ui, c.ei, c.ti = index(c.names, c.cols.user), index(c.names, c.cols.event), index(c.names, c.cols.time)
	for i := range c.names {
		if i != c.ui && i != c.ei && i != c.ti {
			c.props = append(c.props, i)
		}
	}
	sort.SliceStable(c.props, func(a, b int) bool { return c.names[c.props[a]] < c.names[c.props[b]] })
	c.lastRaw, c.lastVal = make([]string, len(c.names)), make([]any, len(c.names))
	return c, nil
}

func index(names []string, n string) int {
	if n == "" {
		return -1
	}
	for i, s := range names {
		if s == n {
			return i
		}
	}
	return -1
}

// looksLikeData: a header names things; a row of numbers or times is data.
func looksLikeData(cells []string, tp *TimeParser) bool {
	probe := *tp // parsing a header cell must not count as a naive time
	for _, c := range cells {
		if c == "" {
			continue
		}
		if isPlainNumber(c) || (len(c) >= 8 && allEpochChars(c)) {
			return true
		}
		if _, err := probe.Parse(c); err == nil && len(c) >= 10 {
			return true
		}
	}
	return false
}

func (c *csvReader) close() {}

func (c *csvReader) describe() string {
	kind := "CSV"
	switch c.delim {
	case '\t':
		kind = "TSV"
	case ';':
		kind = "CSV (semicolon)"
	case '|':
		kind = "CSV (pipe)"
	}
	return fmt.Sprintf("%s, %d columns; %s; other columns become properties", kind, len(c.names), c.cols)
}

func (c *csvReader) next(r *row) error {
	rec, line, err := c.record()
	r.reset(line)
	if err != nil {
		return err
	}
	user := rec[c.ui]
	if missing(user) {
		return &rejectError{reason: ReasonNoUser, line: r.line, raw: c.join(rec), detail: fmt.Sprintf("%s is %q", c.cols.user, user)}
	}
	name := c.cols.constEvent
	if c.ei >= 0 {
		name = strings.TrimSpace(rec[c.ei])
		if name == "" {
			return &rejectError{reason: ReasonNoEvent, line: r.line, raw: c.join(rec), detail: c.cols.event + " is empty"}
		}
	}
	ts := rec[c.ti]
	if strings.TrimSpace(ts) == "" {
		return &rejectError{reason: ReasonNoTime, line: r.line, raw: c.join(rec), detail: c.cols.time + " is empty"}
	}
	ms, err := c.tp.Parse(ts)
	if err != nil {
		return timeReject(err, r.line, c.join(rec), ts)
	}
	// encoding/csv hands out fresh strings per record, so they may be kept.
	r.ev.User, r.ev.Name, r.ev.Time = user, name, ms
	for _, i := range c.props {
		v := rec[i]
		if v == "" {
			continue
		}
		if v != c.lastRaw[i] || c.lastVal[i] == nil {
			c.lastRaw[i], c.lastVal[i] = v, cellValue(v)
		}
		r.ev.Props = append(r.ev.Props, store.Prop{Key: c.names[i], Value: c.lastVal[i]})
	}
	return nil
}

// record reads the next row whole, checked against the limits, the
// encoding and the header's column count; line is where it starts.
func (c *csvReader) record() ([]string, int64, error) {
	rec, err := c.r.Read()
	if err == io.EOF {
		return nil, 0, io.EOF
	}
	long := c.guard.cutIn(c.r.InputOffset())
	if err != nil {
		return nil, 0, err
	}
	line := int64(c.r.line())
	if long > 0 {
		return nil, line, rowTooLong(line, c.clipJoin(rec), "the row", long)
	}
	// A row without quotes is its fields and delimiters: valid UTF-8 as a
	// whole when every field is (a delimiter is one ASCII byte), checked
	// in one pass instead of one per field.
	valid := c.r.text != "" && utf8.ValidString(c.r.text)
	size := 0
	for i, f := range rec {
		size += len(f) + 1
		if len(f) > maxValue {
			what := fmt.Sprintf("column %d", i+1)
			if i < len(c.names) {
				what = fmt.Sprintf("column %q", c.names[i])
			}
			return nil, line, tooLongReject(line, c.clipJoin(rec), what, len(f))
		}
		if !valid && !utf8.ValidString(f) {
			// The encoding was judged on the first 64 KB; a later row
			// in another encoding would store mojibake.
			return nil, line, &rejectError{reason: ReasonInvalidBytes, line: line, raw: c.join(rec),
				detail: "bytes that are not UTF-8 after a UTF-8 start; if the file is GBK, pass --encoding gb18030"}
		}
	}
	if size > maxRow {
		return nil, line, rowTooLong(line, c.clipJoin(rec), "the row", size-1)
	}
	if len(rec) != len(c.names) {
		detail := fmt.Sprintf("%d fields, the header has %d", len(rec), len(c.names))
		lines := 0
		for _, f := range rec {
			lines += strings.Count(strings.TrimRight(f, "\r\n"), "\n")
		}
		if lines > 0 {
			detail += fmt.Sprintf("; a quoted field runs over %d more lines (an unclosed quote?)", lines)
		}
		return nil, line, &rejectError{reason: ReasonColumnCount, line: line, raw: c.join(rec), detail: detail}
	}
	return rec, line, nil
}

func timeReject(err error, line int64, raw, cell string) error {
	reason := ReasonBadTime
	if errors.Is(err, errTimeRange) {
		reason = ReasonTimeRange
	}
	if len(cell) > 60 {
		cell = cell[:60] + "…"
	}
	return &rejectError{reason: reason, line: line, raw: raw, detail: fmt.Sprintf("%q", cell)}
}

func (c *csvReader) join(rec []string) string { return strings.Join(rec, string(c.delim)) }

// clipJoin is join for a record with a field over maxValue, without
// building the whole line first.
func (c *csvReader) clipJoin(rec []string) string {
	var b []byte
	for i, f := range rec {
		if i > 0 {
			b = append(b, c.delim)
		}
		b = append(b, f[:min(len(f), 256)]...)
		if len(b) > 256 {
			break
		}
	}
	return clip(b)
}

// hasLoneCR reports a carriage return not followed by a newline: old Mac
// line endings, which encoding/csv would otherwise keep inside a field.
func hasLoneCR(head []byte) bool {
	for i, b := range head {
		if b == '\r' && i+1 < len(head) && head[i+1] != '\n' {
			return true
		}
	}
	return false
}

// crReader turns every lone CR into LF (CRLF is left for encoding/csv).
type crReader struct {
	r      *bufio.Reader
	lastCR bool
}

func (c *crReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i := 0; i < n; i++ {
		if c.lastCR && p[i] != '\n' && i > 0 {
			p[i-1] = '\n'
		}
		c.lastCR = p[i] == '\r'
	}
	if n > 0 && c.lastCR {
		// Decide at the next byte; peek without consuming.
		if b, e := c.r.Peek(1); e != nil || b[0] != '\n' {
			p[n-1] = '\n'
			c.lastCR = false
		}
	}
	return n, err
}
