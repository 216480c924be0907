package clickhouse_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/spoorhq/spoor/clickhouse"
)

// fakeServer answers each query with the next of answers: a string is an
// exception body (HTTP 500), nil a one-row result.
func fakeServer(t *testing.T, answers ...*string) (url string, calls *int32) {
	calls = new(int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(atomic.AddInt32(calls, 1)) - 1
		if n < len(answers) && answers[n] != nil {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, *answers[n])
			return
		}
		fmt.Fprint(w, "x\nUInt8\n1\n")
	}))
	t.Cleanup(srv.Close)
	return "clickhouse://" + strings.TrimPrefix(srv.URL, "http://") + "/db?table=t", calls
}

func TestReadRetriesTransientShardFailure(t *testing.T) {
	netErr := "Code: 101, e.displayText() = DB::NetException: Unexpected packet Data received from client, e.what() = DB::NetException"
	url, calls := fakeServer(t, &netErr)
	r, err := open(t, url).Query(context.Background(), "SELECT 1 AS x")
	if err != nil || len(r.Rows) != 1 || r.Rows[0][0] != "1" || *calls != 2 {
		t.Fatalf("after one dropped shard connection: %v, %v, %d calls; want the row on the second call", r, err, *calls)
	}

	url, calls = fakeServer(t, &netErr, &netErr, &netErr, &netErr)
	if _, err := open(t, url).Query(context.Background(), "SELECT 1 AS x"); err == nil || *calls != 3 {
		t.Fatalf("a failure that stays: %v after %d calls; want the error after 3", err, *calls)
	}

	syntax := "Code: 62, e.displayText() = DB::Exception: Syntax error"
	url, calls = fakeServer(t, &syntax)
	if _, err := open(t, url).Query(context.Background(), "SELEC 1"); err == nil || *calls != 1 {
		t.Fatalf("a syntax error is not asked again: %v after %d calls", err, *calls)
	}
}

// TestUntuneAtOnce: for a user whose profile may change no setting,
// tuned queries sent at once by clients made from one (a cluster's
// shards) are each refused, and each is sent again without the tuning,
// though another one's refusal left the tuning out meanwhile.
func TestUntuneAtOnce(t *testing.T) {
	const n = 4
	var arrived sync.WaitGroup
	arrived.Add(n)
	var tuned atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("max_threads") != "" {
			if tuned.Add(1) <= n {
				// Every query is sent before any is refused.
				arrived.Done()
				arrived.Wait()
			}
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, "Code: 164, e.displayText() = DB::Exception: Cannot override setting (max_threads) in readonly mode, e.what() = DB::Exception")
			return
		}
		fmt.Fprint(w, "x\nUInt8\n1\n")
	}))
	t.Cleanup(srv.Close)
	addr := strings.TrimPrefix(srv.URL, "http://")
	c := open(t, "clickhouse://"+addr+"/db?table=t").Tune(clickhouse.Settings{"max_threads": "1"})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { _, errs[i] = c.At(addr).Query(context.Background(), "SELECT 1 AS x") })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("query %d: %v", i, err)
		}
	}
	if got := tuned.Load(); got != n {
		t.Errorf("%d queries sent with the tuning, want %d", got, n)
	}
}

// closingServer answers the first request on each connection and closes
// the connection on reading the second, unanswered: a server whose
// keep_alive_timeout ran out just as a request was sent on its idle
// connection. It returns the URL and the requests read.
func closingServer(t *testing.T) (url string, reads *int32) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	reads = new(int32)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				for i := 0; ; i++ {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					io.Copy(io.Discard, req.Body)
					atomic.AddInt32(reads, 1)
					if i == 1 {
						return
					}
					body := "x\nUInt8\n1\n"
					fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
				}
			}()
		}
	}()
	return "clickhouse://" + ln.Addr().String() + "/db?table=t", reads
}

// TestReadSentAgainOnClosedIdleConnection: a read sent on a kept-alive
// connection the server closes on receiving it is sent again on a new
// connection and answered; a statement that may write is not (it may have
// run), and says what failed.
func TestReadSentAgainOnClosedIdleConnection(t *testing.T) {
	url, reads := closingServer(t)
	c := open(t, url)
	ctx := context.Background()
	for i := range 3 {
		r, err := c.Query(ctx, "SELECT 1 AS x")
		if err != nil || len(r.Rows) != 1 || r.Rows[0][0] != "1" {
			t.Fatalf("read %d: %v, %v; want the row", i, r, err)
		}
	}
	// Connection 1 answers read 1 and drops read 2, sent again on
	// connection 2, which drops read 3, sent again on connection 3.
	if got := atomic.LoadInt32(reads); got != 5 {
		t.Fatalf("the server read %d requests, want 5", got)
	}

	url, _ = closingServer(t)
	c = open(t, url)
	if err := c.Exec(ctx, "CREATE TABLE t (x UInt8) ENGINE = Memory"); err != nil {
		t.Fatalf("the first statement: %v", err)
	}
	if err := c.Exec(ctx, "INSERT INTO t SELECT 1"); err == nil {
		t.Fatal("a statement the server dropped unanswered succeeded; want an error, not a second run")
	}
}
