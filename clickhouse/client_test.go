package clickhouse_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/clickhouse/chtest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

// open parses a URL of the test servers into a client.
func open(t *testing.T, raw string) *clickhouse.Client {
	t.Helper()
	src, err := clickhouse.ParseURL(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	return clickhouse.NewClient(src)
}

// nasty are values a --where may carry; each must compare literally.
var nasty = []string{
	"", "plain", "it's", `back\slash`, `\'`, `\`, `'; DROP TABLE events; --`, "tab\there", "new\nline",
	"cr\rlf", "nul\x00byte", "bell\x07", `\N`, "ünï€ode ✓", `"double"`, "`backquote`", "%_like", "\x7f", "[1,'2']",
}

func TestStringLiteralsCompareLiterally(t *testing.T) {
	c := chtest.Get(t)
	db := c.NewDatabase(t)
	cl := open(t, c.URL(0, db, "table=x"))
	ctx := context.Background()
	for _, s := range nasty {
		r, err := cl.Query(ctx, "SELECT "+clickhouse.String(s)+" AS v, length(v) AS n")
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if len(r.Rows) != 1 || r.Rows[0][0] != s || r.Rows[0][1] != itoa(len(s)) {
			t.Errorf("%q came back as %q", s, r.Rows)
		}
	}
	// Through a table: RowBinary data in, a quoted literal in WHERE, arrays.
	if err := cl.Exec(ctx, "CREATE TABLE "+clickhouse.Ident("we`ird\\name")+" (k UInt64, v String, a Array(String)) ENGINE = Memory"); err != nil {
		t.Fatal(err)
	}
	var data []byte
	for i, s := range nasty {
		data = clickhouse.AppendUInt64(data, uint64(i))
		data = clickhouse.AppendString(data, s)
		data = clickhouse.AppendStrings(data, []string{s, "x" + s})
	}
	if err := cl.Insert(ctx, "INSERT INTO "+clickhouse.Ident("we`ird\\name")+" FORMAT RowBinary", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	// And the same as TabSeparated, ids after the first lot.
	var tsv []byte
	for i, s := range nasty {
		tsv = strconv.AppendInt(tsv, int64(len(nasty)+i), 10)
		tsv = append(tsv, '\t')
		tsv = clickhouse.AppendTSV(tsv, s)
		tsv = append(tsv, '\t')
		tsv = clickhouse.AppendTSVArray(tsv, []string{s, "x" + s})
		tsv = append(tsv, '\n')
	}
	if err := cl.Insert(ctx, "INSERT INTO "+clickhouse.Ident("we`ird\\name")+" FORMAT TabSeparated", bytes.NewReader(tsv)); err != nil {
		t.Fatal(err)
	}
	for i, s := range nasty {
		r, err := cl.Query(ctx, "SELECT k, v, a FROM "+clickhouse.Ident("we`ird\\name")+" WHERE v = "+clickhouse.String(s)+" AND a[2] = "+clickhouse.String("x"+s)+" ORDER BY k")
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if len(r.Rows) != 2 || r.Rows[0][0] != itoa(i) || r.Rows[1][0] != itoa(len(nasty)+i) {
			t.Errorf("%q: rows %q", s, r.Rows)
			continue
		}
		for _, row := range r.Rows {
			a, err := clickhouse.ParseArray(row[2])
			if row[1] != s || err != nil || len(a) != 2 || a[0] != s || a[1] != "x"+s {
				t.Errorf("%q: read back as %q, array %q (%v)", s, row[1], a, err)
			}
		}
	}
	// Read back in RowBinary.
	rb, err := cl.QueryRowBinary(ctx, "SELECT k, v FROM "+clickhouse.Ident("we`ird\\name")+" WHERE k < "+itoa(len(nasty))+" ORDER BY k")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rb.More() {
		if k := rb.UInt64(); k != uint64(len(got)) {
			t.Errorf("RowBinary: key %d at row %d", k, len(got))
		}
		got = append(got, string(rb.Bytes()))
	}
	rb.Close()
	if rb.Err() != nil || strings.Join(got, "|") != strings.Join(nasty, "|") {
		t.Errorf("RowBinary read back %q (%v)", got, rb.Err())
	}
	// The table is still there: no value ended a statement.
	r, err := cl.Query(ctx, "SELECT count() FROM "+clickhouse.Ident("we`ird\\name"))
	if err != nil || r.Rows[0][0] != itoa(2*len(nasty)) {
		t.Errorf("count: %v %v", r, err)
	}
}

var itoa = strconv.Itoa

func TestErrors(t *testing.T) {
	c := chtest.Get(t)
	ctx := context.Background()
	db := c.NewDatabase(t)

	// A port nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	_, err = open(t, "clickhouse://"+closed+"/db?table=t").Query(ctx, "SELECT 1")
	want(t, err, "cannot reach ClickHouse at "+closed+": connection refused")

	// The native port instead of the HTTP port.
	_, err = open(t, "clickhouse://127.0.0.1:"+itoa(c.Servers[0].TCPPort)+"/db?table=t").Query(ctx, "SELECT 1")
	want(t, err, "native port, not its HTTP port")

	// Wrong password, and the right one with characters to escape.
	_, err = open(t, "clickhouse://"+chtest.User+":nope@"+c.Servers[0].HTTPAddr()+"/"+db+"?table=t").Query(ctx, "SELECT 1")
	want(t, err, `refused user "spoor": wrong user name or password`)
	if strings.Contains(err.Error(), "nope") {
		t.Errorf("the error shows the password: %v", err)
	}
	if !clickhouse.IsCode(err, clickhouse.CodeWrongPassword, clickhouse.CodeAuthFailed) {
		t.Errorf("not a wrong-password error: %#v", err)
	}
	if _, err := open(t, c.PasswordURL(0, db, "table=t")).Query(ctx, "SELECT 1"); err != nil {
		t.Errorf("the right password: %v", err)
	}

	// A missing table.
	_, err = open(t, c.URL(0, db, "table=t")).Query(ctx, "SELECT * FROM t")
	if !clickhouse.IsCode(err, clickhouse.CodeUnknownTable) {
		t.Errorf("missing table: %v", err)
	}

	// Over a limit the query sets.
	_, err = open(t, c.URL(0, db, "table=t")).With(clickhouse.Settings{"max_result_rows": "10"}).Query(ctx, "SELECT number FROM numbers(100000)")
	want(t, err, "went over ClickHouse's limits")

	// readonly=1 refuses writes on the server.
	err = open(t, c.URL(0, db, "table=t")).With(clickhouse.Settings{"readonly": "1"}).Exec(ctx, "CREATE TABLE t (a UInt8) ENGINE = Memory")
	if !clickhouse.IsCode(err, clickhouse.CodeReadonly) {
		t.Errorf("a write under readonly=1: %v", err)
	}
}

// RowBinary answers: a string longer than the reader's buffer, an error
// in the query (before any row, as the server finishes first), an answer
// read with the wrong types (cut short mid-row).
func TestRowBinary(t *testing.T) {
	c := chtest.Get(t)
	ctx := context.Background()
	cl := open(t, c.URL(0, c.NewDatabase(t), "table=t"))
	r, err := cl.QueryRowBinary(ctx, "SELECT number, arrayStringConcat(arrayResize([''], 300000 * number + 1, ''), 'x') FROM numbers(3)")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for ; r.More(); n++ {
		if k, s := r.UInt64(), r.Bytes(); k != uint64(n) || len(s) != 300000*n || strings.Trim(string(s), "x") != "" {
			t.Errorf("row %d: %d and %d bytes", n, k, len(s))
		}
	}
	r.Close()
	if n != 3 || r.Err() != nil {
		t.Errorf("%d rows, %v", n, r.Err())
	}
	_, err = cl.QueryRowBinary(ctx, "SELECT number, throwIf(number = 300000) FROM system.numbers LIMIT 500000")
	if !clickhouse.IsCode(err, 395) {
		t.Errorf("throwIf: %v", err)
	}
	r, err = cl.QueryRowBinary(ctx, "SELECT 'abc'")
	if err != nil {
		t.Fatal(err)
	}
	for r.More() {
		r.UInt64()
	}
	r.Close()
	want(t, r.Err(), "ended its answer in the middle of a row")
}

func want(t *testing.T, err error, text string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), text) {
		t.Errorf("got error %v, want one saying %q", err, text)
	}
}

// Cancelling a query's context stops it on the server, not only the
// request.
func TestCancelKillsQuery(t *testing.T) {
	c := chtest.Get(t)
	cl := open(t, c.URL(0, "default", "table=t"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := cl.Query(ctx, "SELECT count() FROM numbers(1000000000000) WHERE sipHash64(number) = 7")
		done <- err
	}()
	running := func() string {
		r, err := cl.Query(context.Background(), "SELECT count() FROM system.processes WHERE query LIKE '%numbers(1000000000000)%' AND query NOT LIKE '%system.processes%'")
		if err != nil {
			t.Fatal(err)
		}
		return r.Rows[0][0]
	}
	deadline := time.Now().Add(10 * time.Second)
	for running() != "1" {
		if time.Now().After(deadline) {
			t.Fatal("the query never showed in system.processes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled query returned %v", err)
	}
	for running() != "0" {
		if time.Now().After(deadline) {
			t.Fatal("the cancelled query still runs on the server")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestVersionAndCluster(t *testing.T) {
	c := chtest.Get(t)
	cl := open(t, c.URL(1, "default", "table=t"))
	v, err := cl.Version(context.Background())
	if err != nil || len(v) < 2 || v[0] < 18 {
		t.Fatalf("version %v %v", v, err)
	}
	r, err := cl.Query(context.Background(), "SELECT shard_num, port FROM system.clusters WHERE cluster = "+clickhouse.String(chtest.ClusterName)+" ORDER BY shard_num")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 2 || r.Rows[0][1] != itoa(c.Servers[0].TCPPort) || r.Rows[1][1] != itoa(c.Servers[1].TCPPort) {
		t.Errorf("cluster %q", r.Rows)
	}
}
