package importers

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// jsonObjects yields the objects of a JSON Lines file or a JSON array, one
// at a time, never holding more than one.
type jsonObjects interface {
	// object decodes the next object into a fresh map, with its line and
	// its text (valid until the next call). It returns io.EOF at the end
	// and a *rejectError for a record that is not an object.
	object() (map[string]any, int64, []byte, error)
	// close stops any goroutine reading ahead.
	close()
}

// jsonlObjects reads one JSON value per line. A broken line is a reject and
// reading resumes at the next line.
type jsonlObjects struct {
	r    *bufio.Reader
	line int64
	buf  []byte
	long int // the length of a line readLine found over maxRow
	p    jsonParser
}

func (j *jsonlObjects) object() (map[string]any, int64, []byte, error) {
	for {
		b, err := j.readLine()
		if len(b) == 0 && err != nil {
			return nil, j.line, nil, err
		}
		j.line++
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			if err != nil {
				return nil, j.line, nil, err
			}
			continue // blank lines are not records
		}
		if errors.Is(err, errLineTooLong) {
			return nil, j.line, nil, tooLong(j.line, b, j.long)
		}
		if err != nil && err != io.EOF {
			return nil, j.line, nil, err
		}
		if j.p.keys == nil {
			j.p = newJSONParser()
		}
		m, derr := j.p.parse(b)
		if derr != nil {
			return nil, j.line, b, parseReject(derr, j.line, b)
		}
		return m, j.line, b, nil
	}
}

func (j *jsonlObjects) close() {}

// tooLong is the reject of a line over maxRow, of which b is the start
// and n the length.
func tooLong(line int64, b []byte, n int) error {
	return rowTooLong(line, clip(b), "the line", n)
}

func parseReject(err error, line int64, b []byte) error {
	var long *valueTooLong
	if errors.As(err, &long) {
		return tooLongReject(line, clipRaw(b), long.what, long.n)
	}
	if errors.Is(err, errTooManyKeys) {
		return tooManyProps(line, clipRaw(b), "the record", "keys")
	}
	return &rejectError{reason: rejectReason(err), line: line, raw: clipRaw(b), detail: err.Error()}
}

var errLineTooLong = errors.New("line too long")

// lineChunk is the piece size a long line is read in. Growing one buffer
// to a 100 MB line leaves its smaller predecessors behind (about four times
// the line, until the GC returns them); pieces joined once cost two times.
const lineChunk = 1 << 20

// readLine returns the next line without its newline, reusing one buffer
// for lines up to lineChunk. A longer line is returned in a buffer of its
// own, which the caller may keep.
func (j *jsonlObjects) readLine() ([]byte, error) {
	j.buf = j.buf[:0]
	var pieces [][]byte
	n, over := 0, false
	for {
		chunk, err := j.r.ReadSlice('\n')
		if !over && n+len(chunk) > maxRow {
			over = true // keep reading to the newline, dropping the rest
			if len(pieces) > 0 {
				j.buf, pieces = pieces[0], nil // enough to show the start
			}
		}
		if !over {
			if len(j.buf) > 0 && len(j.buf)+len(chunk) > max(cap(j.buf), lineChunk) {
				pieces = append(pieces, j.buf)
				j.buf = make([]byte, 0, lineChunk)
			}
			j.buf = append(j.buf, chunk...)
		}
		n += len(chunk)
		if err == bufio.ErrBufferFull {
			continue
		}
		if len(pieces) > 0 {
			line := make([]byte, 0, n)
			for _, p := range pieces {
				line = append(line, p...)
			}
			j.buf = append(line, j.buf...)
		}
		if over {
			j.long = len(bytes.TrimRight(chunk, "\r\n")) + n - len(chunk)
			return j.buf, errLineTooLong
		}
		return j.buf, err
	}
}

var errNotObject = errors.New("the value is not a JSON object")

func rejectReason(err error) string {
	if errors.Is(err, errNotObject) {
		return ReasonNotObject
	}
	return ReasonBadJSON
}
