package importers

import (
	"context"
	"errors"
	"io"
	"sync"
)

// batchRows is how many records the reader parses before handing them to
// the writer. Parsing (this goroutine) and SQLite (the caller's) overlap.
const batchRows = 512

// item is one record: a row, or the reason it was rejected.
type item struct {
	row row
	rej *rejectError
}

// batch is a run of records; batches are recycled so rows, and the
// property slices inside them, are reused instead of allocated per record.
type batch struct {
	items []item
	err   error // reading stopped here
	line  int64 // last line read, for the error message
}

// pump runs a rowReader in its own goroutine.
type pump struct {
	rd   rowReader
	free chan *batch
	done chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

func (p *pump) start(ctx context.Context) <-chan *batch {
	out := make(chan *batch, 4)
	p.free = make(chan *batch, 8)
	p.done = make(chan struct{})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(out)
		var line int64
		for {
			var b *batch
			select {
			case b = <-p.free:
				b.items = b.items[:cap(b.items)]
			default:
				b = &batch{items: make([]item, batchRows)}
			}
			n := 0
			var err error
			for n < batchRows {
				it := &b.items[n]
				it.rej = nil
				err = p.rd.next(&it.row)
				if err == nil {
					line = it.row.line
					n++
					continue
				}
				var rej *rejectError
				if errors.As(err, &rej) {
					line = rej.line
					it.rej = rej
					n++
					err = nil
					continue
				}
				break
			}
			b.items = b.items[:n]
			if err != nil && err != io.EOF {
				b.err, b.line = err, line
			}
			if ctx.Err() != nil {
				return
			}
			select {
			case out <- b:
			case <-p.done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return out
}

// recycle returns a batch the caller has finished with.
func (p *pump) recycle(b *batch) {
	select {
	case p.free <- b:
	default:
	}
}

// stop ends the reader goroutine (if still running) and waits for it.
func (p *pump) stop() {
	p.once.Do(func() { close(p.done) })
	p.wg.Wait()
	p.rd.close()
}
