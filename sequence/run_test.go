package sequence

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

func timeline(t *testing.T, text string) *query.Dataset {
	t.Helper()
	var evs []query.RawEvent
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		tm, err := time.Parse("2006-01-02 15:04", f[2]+" "+f[3])
		if err != nil {
			t.Fatal(err)
		}
		e := query.RawEvent{User: f[0], Event: f[1], Time: tm.UnixMilli()}
		for _, kv := range f[4:] {
			k, v, _ := strings.Cut(kv, "=")
			e.Props = map[string]string{k: v}
		}
		evs = append(evs, e)
	}
	return query.NewDataset(evs, time.UTC)
}

// render is "user:match/count[times]" per listed user, times as HH:MM.
func render(r *Result) string {
	var out []string
	for _, u := range r.Users {
		var ts []string
		for _, s := range u.EventTimes {
			ts = append(ts, s[11:16])
		}
		m := "no"
		if u.Match {
			m = "yes"
		}
		out = append(out, u.User+":"+m+"/"+string(rune('0'+u.Count))+"["+strings.Join(ts, ",")+"]")
	}
	return strings.Join(out, " ")
}

// TestRunHandChecked: the example pattern over a small shop.
func TestRunHandChecked(t *testing.T) {
	d := timeline(t, `
u1 a 2026-03-02 10:00
u1 x 2026-03-02 10:10
u1 b 2026-03-02 10:30
u1 c 2026-03-02 11:00
u2 a 2026-03-02 10:00
u2 b 2026-03-02 10:30
u2 c 2026-03-02 12:00
u3 a 2026-03-02 10:00
u3 b 2026-03-02 10:10
u3 a 2026-03-02 10:20
u3 c 2026-03-02 10:30
u4 a 2026-03-02 10:00
u4 b 2026-03-02 10:01
u4 c 2026-03-02 10:02
u4 a 2026-03-02 10:03
u4 b 2026-03-02 10:04
u4 c 2026-03-02 10:05
u5 x 2026-03-02 10:00
u6 a 2026-03-05 10:00
u6 b 2026-03-05 10:01
u6 c 2026-03-05 10:02
u7 a 2026-03-02 10:00
u7 b 2026-03-02 10:01 plan=free
u7 c 2026-03-02 10:02`)
	ctx := context.Background()
	q := Query{Common: query.Common{From: "2026-03-01", To: "2026-03-03"}, Conditions: []string{"a", "b where plan != free", "c"}, Pattern: "(?1).*(?2)(?t<=3600)(?3)"}
	r, err := Run(ctx, d, q)
	if err != nil {
		t.Fatal(err)
	}
	// u1: x is no condition, dropped; c 30m after b. u2: c 90m after b
	// (partial a, b). u3: the second a sits between b and c, yet a time
	// condition lets the next atom try later events (ClickHouse retries
	// it one event on), so c matches. u4: twice.
	// u5: in scope, no condition event. u6: outside the range. u7: its b
	// fails the condition's filter, so it is dropped and a, c remain.
	want := "u1:yes/1[10:00,10:30,11:00] u2:no/0[10:00,10:30] u3:yes/1[10:00,10:10,10:30] u4:yes/2[10:00,10:01,10:02] u5:no/0[] u7:no/0[10:00]"
	if got := render(r); got != want || r.Matched != 3 {
		t.Errorf("got  %s (matched %d)\nwant %s (matched 3)", got, r.Matched, want)
	}
	b, _ := json.Marshal(r.Users[0])
	if string(b) != `{"user":"u1","match":true,"count":1,"event_times":["2026-03-02T10:00:00.000Z","2026-03-02T10:30:00.000Z","2026-03-02T11:00:00.000Z"]}` {
		t.Errorf("JSON %s", b)
	}

	// Without time conditions (the linear path): adjacent among the
	// condition events; --where drops events before matching.
	q = Query{Conditions: []string{"a", "b"}, Pattern: "(?1)(?2)", Common: query.Common{Where: []string{"plan != free"}}}
	if r, err = Run(ctx, d, q); err != nil {
		t.Fatal(err)
	}
	want = "u1:yes/1[10:00,10:30] u2:yes/1[10:00,10:30] u3:yes/1[10:00,10:10] u4:yes/2[10:00,10:01] u5:no/0[] u6:yes/1[10:00,10:01] u7:no/0[10:00]"
	if got := render(r); got != want {
		t.Errorf("(?1)(?2):\ngot  %s\nwant %s", got, want)
	}

	// A condition naming an event that never happens never matches.
	if r, err = Run(ctx, d, Query{Conditions: []string{"a", "zzz"}, Pattern: "(?1).*(?2)"}); err != nil {
		t.Fatal(err)
	}
	if r.Matched != 0 || len(r.Notes) != 1 || !strings.Contains(r.Notes[0], `"zzz"`) {
		t.Errorf("never-occurring condition: matched %d, notes %q", r.Matched, r.Notes)
	}
	if _, err := Run(ctx, d, Query{Conditions: []string{"a"}, Pattern: "(?2)"}); err == nil || !strings.Contains(err.Error(), "condition 2") {
		t.Errorf("pattern naming a missing condition: %v", err)
	}
}
