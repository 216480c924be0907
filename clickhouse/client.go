package clickhouse

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spoorhq/spoor/i18n"
)

// Client runs queries on one server's HTTP interface. Each query has its own
// query_id; cancelling its context closes the request and kills the query
// on the server (KILL QUERY), since ClickHouse 18.16 keeps running a query
// whose client went away until it next writes.
type Client struct {
	src      *Source
	addr     string // HOST:PORT queried: the source's, or a shard's
	database string // the default database of queries
	http     *http.Client
	settings url.Values
	// tuning are settings that only make queries faster or larger
	// (Tune); a user whose profile is readonly=1 may change no setting,
	// so once the server refuses them they are left out (untuned, shared
	// by every client made from this one).
	tuning  url.Values
	untuned *atomic.Bool
}

// Settings are ClickHouse settings (max_execution_time, readonly, ...)
// sent as URL parameters with a query.
type Settings map[string]string

// NewClient makes a client for the source's server. It connects nothing
// until the first query.
func NewClient(src *Source) *Client {
	return &Client{
		src:      src,
		addr:     src.Addr(),
		database: src.Database,
		http: &http.Client{Transport: &http.Transport{
			Proxy:               nil, // a loopback or LAN server is reached directly
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 8,
			// Below the server's keep_alive_timeout (3 s in the Debian
			// package's config, 10 s unset): a query sent on a connection
			// the server is closing at that moment fails with EOF.
			IdleConnTimeout: 2 * time.Second,
		}},
		settings: url.Values{},
		tuning:   url.Values{},
		untuned:  &atomic.Bool{},
	}
}

// Source is the data source the client was made for.
func (c *Client) Source() *Source { return c.src }

// Addr is the HOST:PORT the client queries.
func (c *Client) Addr() string { return c.addr }

// With returns a client sending settings with every query, on top of c's.
func (c *Client) With(s Settings) *Client {
	d := *c
	d.settings = overlay(c.settings, s)
	return &d
}

// Tune returns a client sending settings that only tune its queries
// (max_threads, max_query_size, ...) with every query, on top of c's:
// unlike With's, they are dropped for a user whose profile forbids
// changing settings, and the queries run without them.
func (c *Client) Tune(s Settings) *Client {
	d := *c
	d.tuning = overlay(c.tuning, s)
	return &d
}

// overlay returns a copy of base with s set on top (base is shared by
// the clients made from one another, so it is never changed).
func overlay(base url.Values, s Settings) url.Values {
	out := url.Values{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range s {
		out.Set(k, v)
	}
	return out
}

// settingsRefused reports whether err is the server refusing to change a
// setting for a user whose profile is readonly=1 (18.16: "Cannot
// override setting (max_threads) in readonly mode"; later: "Cannot modify
// 'max_threads' setting in readonly mode").
func settingsRefused(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == CodeReadonly && (strings.Contains(e.Message, "Cannot override setting") || strings.Contains(e.Message, "Cannot modify"))
}

// untune reports whether a query sent with the tuning settings (tuned)
// that failed with err should be sent again without them, and from then
// on leaves them out. Whether another query left them out meanwhile does
// not matter: queries sent at once with them (a cluster's shards, each
// by a client made from one) are each refused, and each is sent again.
func (c *Client) untune(tuned bool, err error) bool {
	if !tuned || len(c.tuning) == 0 || !settingsRefused(err) {
		return false
	}
	c.untuned.Store(true)
	return true
}

// InDatabase returns a client whose queries default to database name: for
// statements such as CREATE DATABASE that run before the source's database
// exists.
func (c *Client) InDatabase(name string) *Client {
	d := *c
	d.database = name
	return &d
}

// At returns a client for another server (a shard) with the same user,
// password and settings.
func (c *Client) At(addr string) *Client {
	d := *c
	d.addr = addr
	return &d
}

// Result is a query's answer as text: ClickHouse's TabSeparated values
// unescaped. A NULL reads as `\N` (wrap nullable columns in ifNull where
// that matters).
type Result struct {
	Names []string
	Types []string
	Rows  [][]string
}

// Query runs a query and returns all its rows. Use Each for results too
// large to hold.
func (c *Client) Query(ctx context.Context, q string) (*Result, error) {
	r := &Result{}
	names, types, err := c.Each(ctx, q, func(row []string) error {
		r.Rows = append(r.Rows, row)
		return nil
	})
	r.Names, r.Types = names, types
	return r, err
}

// Each runs a query and calls fn with each row as it arrives (the slice is
// fn's to keep). The server finishes the query before it sends the first
// row (wait_end_of_query), so an error in the middle of a query is an error
// here, never a truncated answer.
func (c *Client) Each(ctx context.Context, q string, fn func(row []string) error) (names, types []string, err error) {
	return c.EachHeader(ctx, q, nil, fn)
}

// EachHeader is Each that also calls header, when set, with the columns'
// names and types before the first row.
func (c *Client) EachHeader(ctx context.Context, q string, header func(names, types []string) error, fn func(row []string) error) (names, types []string, err error) {
	body, done, err := c.send(ctx, q, "TabSeparatedWithNamesAndTypes")
	if err != nil {
		return nil, nil, err
	}
	defer done()
	br := bufio.NewReaderSize(body, 64<<10)
	line := 0
	var slab []string
	for {
		text, rerr := br.ReadString('\n')
		if rerr == io.EOF && text == "" {
			break
		}
		if rerr != nil && rerr != io.EOF {
			return names, types, c.netError(ctx, rerr)
		}
		var row []string
		row, slab = splitTabs(strings.TrimSuffix(text, "\n"), slab)
		switch line {
		case 0:
			names = unescapeRow(row, nil)
		case 1:
			types = unescapeRow(row, nil)
			if header != nil {
				if err := header(names, types); err != nil {
					return names, types, err
				}
			}
		default:
			unescapeRow(row, types)
			if err := fn(row); err != nil {
				return names, types, err
			}
		}
		line++
	}
	if line < 2 {
		return names, types, i18n.Errorf("ClickHouse at %s sent no column header for the query", c.addr)
	}
	return names, types, nil
}

// send runs a query whose answer comes in format, the whole of it once
// the server has finished (wait_end_of_query): again without the tuning
// settings when the user may not change them, and up to twice more when
// it failed between shards.
func (c *Client) send(ctx context.Context, q, format string) (io.Reader, func(), error) {
	tuned := !c.untuned.Load()
	body, done, err := c.do(ctx, q, true, nil, url.Values{"wait_end_of_query": {"1"}}, format)
	if c.untune(tuned, err) {
		body, done, err = c.do(ctx, q, true, nil, url.Values{"wait_end_of_query": {"1"}}, format)
	}
	for retry := 0; retry < 2 && transient(err) && ctx.Err() == nil; retry++ {
		// A read that failed between shards sent no row (the server
		// finishes before it sends), so asking again is safe.
		body, done, err = c.do(ctx, q, true, nil, url.Values{"wait_end_of_query": {"1"}}, format)
	}
	return body, done, err
}

// splitTabs splits a line at its tabs into a row cut from slab, a block
// of strings shared by many rows (one allocation per row was a fifth of a
// funnel's client CPU at 590,000 persons), and returns the rest of slab.
// The row's capacity is its length, so appending to it copies.
func splitTabs(line string, slab []string) (row, rest []string) {
	n := strings.Count(line, "\t") + 1
	if len(slab) < n {
		slab = make([]string, max(n, 1024))
	}
	row = slab[:n:n]
	for i := range n - 1 {
		j := strings.IndexByte(line, '\t')
		row[i], line = line[:j], line[j+1:]
	}
	row[n-1] = line
	return row, slab[n:]
}

// Exec runs a statement that returns no rows (DDL, INSERT ... SELECT).
func (c *Client) Exec(ctx context.Context, q string) error {
	tuned := !c.untuned.Load()
	body, done, err := c.do(ctx, q, false, nil, url.Values{"wait_end_of_query": {"1"}}, "")
	if c.untune(tuned, err) {
		body, done, err = c.do(ctx, q, false, nil, url.Values{"wait_end_of_query": {"1"}}, "")
	}
	if err != nil {
		return err
	}
	defer done()
	_, err = io.Copy(io.Discard, body)
	return err
}

// Insert runs an INSERT whose rows are data, in the format the statement
// names (INSERT INTO t (a, b) FORMAT TabSeparated).
func (c *Client) Insert(ctx context.Context, q string, data io.Reader) error {
	body, done, err := c.do(ctx, q, false, data, nil, "")
	if err != nil {
		return err
	}
	defer done()
	_, err = io.Copy(io.Discard, body)
	return err
}

// do sends one query. The query text goes in the body, or in the query
// parameter when the body carries data; read says it only reads. On success the caller reads body
// and calls done; when ctx ends first the query is killed on the server.
func (c *Client) do(ctx context.Context, q string, read bool, data io.Reader, extra url.Values, format string) (io.Reader, func(), error) {
	id := newQueryID()
	params := url.Values{"database": {c.database}, "query_id": {id}}
	if !c.untuned.Load() {
		for k, v := range c.tuning {
			params[k] = v
		}
	}
	for k, v := range c.settings {
		params[k] = v
	}
	for k, v := range extra {
		params[k] = v
	}
	if format != "" {
		params.Set("default_format", format)
	}
	var reqBody io.Reader = strings.NewReader(q)
	if data != nil {
		params.Set("query", q)
		reqBody = data
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+c.addr+"/?"+params.Encode(), reqBody)
	if err != nil {
		return nil, nil, err
	}
	req.SetBasicAuth(c.src.User, c.src.password)
	if read {
		// A read may be sent again: on a kept-alive connection the server
		// closed just as the request went out (its keep_alive_timeout, a
		// proxy's idle limit) the transport then retries on a new one
		// instead of failing. The key marks it so and is not sent.
		req.Header["X-Idempotency-Key"] = nil
	}
	// Cancelling ctx closes the connection; the server learns of it only
	// when it writes, so the query is also killed by its id.
	stop := context.AfterFunc(ctx, func() { c.kill(id) })
	resp, err := c.http.Do(req)
	if err != nil {
		stop()
		return nil, nil, c.netError(ctx, err)
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		stop()
		return nil, nil, c.serverError(resp.StatusCode, string(msg))
	}
	return resp.Body, func() { resp.Body.Close(); stop() }, nil
}

// kill asks the server to stop a query whose client gave up. It has its own
// short deadline: the caller's context has already ended.
func (c *Client) kill(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d := *c
	d.settings, d.tuning = url.Values{}, url.Values{} // a readonly=1 setting must not stop the kill
	if body, done, err := d.do(ctx, "KILL QUERY WHERE query_id = "+String(id)+" ASYNC", false, nil, nil, ""); err == nil {
		io.Copy(io.Discard, body)
		done()
	}
}

func newQueryID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "spoor-" + hex.EncodeToString(b)
}

// Version is the server's version, e.g. [18 16 1].
func (c *Client) Version(ctx context.Context) ([]int, error) {
	r, err := c.Query(ctx, "SELECT version()")
	if err != nil {
		return nil, err
	}
	if len(r.Rows) != 1 {
		return nil, i18n.Errorf("ClickHouse at %s did not say its version", c.addr)
	}
	var v []int
	for _, p := range strings.Split(r.Rows[0][0], ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			break
		}
		v = append(v, n)
	}
	return v, nil
}

// unescapeRow unescapes a TabSeparated row's fields in place. Fields of
// array and tuple types stay as written (their elements are quoted
// literals, read by ParseArray).
func unescapeRow(fields, types []string) []string {
	for i, f := range fields {
		if strings.IndexByte(f, '\\') < 0 {
			continue
		}
		if i < len(types) && compound(types[i]) {
			continue
		}
		fields[i] = unescapeTSV(f)
	}
	return fields
}

func compound(typ string) bool {
	typ = strings.TrimPrefix(typ, "Nullable(")
	return strings.HasPrefix(typ, "Array(") || strings.HasPrefix(typ, "Tuple(") || strings.HasPrefix(typ, "Map(")
}

func unescapeTSV(s string) string {
	if s == `\N` {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '0':
			b.WriteByte(0)
		default: // \\ \' and any other escaped byte stand for themselves
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// AppendTSV appends s escaped as a TabSeparated field, for Insert's data.
func AppendTSV(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case 0:
			dst = append(dst, '\\', '0')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// AppendTSVArray appends ss as a TabSeparated Array(String) field: each
// element a quoted literal, which has no tab or newline left to escape.
func AppendTSVArray(dst []byte, ss []string) []byte {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, String(s)...)
	}
	return append(dst, ']')
}

// ParseArray reads an Array(String) or numeric array field of a result,
// e.g. ['a','b\'c'] or [1,2], into its elements. An array of tuples,
// [('k','v'),('k2','v2')], reads flattened: k, v, k2, v2.
func ParseArray(s string) ([]string, error) {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, i18n.Errorf("not an array: %.40q", s)
	}
	s = s[1 : len(s)-1]
	var out []string
	for len(s) > 0 {
		for len(s) > 0 && s[0] == '(' {
			s = s[1:]
		}
		if len(s) == 0 {
			break
		}
		if s[0] == '\'' {
			var b strings.Builder
			i := 1
			for ; i < len(s) && s[i] != '\''; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
					if s[i] == 'x' && i+2 < len(s) {
						if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
							b.WriteByte(byte(v))
							i += 2
							continue
						}
					}
					b.WriteString(unescapeTSV("\\" + s[i:i+1]))
					continue
				}
				b.WriteByte(s[i])
			}
			if i == len(s) {
				return nil, i18n.Errorf("unterminated string in array")
			}
			out = append(out, b.String())
			s = s[i+1:]
		} else {
			j := strings.IndexAny(s, ",)")
			if j < 0 {
				j = len(s)
			}
			out = append(out, s[:j])
			s = s[j:]
		}
		for len(s) > 0 && s[0] == ')' {
			s = s[1:]
		}
		if len(s) > 0 {
			if s[0] != ',' {
				return nil, i18n.Errorf("unexpected %q in array", s[0])
			}
			s = s[1:]
		}
	}
	return out, nil
}
