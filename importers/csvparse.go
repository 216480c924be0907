package importers

import (
	"bufio"
	"bytes"
	"io"
)

// csvParser reads the records of a delimited file as encoding/csv's Reader
// does with LazyQuotes, ReuseRecord and FieldsPerRecord -1 (no comment
// character, leading spaces kept): the same fields, lines and offsets for
// any input (TestCSVParserMatchesEncodingCSV, FuzzCSVParser). It is faster
// where files spend their time: a line without a quote is one string
// sliced at its delimiters, where encoding/csv copied each field into a
// buffer first and called IndexRune per field (its reading was a fifth of
// a 30M-event import's CPU). With LazyQuotes encoding/csv never reports a
// syntax error, and neither does this: a stray quote is kept as text.
type csvParser struct {
	r     *bufio.Reader
	comma byte

	numLine int   // lines read so far
	offset  int64 // bytes read so far
	recLine int   // the line the last record started on

	raw    []byte // a line longer than the bufio buffer
	buf    []byte // a quoted record's unquoted text
	ends   []int  // where each of its fields ends in buf
	record []string
	// text is the last record's line, delimiters included, when it had no
	// quote (its fields are slices of it); else "".
	text string
}

func newCSVParser(r *bufio.Reader, comma byte) *csvParser {
	return &csvParser{r: r, comma: comma}
}

// InputOffset is the input's offset after the last record, as
// csv.Reader.InputOffset.
func (p *csvParser) InputOffset() int64 { return p.offset }

// line is the 1-based line the last record started on.
func (p *csvParser) line() int { return p.recLine }

// readLine is encoding/csv's: a line with its newline, \r\n made \n, and a
// \r before the end of the input dropped.
func (p *csvParser) readLine() ([]byte, error) {
	line, err := p.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		p.raw = append(p.raw[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = p.r.ReadSlice('\n')
			p.raw = append(p.raw, line...)
		}
		line = p.raw
	}
	n := len(line)
	if n > 0 && err == io.EOF {
		err = nil
		if line[n-1] == '\r' {
			line = line[:n-1]
		}
	}
	p.numLine++
	p.offset += int64(n)
	if n := len(line); n >= 2 && line[n-2] == '\r' && line[n-1] == '\n' {
		line[n-2] = '\n'
		line = line[:n-1]
	}
	return line, err
}

func lengthNL(b []byte) int {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		return 1
	}
	return 0
}

// Read returns the next record; its slice is reused by the next call, its
// strings are fresh (one allocation per record) and may be kept.
func (p *csvParser) Read() ([]string, error) {
	var line []byte
	var errRead error
	for errRead == nil {
		line, errRead = p.readLine()
		if errRead == nil && len(line) == lengthNL(line) {
			continue // empty lines are skipped
		}
		break
	}
	if errRead == io.EOF {
		return nil, errRead
	}
	p.recLine = p.numLine
	if bytes.IndexByte(line, '"') >= 0 {
		p.text = ""
		return p.quoted(line, errRead)
	}
	s := string(line[:len(line)-lengthNL(line)])
	p.text = s
	rec := p.record[:0]
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == p.comma {
			rec = append(rec, s[start:i])
			start = i + 1
		}
	}
	rec = append(rec, s[start:])
	p.record = rec
	return rec, errRead
}

// quoted parses a record whose first line holds a quote, as encoding/csv's
// readRecord with LazyQuotes: a field opening with a quote runs to a quote
// followed by the delimiter or the line's end, over lines if need be; ""
// inside it is one quote, any other quote is kept.
func (p *csvParser) quoted(line []byte, errRead error) ([]string, error) {
	p.buf, p.ends = p.buf[:0], p.ends[:0]
parseField:
	for {
		if len(line) == 0 || line[0] != '"' {
			i := bytes.IndexByte(line, p.comma)
			field := line
			if i >= 0 {
				field = field[:i]
			} else {
				field = field[:len(field)-lengthNL(field)]
			}
			p.buf = append(p.buf, field...)
			p.ends = append(p.ends, len(p.buf))
			if i >= 0 {
				line = line[i+1:]
				continue parseField
			}
			break parseField
		}
		line = line[1:]
		for {
			i := bytes.IndexByte(line, '"')
			switch {
			case i >= 0:
				p.buf = append(p.buf, line[:i]...)
				line = line[i+1:]
				switch {
				case len(line) > 0 && line[0] == '"': // "" is a quote
					p.buf = append(p.buf, '"')
					line = line[1:]
				case len(line) > 0 && line[0] == p.comma: // the field ends
					line = line[1:]
					p.ends = append(p.ends, len(p.buf))
					continue parseField
				case lengthNL(line) == len(line): // the record ends
					p.ends = append(p.ends, len(p.buf))
					break parseField
				default: // a bare quote, kept
					p.buf = append(p.buf, '"')
				}
			case len(line) > 0: // the field goes on on the next line
				p.buf = append(p.buf, line...)
				if errRead != nil {
					break parseField
				}
				line, errRead = p.readLine()
				if errRead == io.EOF {
					errRead = nil
				}
			default: // the input ends inside the field
				p.ends = append(p.ends, len(p.buf))
				break parseField
			}
		}
	}
	str := string(p.buf)
	rec := p.record[:0]
	prev := 0
	for _, end := range p.ends {
		rec = append(rec, str[prev:end])
		prev = end
	}
	p.record = rec
	return rec, errRead
}
