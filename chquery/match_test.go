package chquery

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/sequence"
)

// TestMatchMatchesLocal compares spoor match on random timelines with
// millisecond and equal times, conditions with filters, --where, ranges
// and DST zones, on one server and the 2-shard cluster, read whole and in
// parts. Persons come by id on ClickHouse, so the local list is sorted
// the same way first.
func TestMatchMatchesLocal(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(41))
	ctx := context.Background()
	zones := []string{"America/New_York", "Australia/Lord_Howe", "UTC"}
	ops := []string{"<", "<=", ">", ">=", "=="}
	conditions := []string{"a", "b", "c", "a where p = x", "b where p != y", "nosuch", "c where p in (x, y)"}
	parts := partsEvery(t)
	matched, tried := 0, 0
	for it := range runs(8, 3) {
		parts(it)
		loc, _ := time.LoadLocation(zones[rng.Intn(len(zones))])
		base := time.Date(2026, time.Month(3+rng.Intn(9)), 1, 0, 0, 0, 0, time.UTC).UnixMilli()
		var raw []query.RawEvent
		for u := range 1 + rng.Intn(15) {
			for range rng.Intn(25) {
				re := query.RawEvent{User: "u" + strconv.Itoa(u), Event: []string{"a", "b", "c", "x"}[rng.Intn(4)], Time: base + int64(rng.Intn(80))*int64([]int{1, 500, 3_600_000}[rng.Intn(3)])}
				if rng.Intn(2) == 0 {
					re.Props = map[string]string{"p": []string{"x", "y", ""}[rng.Intn(3)]}
				}
				raw = append(raw, re)
			}
		}
		b := f.load(raw, loc)
		for range 10 {
			var q sequence.Query
			for range 1 + rng.Intn(3) {
				q.Conditions = append(q.Conditions, conditions[rng.Intn(len(conditions))])
			}
			var pattern strings.Builder
			for i := range 1 + rng.Intn(4) {
				if i > 0 {
					switch rng.Intn(4) {
					case 0:
						pattern.WriteString(".*")
					case 1:
						pattern.WriteString(".")
					case 2:
						fmt.Fprintf(&pattern, "(?t%s%d)", ops[rng.Intn(len(ops))], rng.Intn(3)*[]int{1, 3600}[rng.Intn(2)])
					}
				}
				fmt.Fprintf(&pattern, "(?%d)", 1+rng.Intn(len(q.Conditions)))
			}
			q.Pattern = pattern.String()
			if rng.Intn(3) == 0 {
				q.Where = []string{"p != y"}
			}
			if rng.Intn(3) == 0 {
				from := time.UnixMilli(base).In(loc)
				q.From, q.To = from.Format("2006-01-02"), from.AddDate(0, 0, rng.Intn(3)).Format("2006-01-02")
			}
			want, werr := sequence.Run(ctx, b.local, q)
			if werr == nil {
				matched, tried = matched+want.Matched, tried+len(want.Users)
			}
			for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
				got, err := e.Match(ctx, q)
				if (err != nil) != (werr != nil) {
					t.Fatalf("%s: %+v: error %v, local error %v", name, q, err, werr)
				}
				if err != nil {
					continue
				}
				wj, _ := json.Marshal(want)
				gj, _ := json.Marshal(got)
				if string(wj) != string(gj) || !slices.Equal(got.Notes, want.Notes) {
					t.Fatalf("%s: %+v:\n got %s %v\nwant %s %v", name, q, gj, got.Notes, wj, want.Notes)
				}
				for i := range got.Users {
					if !slices.Equal(got.Users[i].Marks, want.Users[i].Marks) {
						t.Fatalf("%s: %+v: %s marks %v, local %v", name, q, got.Users[i].User, got.Users[i].Marks, want.Users[i].Marks)
					}
				}
			}
		}
	}
	if matched == 0 || matched == tried {
		t.Fatalf("%d of %d persons matched: the patterns tried too little", matched, tried)
	}
}
