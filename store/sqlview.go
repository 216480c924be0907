package store

import (
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"sort"
	"sync"

	"github.com/spoorhq/spoor/i18n"
	"modernc.org/sqlite"
	"modernc.org/sqlite/vtab"
)

// Bulk imports write the events as compact columns only (ImportInfo.DeferRows):
// the events table lacks their rows. Typed SQL still sees every event, and
// no byte of the file changes for it: on the connection that runs it, a
// temporary view named events (temp shadows main) adds to the stored rows
// those of every later chunk, decoded as the query reads them by the
// table-valued function spoor_chunk_rows. It all runs inside the query's
// own read transaction, so the rows agree with the chunks they come from.
const pendingEventsView = `CREATE VIRTUAL TABLE IF NOT EXISTS temp.spoor_chunk_rows USING spoor_chunk_rows;
CREATE TEMP VIEW IF NOT EXISTS events(id, user_id, event_id, time, props, insert_id, dedup, import_id) AS
SELECT id, user_id, event_id, time, props, insert_id, dedup, import_id FROM main.events
UNION ALL
SELECT r.id, r.user_id, r.event_id, r.time, r.props, NULL, r.dedup, c.import_id
FROM main.chunks c, temp.spoor_chunk_rows(c.first_id, c.n, c.users, c.events, c.times, c.dedup,
	(SELECT spoor_chunk_props(p.key, p.dict, p.codes) FROM main.chunk_props p WHERE p.chunk_id = c.id)) r
WHERE c.id > coalesce((SELECT CAST(value AS INTEGER) FROM main.settings WHERE key = 'rows_upto'), 0);`

func init() {
	if err := vtab.RegisterModule(nil, "spoor_chunk_rows", chunkRowsModule{}); err != nil {
		panic(err)
	}
	// spoor_chunk_props gathers a chunk's property columns into one blob
	// (per key: uvarint-prefixed key, dictionary and codes) that
	// spoor_chunk_rows decodes only when a query reads props.
	sqlite.MustRegisterFunction("spoor_chunk_props", &sqlite.FunctionImpl{
		NArgs:         3,
		Deterministic: true,
		VolatileArgs:  true, // Step copies them into its blob at once
		MakeAggregate: func(sqlite.FunctionContext) (sqlite.AggregateFunction, error) { return &propsBlob{}, nil },
	})
}

// propsBlob is the spoor_chunk_props aggregate.
type propsBlob struct{ b []byte }

// propsBuffers hands each chunk's aggregate the buffer of one before it,
// which spoor_chunk_rows is done with by then: growing a fresh one per
// chunk put every property blob through fresh pages again. A few are kept
// (a sync.Pool lost them at every collection).
var propsBuffers struct {
	mu   sync.Mutex
	free [][]byte
}

func getPropsBuffer() []byte {
	propsBuffers.mu.Lock()
	defer propsBuffers.mu.Unlock()
	n := len(propsBuffers.free)
	if n == 0 {
		return nil
	}
	b := propsBuffers.free[n-1]
	propsBuffers.free = propsBuffers.free[:n-1]
	return b[:0]
}

func putPropsBuffer(b []byte) {
	propsBuffers.mu.Lock()
	defer propsBuffers.mu.Unlock()
	if len(propsBuffers.free) < 4 {
		propsBuffers.free = append(propsBuffers.free, b)
	}
}

// gathered holds the blobs spoor_chunk_props gathered, by the token it
// returns, until spoor_chunk_rows takes them. Returned as values, SQLite
// copied each chunk's properties (megabytes) into and out of its own
// memory several times: two thirds of a count over a 10M-event bulk
// import. A token not taken (the aggregate called by hand) is dropped
// once keptTokens newer ones are.
var gathered struct {
	mu   sync.Mutex
	next int64
	m    map[int64][]byte
}

const keptTokens = 64

func gatherToken(b []byte) int64 {
	gathered.mu.Lock()
	defer gathered.mu.Unlock()
	if gathered.m == nil {
		gathered.m = map[int64][]byte{}
	}
	gathered.next++
	gathered.m[gathered.next] = b
	delete(gathered.m, gathered.next-keptTokens)
	return gathered.next
}

func takeGathered(token int64) ([]byte, bool) {
	gathered.mu.Lock()
	defer gathered.mu.Unlock()
	b, ok := gathered.m[token]
	delete(gathered.m, token)
	return b, ok
}

func (p *propsBlob) Step(_ *sqlite.FunctionContext, args []driver.Value) error {
	if p.b == nil {
		p.b = getPropsBuffer()
	}
	for _, a := range args {
		var s []byte
		switch v := a.(type) {
		case string:
			s = []byte(v)
		case []byte:
			s = v
		}
		p.b = binary.AppendUvarint(p.b, uint64(len(s)))
		p.b = append(p.b, s...)
	}
	return nil
}

func (p *propsBlob) WindowInverse(*sqlite.FunctionContext, []driver.Value) error {
	return errors.New("spoor_chunk_props is not a window function")
}

// WindowValue hands the blob over to spoor_chunk_rows by a token.
func (p *propsBlob) WindowValue(*sqlite.FunctionContext) (driver.Value, error) {
	b := p.b
	p.b = nil
	return gatherToken(b), nil // its buffer comes back by chunkRowsCursor.release
}

func (p *propsBlob) Final(*sqlite.FunctionContext) {}

// chunkRowsModule is spoor_chunk_rows(first_id, n, users, events, times,
// dedup, props): the rows of one chunk, from its blobs.
type chunkRowsModule struct{}

// VolatileArgs hands Filter its blobs without a copy: it decodes the
// columns at once and copies only those the query reads later. A count
// over a 10M-event bulk import copied every property blob four times.
func (chunkRowsModule) VolatileArgs() bool { return true }

// The visible columns, then the hidden arguments.
const (
	colID = iota
	colUser
	colEvent
	colTime
	colProps
	colDedup
	chunkRowsArgs = 7
)

func (chunkRowsModule) Create(ctx vtab.Context, args []string) (vtab.Table, error) {
	return chunkRowsModule{}.Connect(ctx, args)
}

func (chunkRowsModule) Connect(ctx vtab.Context, _ []string) (vtab.Table, error) {
	err := ctx.Declare(`CREATE TABLE x(id, user_id, event_id, time, props, dedup,
		first_id HIDDEN, n HIDDEN, users HIDDEN, events HIDDEN, times HIDDEN, hashes HIDDEN, props_blob HIDDEN)`)
	return chunkRowsTable{}, err
}

type chunkRowsTable struct{}

// BestIndex takes the seven arguments as equality constraints on the
// hidden columns; without all of them the table cannot be read.
func (chunkRowsTable) BestIndex(info *vtab.IndexInfo) error {
	have := 0
	for i := range info.Constraints {
		c := &info.Constraints[i]
		arg := c.Column - (colDedup + 1)
		if arg < 0 || c.Op != vtab.OpEQ {
			continue
		}
		if !c.Usable {
			info.EstimatedCost = 1e300
			return nil
		}
		c.ArgIndex, c.Omit = arg, true
		have |= 1 << arg
	}
	if have != 1<<chunkRowsArgs-1 {
		return i18n.Errorf("spoor_chunk_rows needs its seven arguments")
	}
	info.EstimatedCost, info.EstimatedRows = 1e6, 1<<20
	// Filter decodes and keeps only the columns the query reads.
	info.IdxNum = int64(info.ColUsed & (1<<colUser | 1<<colEvent | 1<<colTime | 1<<colDedup | 1<<colProps))
	return nil
}

func (chunkRowsTable) Open() (vtab.Cursor, error) { return &chunkRowsCursor{}, nil }
func (chunkRowsTable) Disconnect() error          { return nil }
func (chunkRowsTable) Destroy() error             { return nil }

// chunkRowsCursor walks one chunk's decoded rows.
type chunkRowsCursor struct {
	first  int64
	n      int // rows
	row    int
	users  []int32
	events []int32
	times  []int64
	hashes []byte
	props  []byte     // the spoor_chunk_props blob, decoded on first use
	cols   *chunkCols // decoded props
	json   []byte
}

func (c *chunkRowsCursor) Filter(used int, _ string, vals []vtab.Value) error {
	if len(vals) != chunkRowsArgs {
		return errCorrupt
	}
	first, ok1 := vals[0].(int64)
	n64, ok2 := vals[1].(int64)
	blob := func(v vtab.Value) []byte {
		switch x := v.(type) {
		case []byte:
			return x
		case string:
			return []byte(x)
		}
		return nil
	}
	if !ok1 || !ok2 || n64 < 0 || n64 > 1<<31-1 {
		return errCorrupt
	}
	token, ok3 := vals[6].(int64)
	props, ok4 := takeGathered(token)
	if !ok3 || !ok4 {
		return i18n.Errorf("spoor_chunk_rows takes its properties from spoor_chunk_props")
	}
	c.release()
	n := int(n64)
	var err error
	*c = chunkRowsCursor{first: first, n: n, users: c.users[:0], events: c.events[:0], times: c.times[:0],
		hashes: c.hashes[:0], json: c.json, props: props}
	// Only the columns the query reads are decoded (a count reads none).
	if used&(1<<colUser) != 0 {
		if c.users, err = decodeSteps(c.users, blob(vals[2]), n); err != nil {
			return err
		}
	}
	if used&(1<<colEvent) != 0 {
		if c.events, err = decodeUvarints(c.events, blob(vals[3]), n); err != nil {
			return err
		}
	}
	if used&(1<<colTime) != 0 {
		if c.times, err = decodeSteps(c.times, blob(vals[4]), n); err != nil {
			return err
		}
	}
	// The hashes are not ours past this call: a copy, when they are read.
	if used&(1<<colDedup) != 0 {
		c.hashes = append(c.hashes[:0], blob(vals[5])...)
	}
	return nil
}

func (c *chunkRowsCursor) Next() error { c.row++; return nil }
func (c *chunkRowsCursor) Eof() bool   { return c.row >= c.n }

func (c *chunkRowsCursor) Column(col int) (vtab.Value, error) {
	i := c.row
	switch col {
	case colID:
		return c.first + int64(i), nil
	case colUser:
		return int64(c.users[i]), nil
	case colEvent:
		return int64(c.events[i]), nil
	case colTime:
		return c.times[i], nil
	case colDedup:
		if 8*i+8 > len(c.hashes) {
			return nil, nil
		}
		return int64(binary.LittleEndian.Uint64(c.hashes[8*i:])), nil
	case colProps:
		if c.cols == nil {
			cols, err := decodePropsBlob(c.props, c.n)
			if err != nil {
				return nil, err
			}
			c.cols = cols
		}
		if c.json = c.cols.json(c.json[:0], i); len(c.json) == 0 {
			return nil, nil
		}
		return string(c.json), nil
	}
	return nil, nil
}

func (c *chunkRowsCursor) Rowid() (int64, error) { return c.first + int64(c.row), nil }
func (c *chunkRowsCursor) Close() error          { c.release(); return nil }

// release returns the chunk's properties blob for the next chunk's use.
func (c *chunkRowsCursor) release() {
	if c.props != nil {
		putPropsBuffer(c.props)
		c.props = nil
	}
}

// decodePropsBlob reads a spoor_chunk_props blob of a chunk of n rows.
func decodePropsBlob(b []byte, n int) (*chunkCols, error) {
	next := func() ([]byte, error) {
		l, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < l {
			return nil, errCorrupt
		}
		s := b[k : k+int(l)]
		b = b[k+int(l):]
		return s, nil
	}
	var cols [][3][]byte
	for len(b) > 0 {
		var f [3][]byte
		for i := range f {
			var err error
			if f[i], err = next(); err != nil {
				return nil, err
			}
		}
		cols = append(cols, f)
	}
	// Keys in EncodeProps' canonical order, whatever order SQLite gathered
	// them in.
	sort.Slice(cols, func(i, j int) bool { return string(cols[i][0]) < string(cols[j][0]) })
	c := &chunkCols{}
	for _, f := range cols {
		if err := c.add(string(f[0]), f[1], f[2], n); err != nil {
			return nil, err
		}
	}
	return c, nil
}
