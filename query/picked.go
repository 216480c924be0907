package query

import (
	"context"

	"github.com/spoorhq/spoor/i18n"
)

// Picked reads property values of a few events only: an analysis that
// looks at a small share of the events (why's units: one event type over
// a few weeks) reads each column without allocating and placing a whole
// column, the most of a column's load time at millions of events.
type Picked struct {
	d    *Dataset
	idx  []int32
	pos  []int32    // stored event -> its first slot in idx, -1 when not picked
	dups [][2]int32 // slots that repeat an event: {slot, its first slot}
}

// Pick prepares reading the events idx (indexes into d, repeats allowed).
func (d *Dataset) Pick(ctx context.Context, idx []int32) (*Picked, error) {
	s := &Picked{d: d, idx: idx}
	if d.load == nil {
		return s, nil
	}
	d.posMu.Lock()
	pos, err := d.positions(ctx)
	d.posMu.Unlock()
	if err != nil {
		return nil, err
	}
	slot := make([]int32, d.Len()) // event -> first slot + 1; 0: not picked
	for k, i := range idx {
		if slot[i] == 0 {
			slot[i] = int32(k) + 1
		} else {
			s.dups = append(s.dups, [2]int32{int32(k), slot[i] - 1})
		}
	}
	s.pos = make([]int32, len(pos))
	for r, at := range pos {
		s.pos[r] = slot[at] - 1
	}
	return s, nil
}

// Prop returns property key at the picked events: Codes[k] is the code of
// event idx[k]; Values and Num are the whole column's, as Dataset.Prop
// gives them. A column the Dataset already holds is read from there. Safe
// to call concurrently.
func (s *Picked) Prop(ctx context.Context, key string) (*Prop, error) {
	d := s.d
	d.mu.Lock()
	_, ok := d.props[key]
	d.mu.Unlock()
	if ok || d.load == nil {
		p, err := d.Prop(ctx, key)
		if err != nil {
			return nil, err
		}
		return p.At(s.idx), nil
	}
	col, err := d.load(ctx, key, s.pos, len(s.idx))
	if err != nil {
		return nil, i18n.Errorf("load property %q: %w", key, err)
	}
	for _, dup := range s.dups {
		col.Codes[dup[0]] = col.Codes[dup[1]]
	}
	return newProp(key, col.Values, col.Codes), nil
}

// At returns p at events idx: Codes[k] is the code of event idx[k].
func (p *Prop) At(idx []int32) *Prop {
	codes := make([]int32, len(idx))
	for k, i := range idx {
		codes[k] = p.Codes[i]
	}
	return &Prop{Key: p.Key, Values: p.Values, Num: p.Num, Codes: codes}
}
