package query

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
)

// ClickHouse's windowFunnel, ported from
// src/AggregateFunctions/AggregateFunctionWindowFunnel.cpp
// (docs/semantics.md#vendor-semantics). spoor runs it as
//
//	windowFunnel(window_ms, options...)(toUnixTimestamp64Milli(time), cond1, ..., condN)
//
// over the person's events in the date range that pass --where; condK is
// step K's event name and its own filters. Rows are fed in stored order
// (ClickHouse feeds them in the order it reads them), one entry per
// condition a row meets, then stable-sorted by (time, condition): among
// equal times the lower condition comes first, and a row meeting several
// conditions fills several steps in the default mode.

// chMaxSteps is windowFunnel's MAX_EVENTS.
const chMaxSteps = 32

// CHMaxChains bounds strict_once's partial chains at one instant: each
// row at an instant may extend every chain of the step before it, which
// ClickHouse enumerates without limit.
const CHMaxChains = 1 << 17

// StrictOnceOverflow is the error of a person (user) with more than
// CHMaxChains partial chains of strict_once at one instant (at, ms).
func StrictOnceOverflow(user string, at int64) error {
	return i18n.Errorf("windowFunnel strict_once: user %s has more than %d partial chains at %s (events of one instant filling several steps); ClickHouse would enumerate them all — drop strict_once or make the steps distinct",
		user, CHMaxChains, time.UnixMilli(at).UTC().Format(time.RFC3339Nano))
}

// ClickHouse windowFunnel options, as --option names them.
const (
	CHStrictOrder    = "strict_order"
	CHStrictDedup    = "strict_deduplication"
	CHStrictIncrease = "strict_increase"
	CHStrictOnce     = "strict_once"
	CHAllowReentry   = "allow_reentry"
)

type chOptions struct {
	strictOrder, strictDedup, strictIncrease, strictOnce, allowReentry bool
}

func parseCHOptions(opts []string) (chOptions, error) {
	var o chOptions
	for _, name := range opts {
		switch strings.TrimSpace(name) {
		case CHStrictOrder:
			o.strictOrder = true
		case CHStrictDedup:
			o.strictDedup = true
		case CHStrictIncrease:
			o.strictIncrease = true
		case CHStrictOnce:
			o.strictOnce = true
		case CHAllowReentry:
			o.allowReentry = true
		case "strict":
			return o, i18n.Errorf("--option strict was renamed strict_deduplication in ClickHouse; use --option strict_deduplication")
		default:
			return o, i18n.Errorf("unknown windowFunnel option %q (use %s, %s, %s, %s or %s)", name, CHStrictOrder, CHStrictDedup, CHStrictIncrease, CHStrictOnce, CHAllowReentry)
		}
	}
	if o.allowReentry && !o.strictOrder {
		return o, i18n.Errorf("--option allow_reentry needs --option strict_order, as in ClickHouse")
	}
	return o, nil
}

// chEntry is one (timestamp, condition) pair of windowFunnel's events
// list: cond is 1-based, 0 for a row meeting no condition (strict_order
// only); row is the Dataset index, which also plays strict_once's
// unique_id (rows are numbered in feeding order).
type chEntry struct {
	t    int64
	cond int32
	row  int32
}

// Why windowFunnel stopped where it did, for explanations.
const (
	chRanOut     = iota // the events ran out
	chBroken            // strict_order: a row meeting no condition after step 1
	chDuplicate         // strict_deduplication: a step's condition again
	chOutOfOrder        // strict_order: a step before the one before it was reached
)

// chEntries builds the person's sorted events list.
func (w *funnelWorker) chEntries(lo, hi int) []chEntry {
	p, d, s := w.p, w.p.d, w.p.s
	es := w.chList[:0]
	for j := lo; j < hi; j++ {
		if !s.InRange(d.Time[j]) || !s.Match(j) {
			continue
		}
		met := false
		ks := p.any[d.Event[j]]
		for x := len(ks) - 1; x >= 0; x-- { // as add() does, the last condition first
			if k := int(ks[x]); p.stepOK(j, k) {
				es = append(es, chEntry{t: d.Time[j], cond: int32(k + 1), row: int32(j)})
				met = true
			}
		}
		if !met && p.ch.strictOrder {
			es = append(es, chEntry{t: d.Time[j], cond: 0, row: int32(j)})
		}
	}
	slices.SortStableFunc(es, func(a, b chEntry) int {
		if c := cmp.Compare(a.t, b.t); c != 0 {
			return c
		}
		return cmp.Compare(a.cond, b.cond)
	})
	w.chList = es
	return es
}

// clickhousePerson evaluates windowFunnel for the person: the 0-based
// level (-1 for windowFunnel's 0) with w.cur and w.start set from the
// chain that last reached it.
func (w *funnelWorker) clickhousePerson(lo, hi int) int {
	es := w.chEntries(lo, hi)
	w.chStop, w.chAt = chRanOut, -1
	if len(es) == 0 {
		return -1
	}
	var level int
	if w.p.ch.strictOnce {
		level = w.chStrictOnce(es)
	} else {
		level = w.chDefault(es)
	}
	if level > 0 {
		copy(w.cur, w.chain[(level-1)*w.n:(level-1)*w.n+level])
		w.start = int(w.cur[0])
	}
	return level - 1
}

// chDefault is getEventLevelNonStrictOnce. Per level it keeps the first
// and latest timestamps of the latest chain reaching it (w.valid,
// w.chFirst, w.chLast) and, for explanations, that chain's rows.
func (w *funnelWorker) chDefault(es []chEntry) int {
	o, n, win := w.p.ch, w.n, w.p.window
	has, first, last := w.valid, w.chFirst, w.chLast
	clear(has)
	started := false
	for _, e := range es {
		idx := int(e.cond) - 1
		switch {
		case o.strictOrder && idx == -1:
			if started {
				w.chStop, w.chAt = chBroken, int(e.row)
				return chDeepest(has)
			}
		case idx == 0:
			has[0], first[0], last[0] = true, e.t, e.t
			w.chain[0] = e.row
			started = true
		case o.strictDedup && has[idx]:
			w.chStop, w.chAt = chDuplicate, int(e.row)
			return chDeepest(has)
		case o.strictOrder && started && !has[idx-1]:
			if o.allowReentry {
				continue
			}
			w.chStop, w.chAt = chOutOfOrder, int(e.row)
			return slices.Index(has, false)
		case has[idx-1]:
			ok := e.t <= first[idx-1]+win
			if o.strictIncrease {
				ok = ok && last[idx-1] < e.t
			}
			if ok {
				has[idx], first[idx], last[idx] = true, first[idx-1], e.t
				copy(w.chain[idx*n:idx*n+idx], w.chain[(idx-1)*n:(idx-1)*n+idx])
				w.chain[idx*n+idx] = e.row
				if idx+1 == n {
					return n
				}
			}
		}
	}
	return chDeepest(has)
}

// chDeepest is the number of the deepest level reached.
func chDeepest(has []bool) int {
	for k := len(has); k > 0; k-- {
		if has[k-1] {
			return k
		}
	}
	return 0
}

// chSeq is one of strict_once's partial chains: the first and latest
// timestamps and its rows, step by step.
type chSeq struct {
	first, last int64
	path        []int32
}

// chStrictOnce is getEventLevelStrictOnce: every partial chain is kept,
// so that one row never fills two steps of one chain. Two things make it
// linear where ClickHouse's lists grow with every step-1 row: once the
// timestamp moves on, a chain's rows can no longer collide with a later
// row (rows of one timestamp are adjacent) and strict_increase holds for
// every older chain, so of a level's chains only the one with the latest
// first timestamp can still matter, and it alone is kept. Within one
// timestamp the chains are kept as ClickHouse keeps them, up to
// CHMaxChains.
func (w *funnelWorker) chStrictOnce(es []chEntry) int {
	o, n, win := w.p.ch, w.n, w.p.window
	if len(w.chSeqs) < n {
		w.chSeqs = make([][]chSeq, n)
	}
	seqs := w.chSeqs[:n]
	for k := range seqs {
		seqs[k] = seqs[k][:0]
	}
	// done copies level's chain (its latest) for clickhousePerson.
	done := func(level int) int {
		if level > 0 {
			l := seqs[level-1]
			copy(w.chain[(level-1)*n:], l[len(l)-1].path)
		}
		return level
	}
	deepest := func() int {
		for k := n; k > 0; k-- {
			if len(seqs[k-1]) > 0 {
				return done(k)
			}
		}
		return 0
	}
	started, created := false, 0
	var at int64
	for i, e := range es {
		if i == 0 || e.t != at {
			at, created = e.t, 0
			for k := range seqs {
				collapse(&seqs[k])
			}
		}
		idx := int(e.cond) - 1
		switch {
		case o.strictOrder && idx == -1:
			if started {
				w.chStop, w.chAt = chBroken, int(e.row)
				return deepest()
			}
		case idx == 0:
			seqs[0] = append(seqs[0], chSeq{first: e.t, last: e.t, path: []int32{e.row}})
			started = true
			created++
		case o.strictDedup && len(seqs[idx]) > 0:
			w.chStop, w.chAt = chDuplicate, int(e.row)
			return deepest()
		case o.strictOrder && started && len(seqs[idx-1]) == 0:
			if o.allowReentry {
				continue
			}
			w.chStop, w.chAt = chOutOfOrder, int(e.row)
			for k := range seqs {
				if len(seqs[k]) == 0 {
					return done(k)
				}
			}
		case len(seqs[idx-1]) > 0:
			prev := seqs[idx-1]
			for _, sq := range prev {
				if e.t > sq.first+win || slices.Contains(sq.path, e.row) || (o.strictIncrease && sq.last >= e.t) {
					continue
				}
				path := append(slices.Clip(sq.path), e.row)
				seqs[idx] = append(seqs[idx], chSeq{first: sq.first, last: e.t, path: path})
				if idx+1 == n {
					return done(n)
				}
				if created++; created > CHMaxChains {
					w.err = StrictOnceOverflow(w.p.d.Users[w.u], e.t)
					return deepest()
				}
			}
		}
	}
	return deepest()
}

// collapse keeps, of a level's chains, the one with the latest first
// timestamp (the latest such, as the list is in creation order).
func collapse(l *[]chSeq) {
	s := *l
	if len(s) <= 1 {
		return
	}
	best := 0
	for i := range s {
		if s[i].first >= s[best].first {
			best = i
		}
	}
	s[0] = s[best]
	*l = s[:1]
}
