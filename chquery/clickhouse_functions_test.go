package chquery

import (
	"context"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/sequence"
)

// TestWindowFunnelMatchesServer compares the local engine's clickhouse
// semantics (query/funnel_clickhouse.go) with the server's own
// windowFunnel, default mode, on random data. The server installed here
// may be 18.16, whose windowFunnel has no options and orders entries of
// one instant differently from today's, so each row meets at most one
// condition and a person's events have distinct times (whole seconds,
// as DateTime holds them).
func TestWindowFunnelMatchesServer(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(21))
	ctx := context.Background()
	names := []string{"a", "b", "c", "d", "x"}
	for round := range 25 {
		var raw []query.RawEvent
		for u := range 1 + rng.Intn(8) {
			secs := rng.Perm(40)[:rng.Intn(14)]
			for _, s := range secs {
				raw = append(raw, query.RawEvent{User: "u" + strconv.Itoa(u), Event: names[rng.Intn(len(names))], Time: day0 + int64(s)*1000})
			}
		}
		for i, n := range names { // every step is a known event
			raw = append(raw, query.RawEvent{User: "names", Event: n, Time: day0 + int64(100+i)*1000})
		}
		b := f.load(raw, time.UTC)
		order := rng.Perm(4)[:1+rng.Intn(4)]
		var steps, conds []string
		for _, i := range order {
			steps = append(steps, names[i])
			conds = append(conds, "event = '"+names[i]+"'")
		}
		window := 1 + rng.Intn(15)
		r, err := b.local.Funnel(ctx, query.FunnelQuery{Steps: query.FunnelSteps(steps), Window: fmt.Sprintf("%ds", window), Semantics: query.SemClickHouse})
		if err != nil {
			t.Fatal(err)
		}
		sql := fmt.Sprintf("SELECT person, windowFunnel(%d)(toDateTime(intDiv(time, 1000)), %s) FROM %s GROUP BY person",
			window, strings.Join(conds, ", "), b.single.t.From)
		res, err := b.single.c.Query(ctx, sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		server := map[string]string{}
		for _, row := range res.Rows {
			server[row[0]] = row[1]
		}
		for u, id := range b.local.Users {
			if got := strconv.Itoa(int(r.Level[u]) + 1); server[id] != got {
				t.Fatalf("round %d, windowFunnel(%d)(%v), %s: local %s, server %s", round, window, steps, id, got, server[id])
			}
		}
	}
}

// TestSequenceMatchesServer compares package sequence with the server's
// sequenceMatch and sequenceCount on random patterns and data (distinct
// whole-second times: the server's sort leaves equal times in any order).
func TestSequenceMatchesServer(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(22))
	ctx := context.Background()
	names := []string{"a", "b", "c", "x"}
	ops := []string{"<", "<=", ">", ">="} // 18.16 has no ==
	for round := range 25 {
		var raw []query.RawEvent
		for u := range 1 + rng.Intn(8) {
			for _, s := range rng.Perm(30)[:rng.Intn(14)] {
				raw = append(raw, query.RawEvent{User: "u" + strconv.Itoa(u), Event: names[rng.Intn(len(names))], Time: day0 + int64(s)*1000})
			}
		}
		b := f.load(raw, time.UTC)
		conds := []string{"a", "b", "c"}[:2+rng.Intn(2)] // ClickHouse takes at least two
		var pattern strings.Builder
		for i := range 1 + rng.Intn(4) {
			if i > 0 {
				switch rng.Intn(3) {
				case 0:
					pattern.WriteString(".*")
				case 1:
					fmt.Fprintf(&pattern, "(?t%s%d)", ops[rng.Intn(len(ops))], rng.Intn(6))
				}
			}
			fmt.Fprintf(&pattern, "(?%d)", 1+rng.Intn(len(conds)))
		}
		r, err := sequence.Run(ctx, b.local, sequence.Query{Conditions: conds, Pattern: pattern.String()})
		if err != nil {
			t.Fatal(err)
		}
		var args []string
		for _, cd := range conds {
			args = append(args, "event = '"+cd+"'")
		}
		sql := fmt.Sprintf("SELECT person, sequenceMatch('%s')(toDateTime(intDiv(time, 1000)), %s), sequenceCount('%s')(toDateTime(intDiv(time, 1000)), %s) FROM %s GROUP BY person",
			pattern.String(), strings.Join(args, ", "), pattern.String(), strings.Join(args, ", "), b.single.t.From)
		res, err := b.single.c.Query(ctx, sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		server := map[string][2]string{}
		for _, row := range res.Rows {
			server[row[0]] = [2]string{row[1], row[2]}
		}
		for _, u := range r.Users {
			m := "0"
			if u.Match {
				m = "1"
			}
			if got := [2]string{m, strconv.Itoa(u.Count)}; server[u.User] != got {
				t.Fatalf("round %d, pattern %s over %v, %s: local match %s count %s, server %v", round, pattern.String(), conds, u.User, got[0], got[1], server[u.User])
			}
		}
	}
}
