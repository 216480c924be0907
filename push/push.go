// Package push copies a local spoor database into a ClickHouse table
// (spoor push): the table layout is clickhouse's (see its package doc).
//
// A push is idempotent and safe to repeat after it was interrupted. Events
// are sent in storage order, in INSERTs of at most one block each (so each
// lands whole or not at all on every shard), and after each the table
// TABLE_spoor_push records how far the push got (the watermark). A push
// starts at the watermark and skips the ids of an INSERT that landed before
// its watermark was written. Identity stitching is resolved locally: each
// event carries its person as the local database stitches it. When a later
// import links ids whose events were already pushed (the stitching of
// pushed ids changed), those ids' events are deleted on the server and sent
// again with their new person, checked by counting each id's events on the
// server against the local database.
package push

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/store"
)

// Options tune a push.
type Options struct {
	// Progress, when set, is called with the events sent so far and the
	// number to send: every 65,536 events streamed and after each INSERT.
	Progress func(done, total int64)
	// Batch is the number of events per INSERT; at most one ClickHouse
	// block (max_insert_block_size, 1,048,576 rows) so an INSERT is whole
	// or absent. Default 500,000.
	Batch int
}

// Result says what a push did.
type Result struct {
	Events     int64 // events in the local database
	Sent       int64 // events inserted by this push
	Restitched int64 // already-pushed events sent again with a new person
	Created    bool  // the table was created
}

const defaultBatch = 500_000

// columns is the INSERT's column list, in the order rows are written
// (RowBinary: the server parses no text, about a third faster than
// TabSeparated on 18.16), before the property columns (target.props); a
// table made before person_order existed gets every column but that one
// (target.order).
const columns = "person, distinct_id, time, event, prop_keys, prop_values, id, person_order"

// tableDDL is the layout the clickhouse package documents, before any
// property column is added.
var tableDDL = `(
	person      String,
	distinct_id String,
	time        Int64,
	event       String,
	prop_keys   Array(String) COMMENT ` + clickhouse.String(clickhouse.PropKeysComment) + `,
	prop_values Array(String),
	id          UInt64,
	person_order UInt64
) ENGINE = MergeTree ORDER BY (person, time, id)`

// Push copies the events of db that the table lacks.
func Push(ctx context.Context, db *store.DB, c *clickhouse.Client, opt Options) (Result, error) {
	var res Result
	src := c.Source()
	if src.Schema != "spoor" {
		return res, i18n.Errorf("spoor push writes its own table layout; leave out schema=, user=, event= and time= (this URL reads an existing %s table)", src.Schema)
	}
	if opt.Batch <= 0 || opt.Batch > 1<<20 {
		opt.Batch = defaultBatch
	}
	rows, err := db.LoadRows(ctx)
	if err != nil {
		return res, err
	}
	res.Events = int64(len(rows.Time))
	source, err := sourceID(ctx, db)
	if err != nil {
		return res, err
	}
	t, err := prepare(ctx, c)
	if err != nil {
		return res, err
	}
	res.Created = t.created
	mark, err := t.watermark(ctx)
	if err != nil {
		return res, err
	}
	if mark == nil {
		// A table push did not fill: take it only when it is empty.
		r, err := c.Query(ctx, "SELECT count() FROM "+t.dist)
		if err != nil {
			return res, err
		}
		if r.Rows[0][0] != "0" {
			return res, i18n.Errorf("table %s.%s already holds %s events that spoor push did not write; push to a new table (?table=NAME)", src.Database, src.Table, r.Rows[0][0])
		}
		// Claimed before the first INSERT, so a first push interrupted
		// after one is resumed like any other.
		mark = &watermark{source: source}
		if err := t.record(ctx, *mark); err != nil {
			return res, err
		}
	}
	if mark.source != source {
		return res, i18n.Errorf("table %s.%s holds events pushed from another spoor database (%s); push this one to a new table (?table=NAME)", src.Database, src.Table, mark.source)
	}
	if mark.pushed > uint64(len(rows.Time)) {
		return res, i18n.Errorf("table %s.%s holds %d events pushed from this database, more than it has now (%d): was it replaced by an older copy? push to a new table", src.Database, src.Table, mark.pushed, len(rows.Time))
	}
	if err := t.propColumns(ctx, db); err != nil {
		return res, err
	}
	p := &pusher{t: t, db: db, rows: rows, opt: opt, source: source}
	// An INSERT that landed before its watermark was written: its ids are
	// on the server already.
	if p.present, err = t.idsFrom(ctx, mark.pushed); err != nil {
		return res, err
	}
	stitch := fingerprint(rows.Canon, int(mark.users))
	if mark.users > 0 && stitch != mark.stitch {
		n, err := p.restitch(ctx, mark.pushed)
		if err != nil {
			return res, err
		}
		res.Restitched = n
		if err := t.record(ctx, watermark{pushed: mark.pushed, users: uint64(len(rows.Users)), stitch: fingerprint(rows.Canon, len(rows.Users)), source: source}); err != nil {
			return res, err
		}
	}
	res.Sent, err = p.send(ctx, mark.pushed)
	return res, err
}

// sourceID names the local database: its first import's file hash and
// time, the same for every copy of the file and different for another
// database.
func sourceID(ctx context.Context, db *store.DB) (string, error) {
	var sum, at string
	err := db.SQL.QueryRowContext(ctx, "SELECT sha256, imported_at FROM imports ORDER BY id LIMIT 1").Scan(&sum, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return "", i18n.Errorf("%s has no events to push: import a file into it first", db.Path)
	}
	if err != nil {
		return "", err
	}
	return sum[:min(12, len(sum))] + " imported " + at, nil
}

// fingerprint hashes the person of users 1..users-1: equal fingerprints
// mean the pushed events' persons are still right.
func fingerprint(canon []int32, users int) uint64 {
	h := xxhash.New()
	var b [4]byte
	for u := 1; u < users && u < len(canon); u++ {
		binary.LittleEndian.PutUint32(b[:], uint32(canon[u]))
		h.Write(b[:])
	}
	return h.Sum64()
}

type pusher struct {
	t       *target
	db      *store.DB
	rows    *store.Rows
	opt     Options
	source  string
	present map[uint64]bool // ids past the watermark on the server already
}

// idsFrom reads the ids from on that the server holds: at most one INSERT's.
func (t *target) idsFrom(ctx context.Context, from uint64) (map[uint64]bool, error) {
	present := map[uint64]bool{}
	_, _, err := t.c.Each(ctx, "SELECT id FROM "+t.dist+" WHERE id >= "+strconv.FormatUint(from, 10), func(row []string) error {
		id, err := strconv.ParseUint(row[0], 10, 64)
		present[id] = true
		return err
	})
	return present, err
}

// onServer reports whether event row is (to be) on the server already.
func (p *pusher) onServer(row int, pushed uint64) bool {
	return uint64(row) < pushed || p.present[uint64(row)]
}

// send inserts the events from row from on, in batches, recording the
// watermark after each.
func (p *pusher) send(ctx context.Context, from uint64) (int64, error) {
	total := int64(len(p.rows.Time)) - int64(from)
	if total == 0 {
		return 0, nil
	}
	var sent int64
	b := p.newBatch(ctx)
	stop := errors.New("stop")
	err := p.db.EachProps(ctx, p.rows.Version, int(from), func(row int, keys, values []string) error {
		if !p.present[uint64(row)] {
			b.add(p.rows, row, keys, values)
		}
		if p.opt.Progress != nil && (row+1-int(from))%(1<<16) == 0 {
			p.opt.Progress(int64(row+1)-int64(from), total)
		}
		if row+1 == len(p.rows.Time) || b.n == p.opt.Batch {
			n := b.n
			if err := b.finish(); err != nil {
				return err
			}
			sent += int64(n)
			if err := p.t.record(ctx, watermark{pushed: uint64(row + 1), users: uint64(len(p.rows.Users)), stitch: fingerprint(p.rows.Canon, len(p.rows.Users)), source: p.source}); err != nil {
				return err
			}
			if p.opt.Progress != nil {
				p.opt.Progress(int64(row+1)-int64(from), total)
			}
			if row+1 == len(p.rows.Time) {
				return stop
			}
			b = p.newBatch(ctx)
		}
		return nil
	})
	if errors.Is(err, stop) {
		err = nil
	} else {
		b.abort(err)
	}
	return sent, err
}

// restitch makes the server's copy of the pushed events (those before the
// watermark and those an unrecorded INSERT left past it) agree with the
// local stitching: every distinct id whose events there differ from
// the local ones in person or number is deleted and sent again.
func (p *pusher) restitch(ctx context.Context, pushed uint64) (int64, error) {
	r := p.rows
	want := make([]int64, len(r.Users)) // events on the server per user id
	for row := range r.User {
		if p.onServer(row, pushed) {
			want[r.User[row]]++
		}
	}
	uid := make(map[string]int32, len(r.Users))
	for u := 1; u < len(r.Users); u++ {
		uid[r.Users[u]] = int32(u)
	}
	right := make([]bool, len(r.Users)) // the server has u's events, all with u's person
	stale := map[string]bool{}
	_, _, err := p.t.c.Each(ctx, "SELECT distinct_id, person, count() FROM "+p.t.dist+" GROUP BY distinct_id, person", func(row []string) error {
		n, err := strconv.ParseInt(row[2], 10, 64)
		u, ok := uid[row[0]]
		if ok && row[1] == r.Users[r.Canon[u]] && n == want[u] {
			right[u] = true
		} else {
			stale[row[0]] = true
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	for u, n := range want {
		if n > 0 && !right[u] {
			stale[r.Users[u]] = true
		}
	}
	if len(stale) == 0 {
		return 0, nil
	}
	ids := make([]string, 0, len(stale))
	for id := range stale {
		ids = append(ids, id)
	}
	if err := p.t.delete(ctx, "distinct_id IN ("+clickhouse.Strings(ids)+")"); err != nil {
		return 0, err
	}
	var sent int64
	b := p.newBatch(ctx)
	stop := errors.New("stop")
	err = p.db.EachProps(ctx, r.Version, 0, func(row int, keys, values []string) error {
		if uint64(row) >= pushed && len(p.present) == 0 {
			return stop
		}
		if p.onServer(row, pushed) && stale[r.Users[r.User[row]]] {
			b.add(r, row, keys, values)
			sent++
		}
		if b.n == p.opt.Batch {
			if err := b.finish(); err != nil {
				return err
			}
			b = p.newBatch(ctx)
		}
		return nil
	})
	if err != nil && !errors.Is(err, stop) {
		b.abort(err)
		return sent, err
	}
	return sent, b.finish()
}

// batch streams one INSERT's rows to the server as they are made.
type batch struct {
	pw     *io.PipeWriter
	w      *bufio.Writer
	done   chan error
	waited bool
	err    error // the INSERT's, once waited for
	n      int
	line   []byte
	t      *target
	// a row's properties: the value of each property column and whether
	// it is set, and the keys and values without a column
	vals         []string
	set          []bool
	keys, values []string
}

func (p *pusher) newBatch(ctx context.Context) *batch {
	pr, pw := io.Pipe()
	b := &batch{pw: pw, w: bufio.NewWriterSize(pw, 256<<10), done: make(chan error, 1), t: p.t,
		vals: make([]string, len(p.t.props)), set: make([]bool, len(p.t.props))}
	go func() {
		cols := columns
		if !p.t.order {
			cols = strings.Replace(cols, ", person_order", "", 1)
		}
		for _, k := range p.t.props {
			cols += ", " + clickhouse.Ident(clickhouse.PropColumn(k))
		}
		err := p.t.c.Insert(ctx, "INSERT INTO "+p.t.dist+" ("+cols+") FORMAT RowBinary", pr)
		pr.CloseWithError(err) // a failed INSERT stops the writer too
		b.done <- err
	}()
	return b
}

func (b *batch) add(r *store.Rows, row int, keys, values []string) {
	u := r.User[row]
	l := b.line[:0]
	l = clickhouse.AppendString(l, r.Users[r.Canon[u]])
	l = clickhouse.AppendString(l, r.Users[u])
	l = clickhouse.AppendInt64(l, r.Time[row])
	l = clickhouse.AppendString(l, r.Names[r.Event[row]])
	if len(b.t.props) > 0 {
		clear(b.set)
		b.keys, b.values = b.keys[:0], b.values[:0]
		for i, k := range keys {
			if c, ok := b.t.column[k]; ok {
				b.vals[c], b.set[c] = values[i], true
			} else {
				b.keys, b.values = append(b.keys, k), append(b.values, values[i])
			}
		}
		keys, values = b.keys, b.values
	}
	l = clickhouse.AppendStrings(l, keys)
	l = clickhouse.AppendStrings(l, values)
	l = clickhouse.AppendUInt64(l, uint64(row))
	if b.t.order {
		l = clickhouse.AppendUInt64(l, uint64(r.Canon[u]))
	}
	for c := range b.t.props {
		l = clickhouse.AppendNullableString(l, b.vals[c], b.set[c])
	}
	b.line = l
	b.w.Write(l) // an error here comes back from the INSERT
	b.n++
}

// finish ends the INSERT and waits for the server to take it.
func (b *batch) finish() error {
	err := b.w.Flush()
	b.pw.CloseWithError(err)
	if ierr := b.wait(); ierr != nil {
		return ierr
	}
	return err
}

// abort ends the INSERT with an error, so the server drops it (a finished
// one is left as it is).
func (b *batch) abort(err error) {
	if err == nil {
		err = errors.New("push stopped")
	}
	b.pw.CloseWithError(err)
	b.wait()
}

// wait waits for the INSERT's answer, once.
func (b *batch) wait() error {
	if !b.waited {
		b.err, b.waited = <-b.done, true
	}
	return b.err
}

// watermark is a row of TABLE_spoor_push.
type watermark struct {
	pushed, users, stitch uint64
	source                string
}

func (t *target) watermark(ctx context.Context) (*watermark, error) {
	r, err := t.c.Query(ctx, "SELECT pushed, users, stitch, source FROM "+t.meta+" ORDER BY seq DESC LIMIT 1")
	if err != nil || len(r.Rows) == 0 {
		return nil, err
	}
	var w watermark
	row := r.Rows[0]
	w.pushed, _ = strconv.ParseUint(row[0], 10, 64)
	w.users, _ = strconv.ParseUint(row[1], 10, 64)
	w.stitch, _ = strconv.ParseUint(row[2], 10, 64)
	w.source = row[3]
	return &w, nil
}

func (t *target) record(ctx context.Context, w watermark) error {
	return t.c.Exec(ctx, fmt.Sprintf("INSERT INTO %s (seq, pushed, users, stitch, source, at) SELECT (SELECT max(seq) + 1 FROM %s), %d, %d, %d, %s, toDateTime(%d)",
		t.meta, t.meta, w.pushed, w.users, w.stitch, clickhouse.String(w.source), time.Now().Unix()))
}
