package importers

import (
	"bytes"
	"io"
)

// lineGuard stands between a CSV file and encoding/csv, which holds a whole
// record (several times over, as its buffers grow) before it can be judged.
// A physical line longer than maxRow is passed on up to maxRow bytes; the
// rest of it is squeezed: each run of ordinary bytes becomes one 'x', while
// quotes, delimiters and line ends pass unchanged, so encoding/csv parses
// the same fields, quoting and lines, only short. The record is then
// rejected as too long (csvReader.next asks cutIn), and memory stays
// bounded by maxRow however long the line is.
type lineGuard struct {
	r       io.Reader
	delim   byte
	limit   int   // maxRow; smaller in tests
	n       int   // bytes of the current line so far
	out     int64 // bytes handed to encoding/csv
	squeeze bool  // the current line is over maxRow
	inRun   bool  // the last squeezed byte was ordinary
	cuts    []lineCut
}

// lineCut is a line over maxRow: where squeezing began, in the output, and
// the line's length without its line end (known once it has ended).
type lineCut struct {
	at int64
	n  int
}

func (g *lineGuard) Read(p []byte) (int, error) {
	for {
		n, err := g.r.Read(p)
		w := g.filter(p[:n])
		if err != nil && g.squeeze {
			g.cuts[len(g.cuts)-1].n = g.n // the file ends inside the long line
			g.squeeze = false
		}
		g.out += int64(w)
		// A squeezed run can shrink a whole read to nothing; bufio gives up
		// after a hundred empty reads, so read on instead.
		if w > 0 || err != nil {
			return w, err
		}
	}
}

// filter squeezes p in place and returns the length kept.
func (g *lineGuard) filter(p []byte) int {
	if !g.squeeze && g.n+len(p) <= g.limit {
		// No line here can be over the limit: only find where the last
		// one starts (one scan per read, not per line).
		if j := bytes.LastIndexByte(p, '\n'); j >= 0 {
			g.n = len(p) - j - 1
		} else {
			g.n += len(p)
		}
		return len(p)
	}
	w := 0
	for i := 0; i < len(p); {
		if !g.squeeze {
			end, nl := len(p), 0
			if j := bytes.IndexByte(p[i:], '\n'); j >= 0 {
				end, nl = i+j+1, 1
			}
			if c := end - i - nl; g.n+c > g.limit {
				k := g.limit - g.n
				w += copy(p[w:], p[i:i+k])
				i += k
				g.n = g.limit
				g.squeeze, g.inRun = true, false
				g.cuts = append(g.cuts, lineCut{at: g.out + int64(w)})
				continue
			} else if nl == 1 {
				g.n = 0
			} else {
				g.n += c
			}
			w += copy(p[w:], p[i:end])
			i = end
			continue
		}
		b := p[i]
		i++
		switch {
		case b == '\n':
			g.cuts[len(g.cuts)-1].n = g.n
			g.n, g.squeeze = 0, false
		case b == '"' || b == g.delim || b == '\r':
			g.n++
			g.inRun = false
		case g.inRun:
			g.n++
			continue
		default:
			g.n++
			g.inRun = true
			b = 'x'
		}
		p[w] = b
		w++
	}
	return w
}

// cutIn takes the cuts made before offset end (the end of the record just
// read) and returns the first one's line length, or 0 if there was none.
func (g *lineGuard) cutIn(end int64) int {
	n := 0
	for len(g.cuts) > 0 && g.cuts[0].at < end {
		if n == 0 {
			n = g.cuts[0].n
		}
		g.cuts = g.cuts[1:]
	}
	return n
}
