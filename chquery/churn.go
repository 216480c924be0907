package chquery

import (
	"context"
	"encoding/binary"
	"errors"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
)

// errChurnStale is churnBits' answer when the table's rows changed since
// the facts were read and its events were not checked against them.
var errChurnStale = errors.New("churn: the table changed while it was read")

// errChurnLong is churnBits' answer, with number, when a person is longer
// than 7 bytes.
var errChurnLong = errors.New("churn: a person longer than 7 bytes")

// maxDayWords bounds the 64-day words of churn's day bitmaps: past 256
// days of data a person's days are a sorted set instead (tests set 0 to
// take that way).
var maxDayWords = 4

// Churn ranks users at risk of churning (docs/segments.md) from their
// activity summed up where the events are: per person with an event in
// the baseline, on each shard, their events in the recent window and in
// the baseline, their active days in loc (nil: the table's display zone)
// and their last key event. segment.ChurnFromPersons scores them as the
// local engine does.
//
// On a table of push's layout whose data spans at most maxDayWords × 64
// days, that is three aggregates of numbers per person (churnBits);
// else days are a set and the last key event an argMax (churnPersons).
func (e *Engine) Churn(ctx context.Context, opt segment.ChurnOptions, loc *time.Location) (*segment.ChurnReport, error) {
	if loc == nil {
		loc = e.loc
	}
	f, err := e.data(ctx)
	if err != nil {
		return nil, err
	}
	if opt.KeyEvent != "" {
		if err := f.checkEvent(opt.KeyEvent); err != nil {
			return nil, err
		}
	}
	if f.count == 0 {
		return segment.ChurnFromPersons(opt, loc, f.min, f.max, nil), nil
	}
	// Persons are scored as they are read: none is held. Persons as
	// numbers first, then as text; a longer person (errChurnLong) or a
	// failure by throwIf (an event the packing does not hold) tries the
	// next way. Facts read under the table's key (factscache.go) are
	// exact while the key holds: the packing's bounds are then checked
	// once, by the key after the query, instead of on every event.
	if b, ok := e.churnPacking(opt, loc, f); ok {
		number, exact := true, e.cache.file != nil
		for {
			s, err := e.churnBits(ctx, opt, loc, f, b, number, exact)
			if err == errChurnStale {
				exact = false // rows came since the facts: read again, each event checked
				continue
			}
			if err != errChurnLong && !clickhouse.IsCode(err, codeThrowIf) {
				if err != nil {
					return nil, err
				}
				return s.Report(), nil
			}
			if !number {
				break
			}
			number = false
		}
	}
	var s *segment.ChurnScorer
	err = e.withOrder(ctx, f.min, func(order string) error {
		s = segment.NewChurnScorer(opt, loc, f.min, f.max)
		return e.churnPersons(ctx, opt, loc, f, order, s.Add)
	})
	if err != nil {
		return nil, err
	}
	return s.Report(), nil
}

// churnPacked is how churnBits packs a person's events: days as bitmaps
// of words × 64 days from day0 (words 1, 2 or 4), and each event's order
// as (time − f.min) << (idBits + codeBits) | id << codeBits | code, the
// code of its name (1 up, by the facts' names), or 1 for every event when
// a key event is named (its name is known). Then only the last key
// event's time is read, which events at one instant share: the id is
// left out (idBits 0).
type churnPacked struct {
	words                      int
	day0                       int64
	timeBits, idBits, codeBits int
}

// churnPacking is churnBits's packing for the table and its span, when
// they allow one.
func (e *Engine) churnPacking(opt segment.ChurnOptions, loc *time.Location, f *facts) (churnPacked, bool) {
	if _, fast := e.dayNumber(loc); !fast || !hasID(e.t) {
		return churnPacked{}, false
	}
	lo, hi := civilDay(f.min, loc), civilDay(f.max, loc)
	words := 1
	for int64(64*words) <= hi-lo {
		words *= 2 // a power of two, so one shift checks the range
	}
	names := 1
	if opt.KeyEvent == "" {
		names = len(f.names)
	}
	idBits := bits.Len64(f.maxID)
	if opt.KeyEvent != "" {
		idBits = 0
	}
	b := churnPacked{words: words, day0: lo, timeBits: bits.Len64(uint64(f.max - f.min)), idBits: idBits, codeBits: bits.Len(uint(names))}
	if words > maxDayWords || b.timeBits+b.idBits+b.codeBits > 64 {
		return churnPacked{}, false
	}
	return b, true
}

// civilDay is the day number (since 1970-01-01, as toDate counts) of the
// calendar day in loc of the instant ms.
func civilDay(ms int64, loc *time.Location) int64 {
	t := time.UnixMilli(ms).In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// churnBits reads each person's activity as three aggregates of numbers
// (each one a call per event on the server, about a quarter of the cost
// of grouping the events by person at 10M): the sum of both window
// counts (recent in the high 32 bits), the bitwise or of each event's day
// bit, and the largest packed order (churnPacked), which gives the last
// key event's time and name. An event the packing does not hold (stored
// since the facts were read, or a name they lack) fails the query by
// throwIf, and Churn reads the general way. With exact, the facts were
// read under the table's key and no event is checked: the key is read
// again once the servers have answered, and errChurnStale says it
// changed (the answer may be wrong). Persons active in the baseline but
// on a single day before the recent window are only counted (too little
// history): 231,564 of 486,319 at 10M events. Each part's answer (churnParts) is scored on
// its own goroutine as it is read.
//
// With number, persons are grouped by a number whose bytes are the
// person's text, as personNumber (a String key cost 10M events' grouping
// a quarter more server CPU: 1.83-2.17 against 1.45-1.61 s at load 30),
// but a person longer than 7 bytes is told by the row (errChurnLong)
// instead of by throwIf on every event.
func (e *Engine) churnBits(ctx context.Context, opt segment.ChurnOptions, loc *time.Location, f *facts, b churnPacked, number, exact bool) (*segment.ChurnScorer, error) {
	t := e.t
	recentFrom, baseFrom := segment.ChurnWindows(opt, loc, f.min, f.max)
	day, _ := e.ordinal(query.Day, loc)
	u64 := func(x string) string { return "toUInt64(" + x + ")" }
	shift := func(fn, x string, n int) string { return fn + "(" + x + ", " + strconv.Itoa(n) + ")" }
	rel := u64(t.Time + " - " + lit(f.min))
	dayRel := u64(day + " - " + lit(b.day0))
	code, key, last := "toUInt8(1)", t.Event+" = "+clickhouse.String(opt.KeyEvent), "maxIf"
	codes := []int{1} // each name's code (of f.names, or the key event)
	if opt.KeyEvent == "" {
		key, last = "", "max"
		if sql, byLength, ok := lengthCode(t.Event, f.names); exact && ok && b.timeBits+b.idBits+bits.Len(uint(slices.Max(byLength))) <= 64 {
			code, codes, b.codeBits = sql, byLength, bits.Len(uint(slices.Max(byLength)))
		} else {
			codes = make([]int, len(f.names))
			numbers := make([]string, len(f.names))
			for i := range codes {
				codes[i] = i + 1
				numbers[i] = strconv.Itoa(i + 1)
			}
			code = "transform(" + t.Event + ", [" + clickhouse.Strings(f.names) + "], [" + strings.Join(numbers, ", ") + "], 0)"
		}
	}
	// The name of each code; -1: none (an event no fact names).
	nameOf := make([]int, 1<<b.codeBits)
	for i := range nameOf {
		nameOf[i] = -1
	}
	for i, c := range codes {
		nameOf[c] = i
	}
	packed, bounds := shift("bitShiftLeft", rel, b.idBits+b.codeBits), shift("bitShiftRight", rel, b.timeBits)
	if opt.KeyEvent == "" {
		packed = "bitOr(" + packed + ", " + shift("bitShiftLeft", t.Tiebreak, b.codeBits) + ")"
		bounds = "bitOr(" + bounds + ", " + shift("bitShiftRight", t.Tiebreak, b.idBits) + ")"
	}
	order := "bitOr(" + packed + ", " + code + ")"
	if !exact {
		// One check of every bound, a few bit operations on columns the
		// query computes anyway.
		wordBits := bits.Len(uint(b.words)) - 1
		order = "bitOr(" + order + ", throwIf(bitOr(" + bounds + ", bitOr(" +
			shift("bitShiftRight", dayRel, 6+wordBits) + ", " + code + " = 0))))"
	}
	// An event before the recent window counts in the baseline when
	// there is nothing before it: every event is at f.min or later, as
	// the packing's bounds hold (checked, or under the table's key). At
	// 10M events (60 days against the default 70) a comparison a row less
	// cost the server 1.27 s against 1.31 (median of 9, in turns, load 20).
	inBase := "toUInt64(1)"
	if baseFrom > f.min {
		inBase = "toUInt64(" + t.Time + " >= " + lit(baseFrom) + ")"
	}
	cols := []string{"sum(if(" + t.Time + " >= " + lit(recentFrom) + ", toUInt64(4294967296), " + inBase + ")) AS sp_counts"}
	for w := range b.words {
		bit := "bitShiftLeft(toUInt64(1), bitAnd(" + dayRel + ", 63))"
		if b.words > 1 {
			bit = "if(" + shift("bitShiftRight", dayRel, 6) + " = " + strconv.Itoa(w) + ", " + bit + ", toUInt64(0))"
		}
		cols = append(cols, "groupBitOr("+bit+")")
	}
	if key != "" {
		key = ", " + key
	}
	cols = append(cols, last+"("+order+key+")")
	recentDay := civilDay(recentFrom, loc) - b.day0
	lowCodes := uint64(1)<<b.codeBits - 1
	person := t.Person
	if number {
		// The bytes little-endian, the length above, 8 for any past 7:
		// such a number's top byte (theirs or'ed with 8) is 8 or more, and
		// theirs alone share it.
		person = "bitOr(reinterpretAsUInt64(" + t.Person + "), bitShiftLeft(toUInt64(least(length(" + t.Person + "), 8)), 56))"
	}
	// Each part's answer is read and scored on its own goroutine, into
	// its own scorer, ranked there; they are merged at the end.
	var scorers []*segment.ChurnScorer
	part := func() partReader {
		s := segment.NewChurnScorer(opt, loc, f.min, f.max)
		scorers = append(scorers, s)
		nums := make([]uint64, len(cols))
		var days []int64 // each person's in turn: Add keeps none
		var text [8]byte
		return partReader{end: s.Rank, row: func(r *clickhouse.RowBinary) error {
			for i := range nums {
				nums[i] = r.UInt64()
			}
			var user []byte
			if number {
				n := r.UInt64()
				if n>>56 > 7 {
					return errChurnLong
				}
				binary.LittleEndian.PutUint64(text[:], n)
				user = text[:min(n>>56, 7)]
			} else {
				user = r.Bytes()
			}
			if r.Err() != nil {
				return r.Err()
			}
			words, o := nums[1:1+b.words], nums[1+b.words]
			// Active on fewer than two days before the recent window:
			// counted (too little history), not scored.
			before := 0
			for w, m := range words {
				below := min(max(recentDay-int64(64*w), 0), 64)
				before += bits.OnesCount64(m & (uint64(1)<<below - 1)) // 1<<64 is 0 in Go: all bits
			}
			if before < 2 {
				s.TooLittle(1)
				return nil
			}
			days = days[:0]
			for w, m := range words {
				for u := m; u != 0; u &= u - 1 {
					days = append(days, b.day0+int64(64*w+bits.TrailingZeros64(u)))
				}
			}
			// The user's bytes lent: Add copies only a user it lists.
			p := segment.ChurnPerson{User: unsafe.String(unsafe.SliceData(user), len(user)), Recent: int(nums[0] >> 32), Baseline: int(nums[0] & (1<<32 - 1)), CivilDays: days, KeyAt: -1}
			if o != 0 {
				p.KeyAt, p.KeyEvent = int64(o>>(b.idBits+b.codeBits))+f.min, opt.KeyEvent
				if p.KeyEvent == "" {
					i := nameOf[o&lowCodes]
					if i < 0 {
						return errChurnStale // only unchecked: the guard refuses them
					}
					p.KeyEvent = f.names[i]
				}
			}
			s.Add(p)
			return nil
		}}
	}
	// Under exact facts the key is read again once every server has
	// answered (read all it will), while the last answers are scored.
	var held chan bool
	answered := func() {
		if exact {
			held = make(chan bool, 1)
			go func() {
				key, ok := e.factsKey(ctx)
				held <- ok && key == e.cache.file.key
			}()
		}
	}
	err := e.churnParts(ctx, func(from, part string) string {
		// The person last: its bytes are read in place, after the numbers.
		return "SELECT " + strings.Join(cols, ", ") + ", " + person + " AS sp_person FROM " + from + " WHERE " + t.Where + " AND " + part +
			" GROUP BY sp_person HAVING bitAnd(sp_counts, 4294967295) > 0"
	}, func(n int) []partReader {
		fns := make([]partReader, n)
		for i := range fns {
			fns[i] = part()
		}
		return fns
	}, answered)
	if err != nil {
		return nil, err
	}
	if exact && !<-held {
		return nil, errChurnStale
	}
	for _, o := range scorers[1:] {
		scorers[0].Merge(o)
	}
	return scorers[0], nil
}

// churnPersons reads each person's activity the general way: days as a
// sorted set, the last key event by argMax over order.
func (e *Engine) churnPersons(ctx context.Context, opt segment.ChurnOptions, loc *time.Location, f *facts, order string, score func(segment.ChurnPerson)) error {
	t := e.t
	recentFrom, baseFrom := segment.ChurnWindows(opt, loc, f.min, f.max)
	day, at := e.ordinal(query.Day, loc)
	key := "1"
	if opt.KeyEvent != "" {
		key = t.Event + " = " + clickhouse.String(opt.KeyEvent)
	}
	return e.eachPerson(ctx, func(from string) string {
		return "SELECT " + t.Person + " AS person, countIf(" + t.Time + " >= " + lit(recentFrom) + ") AS sp_recent," +
			" countIf(" + t.Time + " >= " + lit(baseFrom) + " AND " + t.Time + " < " + lit(recentFrom) + ") AS base," +
			" arraySort(groupUniqArray(toInt32(" + day + "))), countIf(" + key + "), maxIf(" + t.Time + ", " + key + ")," +
			" argMaxIf(" + t.Event + ", " + order + ", " + key + ")" +
			" FROM " + from + " WHERE " + t.Where + " GROUP BY person HAVING base > 0"
	}, func(row []string) error {
		if len(row) != 7 {
			return i18n.Errorf("churn: ClickHouse sent %d columns, expected %d", len(row), 7)
		}
		recent, err1 := strconv.Atoi(row[1])
		base, err2 := strconv.Atoi(row[2])
		days, err3 := intArray(row[3])
		keys, err4 := strconv.Atoi(row[4])
		keyAt, err5 := strconv.ParseInt(row[5], 10, 64)
		if err := firstErr(err1, err2, err3, err4, err5); err != nil {
			return i18n.Errorf("churn: reading ClickHouse's row %q: %w", strings.Join(row, " "), err)
		}
		p := segment.ChurnPerson{User: row[0], Recent: recent, Baseline: base, KeyAt: -1}
		for _, d := range days {
			p.Days = append(p.Days, at(d))
		}
		if keys > 0 {
			p.KeyAt, p.KeyEvent = keyAt, row[6]
		}
		score(p)
		return nil
	})
}

// partReader reads one of churnParts' answers: row reads a row, end is
// called after the last (on the same goroutine).
type partReader struct {
	row func(r *clickhouse.RowBinary) error
	end func()
}

// churnPartEvents is how many events one of churnParts' parts holds at
// least (tests lower it). Each part is a query of its own, with its own
// fixed cost and its own merge of the server's threads' tables: at 10M
// events (quiet 2-core machine, 5 rounds in turns, wall ms medians) 4M
// events a part (2 parts on one server, 1 a shard on the 2-shard
// cluster) took 867 / 807 against 1,080 / 983 at 2M (4 parts, 2 a
// shard); one part, 876 / 789: the client's scoring of a part while the
// server runs the next gains less than a part costs.
var churnPartEvents int64 = 1 << 22

// churnParts runs a per-person query (sql, given the table and a
// condition on its rows) where the events are, on the table or on every
// shard of a table sharded by person at once (with hostShards' threads),
// and reads its answers in
// RowBinary. A server finishes a query before it sends its answer
// (QueryRowBinary), so the client scores only after it: a large table of
// push's layout is read in ranges of persons (partConds) of at least
// churnPartEvents events, one query after another on each server, and
// the client scores a range's answer while the server computes the next.
// parts(n) gives the reader of each of the n answers (server by server,
// range by range), each called from its own goroutine; answered is called
// once every server has answered its last query, unless one failed. The
// first error is returned.
func (e *Engine) churnParts(ctx context.Context, sql partSQL, parts func(n int) []partReader, answered func()) error {
	clients, from := []*clickhouse.Client{e.client(ctx)}, e.t.From
	if e.t.ShardedByPerson {
		shards, err := e.hostShards(ctx)
		if err != nil {
			return err
		}
		clients, from = shards, e.t.Local
	}
	conds := []string{"1"}
	// Only ranges: parts split by a hash would each read every row.
	if f, err := e.data(ctx); err == nil && hasID(e.base) {
		if k := min(f.count/int64(len(clients))/churnPartEvents, maxParts); k > 1 {
			conds = e.partConds(ctx, int(k))
		}
	}
	fns := parts(len(clients) * len(conds))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var first error
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		cancel()
	}
	var wg sync.WaitGroup
	var waiting sync.WaitGroup // servers not yet done
	waiting.Add(len(clients))
	for i, c := range clients {
		wg.Go(func() {
			defer waiting.Done()
			for j, cond := range conds {
				r, err := c.QueryRowBinary(ctx, sql(from, cond))
				if err != nil {
					fail(err)
					return
				}
				fn := fns[i*len(conds)+j]
				// Read while the server runs the next range.
				wg.Go(func() {
					defer r.Close()
					for r.More() {
						if err := fn.row(r); err != nil {
							fail(err)
							return
						}
					}
					if err := r.Err(); err != nil {
						fail(err)
						return
					}
					fn.end()
				})
			}
		})
	}
	waiting.Wait()
	mu.Lock()
	if first == nil {
		answered()
	}
	mu.Unlock()
	wg.Wait()
	return first
}

// maxLengthTerms bounds lengthCode's comparisons of the name (each a pass
// over the column's bytes), past which transform costs less.
const maxLengthTerms = 3

// lengthCode is SQL for the code of an event of one of names (1 up,
// codes[i] that of names[i]) that costs the server less than transform
// (at 10M events about 0.1 s of server CPU): the name's length, plus
// (event = name) times what lifts a name whose length another name has
// to a code of its own. An event of any other name gets some code, maybe
// another's, so it is used only when no event has another name. ok is
// false past maxLengthTerms comparisons.
func lengthCode(event string, names []string) (sql string, codes []int, ok bool) {
	codes = make([]int, len(names))
	taken := map[int]bool{}
	for i, n := range names {
		if l := len(n); l > 0 && !taken[l] {
			codes[i], taken[l] = l, true
		}
	}
	sql = "length(" + event + ")"
	terms := 0
	for i, n := range names {
		if codes[i] != 0 {
			continue
		}
		if terms++; terms > maxLengthTerms {
			return "", nil, false
		}
		c := len(n) + 1
		for taken[c] {
			c++
		}
		codes[i], taken[c] = c, true
		sql += " + (" + event + " = " + clickhouse.String(n) + ")"
		if c-len(n) > 1 {
			sql += " * " + strconv.Itoa(c-len(n))
		}
	}
	return sql, codes, true
}
