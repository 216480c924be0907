package importers

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// csvRecord is one record as read: its fields, or the length of the line
// over the limit that made it be cut.
type csvRecord struct {
	fields []string
	cut    int
	err    bool
}

func newTestCSV(r io.Reader) *csv.Reader {
	c := csv.NewReader(r)
	c.LazyQuotes, c.FieldsPerRecord = true, -1
	return c
}

// referenceRecords reads text with encoding/csv as it is, and marks the
// records holding a physical line longer than limit (the naive way: by the
// byte range each record covers).
func referenceRecords(text string, limit int) []csvRecord {
	var out []csvRecord
	c := newTestCSV(strings.NewReader(text))
	var prev int64
	for {
		rec, err := c.Read()
		if err == io.EOF {
			return out
		}
		end := c.InputOffset()
		r := csvRecord{err: err != nil}
		if err == nil {
			r.fields = append([]string(nil), rec...)
		}
		for _, l := range strings.Split(text[prev:end], "\n") {
			if len(l) > limit && r.cut == 0 {
				r.cut = lineLen(text, prev, l)
			}
		}
		prev = end
		out = append(out, r)
	}
}

// lineLen is the whole length of the line l starts, which may run past
// the record (a record ends at a line end, so it never does; kept exact).
func lineLen(text string, from int64, l string) int {
	i := strings.Index(text[from:], l)
	rest := text[from+int64(i):]
	if j := strings.IndexByte(rest, '\n'); j >= 0 {
		return j
	}
	return len(rest)
}

func guardedRecords(text string, limit int, chunk int) []csvRecord {
	var out []csvRecord
	g := &lineGuard{r: &chunkReader{s: text, n: chunk}, delim: ',', limit: limit}
	c := newTestCSV(bufio.NewReaderSize(g, 16))
	for {
		rec, err := c.Read()
		if err == io.EOF {
			return out
		}
		r := csvRecord{err: err != nil, cut: g.cutIn(c.InputOffset())}
		if err == nil && r.cut == 0 {
			r.fields = append([]string(nil), rec...)
		}
		out = append(out, r)
	}
}

// chunkReader hands out s n bytes at a time, so lines and runs straddle
// reads.
type chunkReader struct {
	s string
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.s == "" {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.s)
	c.s = c.s[k:]
	return k, nil
}

// Squeezing the rest of an over-long line keeps what encoding/csv makes of
// the file: the same records, quoting and multi-line fields included,
// except that the records holding such a line are marked cut with its
// length. Checked on random text of quotes, commas, line ends and letters
// against encoding/csv on the text as it is.
func TestLineGuardMatchesCSV(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	alphabet := []string{"a", "b", "é", ",", `"`, "\n", "\r\n", "\r", `""`, "xyz"}
	var cut, after, multiline int
	for iter := 0; iter < 3000; iter++ {
		var b strings.Builder
		for n := rng.Intn(80); n > 0; n-- {
			w := alphabet[rng.Intn(len(alphabet))]
			if rng.Intn(10) == 0 {
				w = strings.Repeat(w, 5+rng.Intn(30)) // long runs and lines
			}
			b.WriteString(w)
		}
		text := b.String()
		limit := 1 + rng.Intn(25)
		want := referenceRecords(text, limit)
		for i := range want {
			if want[i].cut > 0 {
				want[i].fields = nil
			}
		}
		got := guardedRecords(text, limit, 1+rng.Intn(20))
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("limit %d, text %q:\n got  %s\n want %s", limit, text, show(got), show(want))
		}
		for i, r := range want {
			if r.cut > 0 {
				cut++
				if i+1 < len(want) && want[i+1].cut == 0 {
					after++
				}
			}
			for _, f := range r.fields {
				if strings.Contains(f, "\n") {
					multiline++
				}
			}
		}
	}
	// The cases that matter happened: records cut, records read right
	// after a cut one, and quoted fields running over lines.
	t.Logf("%d cut records, %d right after one, %d multi-line fields", cut, after, multiline)
	if cut < 1000 || after < 500 || multiline < 200 {
		t.Fatalf("too few interesting cases")
	}
}

func show(rs []csvRecord) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%q/cut %d/err %v; ", r.fields, r.cut, r.err)
	}
	return b.String()
}
