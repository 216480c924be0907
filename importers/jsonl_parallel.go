package importers

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"sync"
)

// parallelLines reads JSON Lines on one goroutine and parses them on
// several, handing the objects out in file order. Parsing is most of the
// cost of a JSON import; the mapping to events stays on the caller's
// goroutine.
type parallelLines struct {
	src     *jsonlObjects // read only by the feeder goroutine
	order   chan *lineBatch
	work    chan *lineBatch
	free    chan *lineBatch
	stopped chan struct{}
	once    sync.Once
	cur     *lineBatch
	pos     int
}

// lineBatch is a run of raw lines and, once done is closed, their parses.
type lineBatch struct {
	arena  []byte
	starts []int
	lines  []int64
	long   []int // the length of a line over maxRow, only the start of which is in the arena; else 0
	// big is a line longer than batchBytes, kept in the buffer it was read
	// into instead of copied to the arena (a 100 MB line would otherwise
	// be held twice); bigAt is its index, -1 for none. One per batch.
	big   []byte
	bigAt int
	res   []lineResult
	end   error // what stopped reading after these lines (io.EOF at the end)
	done  chan struct{}
}

type lineResult struct {
	m   map[string]any
	err error
}

const (
	batchLines = 256
	batchBytes = 1 << 20
)

func newParallelLines(src *jsonlObjects) *parallelLines {
	workers := min(runtime.GOMAXPROCS(0), 4)
	p := &parallelLines{src: src, order: make(chan *lineBatch, workers+2), work: make(chan *lineBatch, workers+2),
		free: make(chan *lineBatch, workers+4), stopped: make(chan struct{})}
	go p.feed()
	for i := 0; i < workers; i++ {
		go p.parse()
	}
	return p
}

func (b *lineBatch) text(i int) []byte {
	if i == b.bigAt {
		return b.big
	}
	end := len(b.arena)
	if i+1 < len(b.starts) {
		end = b.starts[i+1]
	}
	return b.arena[b.starts[i]:end]
}

func (p *parallelLines) feed() {
	defer close(p.work)
	for {
		var b *lineBatch
		select {
		case b = <-p.free:
			b.arena, b.starts, b.lines, b.long, b.end = b.arena[:0], b.starts[:0], b.lines[:0], b.long[:0], nil
		default:
			b = &lineBatch{}
		}
		b.big, b.bigAt = nil, -1
		b.done = make(chan struct{})
		for len(b.lines) < batchLines && len(b.arena) < batchBytes {
			line, err := p.src.readLine()
			if len(line) == 0 && err != nil {
				b.end = err
				break
			}
			p.src.line++
			t := bytes.TrimSpace(line)
			if len(t) == 0 {
				if err != nil {
					b.end = err
					break
				}
				continue
			}
			if err != nil && err != io.EOF && !errors.Is(err, errLineTooLong) {
				b.end = err
				break
			}
			long := 0
			if errors.Is(err, errLineTooLong) {
				long, t = p.src.long, t[:min(len(t), 200)]
			}
			b.starts = append(b.starts, len(b.arena))
			big := len(t) > batchBytes
			if big {
				b.big, b.bigAt = t, len(b.lines)
				p.src.buf = nil // the batch owns it now
			} else {
				b.arena = append(b.arena, t...)
			}
			b.lines = append(b.lines, p.src.line)
			b.long = append(b.long, long)
			if err == io.EOF {
				b.end = io.EOF
				break
			}
			if big {
				break
			}
		}
		select {
		case p.order <- b:
		case <-p.stopped:
			return
		}
		select {
		case p.work <- b:
		case <-p.stopped:
			return
		}
		if b.end != nil {
			close(p.order)
			return
		}
	}
}

func (p *parallelLines) parse() {
	jp := newJSONParser()
	for b := range p.work {
		b.res = b.res[:0]
		for i := range b.lines {
			if b.long[i] > 0 {
				b.res = append(b.res, lineResult{err: tooLong(b.lines[i], b.text(i), b.long[i])})
				continue
			}
			m, err := jp.parse(b.text(i))
			if err != nil {
				err = parseReject(err, b.lines[i], b.text(i))
			}
			b.res = append(b.res, lineResult{m: m, err: err})
		}
		close(b.done)
	}
}

func (p *parallelLines) object() (map[string]any, int64, []byte, error) {
	for {
		if b := p.cur; b != nil {
			if p.pos < len(b.lines) {
				i := p.pos
				p.pos++
				return b.res[i].m, b.lines[i], b.text(i), b.res[i].err
			}
			if b.end != nil {
				var last int64
				if n := len(b.lines); n > 0 {
					last = b.lines[n-1]
				}
				return nil, last, nil, b.end
			}
			select { // the caller is done with every line of b
			case p.free <- b:
			default:
			}
			p.cur = nil
		}
		b, ok := <-p.order
		if !ok {
			return nil, 0, nil, io.EOF
		}
		<-b.done
		p.cur, p.pos = b, 0
	}
}

func (p *parallelLines) close() { p.once.Do(func() { close(p.stopped) }) }
