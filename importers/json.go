package importers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// jsonObjects yields the objects of a JSON Lines file or a JSON array, one
// at a time, never holding more than one.
type jsonObjects interface {
	// object decodes the next object into a fresh map. It returns io.EOF at
	// the end and a *rejectError for a record that is not an object.
	object() (map[string]any, int64, string, error)
}

// jsonlObjects reads one JSON value per line. A broken line is a reject and
// reading resumes at the next line.
type jsonlObjects struct {
	r    *bufio.Reader
	line int64
	buf  []byte
	p    jsonParser
}

// maxLine bounds one JSON line; longer lines are rejected, not buffered.
const maxLine = 256 << 20

func (j *jsonlObjects) object() (map[string]any, int64, string, error) {
	for {
		b, err := j.readLine()
		if len(b) == 0 && err != nil {
			return nil, j.line, "", err
		}
		j.line++
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			if err != nil {
				return nil, j.line, "", err
			}
			continue // blank lines are not records
		}
		if errors.Is(err, errLineTooLong) {
			return nil, j.line, "", &rejectError{reason: ReasonBadJSON, line: j.line, raw: string(b[:min(len(b), 200)]) + "…", detail: fmt.Sprintf("line longer than %d MB", maxLine>>20)}
		}
		if err != nil && err != io.EOF {
			return nil, j.line, "", err
		}
		if j.p.keys == nil {
			j.p.keys = map[string]string{}
		}
		m, derr := j.p.parse(b)
		if derr != nil {
			return nil, j.line, string(b), &rejectError{reason: rejectReason(derr), line: j.line, raw: string(b), detail: derr.Error()}
		}
		return m, j.line, string(b), nil
	}
}

var errLineTooLong = errors.New("line too long")

// readLine returns the next line without its newline, reusing one buffer.
func (j *jsonlObjects) readLine() ([]byte, error) {
	j.buf = j.buf[:0]
	over := false
	for {
		chunk, err := j.r.ReadSlice('\n')
		if len(j.buf)+len(chunk) <= maxLine {
			j.buf = append(j.buf, chunk...)
		} else {
			over = true // keep reading to the newline, dropping the rest
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if over {
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

// arrayObjects reads the elements of one top-level JSON array with the
// token API, so the array is never held whole. A syntax error cannot be
// skipped (the structure is lost), so it ends the file.
type arrayObjects struct {
	p       jsonParser
	d       *json.Decoder
	n       int64
	started bool
}

func newArrayObjects(r io.Reader) *arrayObjects {
	d := json.NewDecoder(r)
	d.UseNumber()
	return &arrayObjects{d: d, p: jsonParser{keys: map[string]string{}}}
}

func (a *arrayObjects) object() (map[string]any, int64, string, error) {
	if !a.started {
		tok, err := a.d.Token()
		if err != nil {
			return nil, 0, "", fmt.Errorf("broken JSON at the start: %w", err)
		}
		if tok != json.Delim('[') {
			return nil, 0, "", &notEventsError{"expected a JSON array of event objects"}
		}
		a.started = true
	}
	if !a.d.More() {
		if _, err := a.d.Token(); err != nil { // the closing ]
			return nil, a.n, "", fmt.Errorf("broken JSON after element %d: %w", a.n, err)
		}
		return nil, a.n, "", io.EOF
	}
	a.n++
	var raw json.RawMessage
	if err := a.d.Decode(&raw); err != nil {
		return nil, a.n, "", fmt.Errorf("broken JSON in array element %d (byte %d): %w", a.n, a.d.InputOffset(), err)
	}
	m, err := a.p.parse(bytes.TrimSpace(raw))
	if err != nil {
		return nil, a.n, string(raw), &rejectError{reason: rejectReason(err), line: a.n, raw: string(raw), detail: err.Error()}
	}
	return m, a.n, "", nil
}
