package clickhouse_test

import (
	"context"
	"fmt"
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
