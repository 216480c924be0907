package chquery

import (
	"context"
	"encoding/json"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
)

// TestChurnMatchesLocal compares churn risk with the local engine on
// random habits (daily, weekly, stopped, a single day) in DST zones, with
// ms and equal times, key events, other --tz zones, windows and scores.
func TestChurnMatchesLocal(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewSource(14))
	zones := []string{"America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Europe/London", "UTC"}
	datasets, queries := runs(6, 2), 6
	const day = int64(86_400_000)
	words, partEvents := maxDayWords, churnPartEvents
	t.Cleanup(func() { maxDayWords, churnPartEvents = words, partEvents })
	for it := 0; it < datasets; it++ {
		// Every other dataset, days as sets and the last event by argMax
		// (as past maxDayWords), else as bitmaps.
		maxDayWords = words * (it % 2)
		// Persons too long for personNumber in one dataset of three, so
		// read as text after its throwIf.
		prefix := []string{"u", "u", "person-"}[it%3]
		loc, _ := time.LoadLocation(zones[rng.Intn(len(zones))])
		base := time.Date(2026, time.Month(1+rng.Intn(8)), 1, 0, 0, 0, 0, loc).UnixMilli()
		// Names of distinct lengths, of lengths shared (lengthCode's
		// comparisons, one lifted by more than one), or too many shared
		// (transform).
		names := [][]string{{"open", "buy"}, {"open", "buy", "shop", "view", "tap"}, {"open", "buy", "shop", "view", "tap", "peek"}}[rng.Intn(3)]
		var raw []query.RawEvent
		for u := 0; u < 1+rng.Intn(40); u++ {
			every := []int64{1, 2, 7, 15}[rng.Intn(4)] * day
			tm := base + rng.Int63n(30*day)
			stop := base + rng.Int63n(120*day)
			for tm < stop && len(raw) < 4000 {
				raw = append(raw, query.RawEvent{User: prefix + strconv.Itoa(u), Event: names[rng.Intn(len(names))], Time: tm})
				tm += []int64{0, 1, every / 2, every, every, 2 * every}[rng.Intn(6)] + rng.Int63n(3_600_000)
			}
			// The last event is one of two at one instant: the storage
			// order says which.
			raw = append(raw, query.RawEvent{User: prefix + strconv.Itoa(u), Event: "open", Time: stop}, query.RawEvent{User: prefix + strconv.Itoa(u), Event: "buy", Time: stop})
		}
		raw = append(raw, query.RawEvent{User: "last", Event: "open", Time: base + 120*day})
		rng.Shuffle(len(raw), func(i, j int) { raw[i], raw[j] = raw[j], raw[i] })
		b := f.load(raw, loc)
		// Read in ranges of persons (churnParts) but in one dataset of
		// four.
		churnPartEvents = partEvents
		if it%4 != 3 {
			churnPartEvents = int64(len(raw)/4 + 1)
		}
		for qi := 0; qi < queries; qi++ {
			opt := segment.ChurnOptions{WindowDays: []int{0, 7, 14, 30}[rng.Intn(4)], BaselineDays: []int{0, 10, 56}[rng.Intn(3)],
				MinScore: []float64{0, 0.5, 0.8}[rng.Intn(3)], Top: []int{0, 5}[rng.Intn(2)]}
			if rng.Intn(2) == 0 {
				opt.KeyEvent = []string{"buy", "nope"}[rng.Intn(2)]
			}
			ctx := context.Background()
			var tz *time.Location
			if rng.Intn(3) == 0 {
				tz, _ = time.LoadLocation(zones[rng.Intn(len(zones))])
				ctx = segment.WithZone(ctx, tz)
			}
			want, werr := segment.Churn(ctx, b.local, opt)
			for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
				got, err := e.Churn(ctx, opt, tz)
				if (err != nil) != (werr != nil) {
					t.Fatalf("%s: %+v: error %v, local error %v", name, opt, err, werr)
				}
				wj, _ := json.Marshal(want)
				gj, _ := json.Marshal(got)
				if string(wj) != string(gj) {
					t.Fatalf("%s: %+v in %v:\n got %s\nwant %s", name, opt, tz, gj, wj)
				}
			}
		}
	}
}

// TestChurnRowsAfterFacts: rows stored after an engine read its facts,
// with a name the facts lack, make the unchecked read (exact facts) give
// way to a checked one: the answer is the local engine's over every row.
func TestChurnRowsAfterFacts(t *testing.T) {
	f := newFixture(t)
	const day = int64(86_400_000)
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	var raw []query.RawEvent
	for d := int64(0); d < 50; d++ {
		for _, u := range []string{"a", "b", "c"} {
			if d%int64(len(u)+int(u[0]-'a')) == 0 && (u != "a" || d < 40) {
				raw = append(raw, query.RawEvent{User: u, Event: []string{"open", "buy"}[d%2], Time: base + d*day + 3_600_000})
			}
		}
	}
	raw = append(raw, query.RawEvent{User: "last", Event: "open", Time: base + 60*day})
	b := f.load(raw, time.UTC)
	engines := map[string]*Engine{"single": fresh(b.single), "sharded": fresh(b.sharded)}
	for name, e := range engines {
		if _, err := e.data(context.Background()); err != nil {
			t.Fatal(err)
		}
		if e.cache.file == nil {
			t.Fatalf("%s: the facts were not read under a key", name)
		}
	}
	// a's last event, of a name of its own; within the facts' span, so
	// the windows are the same.
	f.add(b, []query.RawEvent{{User: "a", Event: "zap", Time: base + 45*day}})
	opt := segment.ChurnOptions{WindowDays: 7, BaselineDays: 28}
	want, err := segment.Churn(context.Background(), b.local, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Users) == 0 || want.Users[0].User != "a" || want.Users[0].LastKeyEvent != "zap" {
		t.Fatalf("local: %+v, want a first, last seen at zap", want.Users)
	}
	wj, _ := json.Marshal(want)
	for name, e := range engines {
		got, err := e.Churn(context.Background(), opt, nil)
		if err != nil {
			t.Fatal(err)
		}
		if gj, _ := json.Marshal(got); string(gj) != string(wj) {
			t.Fatalf("%s:\n got %s\nwant %s", name, gj, wj)
		}
	}
}

// TestLengthCode: each name gets a code of its own, 1 up: its length, or
// the next free code past it (hand-counted), and at most maxLengthTerms
// comparisons.
func TestLengthCode(t *testing.T) {
	sql, codes, ok := lengthCode("event", []string{"open", "buy", "shop", "view", "tap"})
	if !ok || !slices.Equal(codes, []int{4, 3, 5, 6, 7}) || sql != "length(event) + (event = 'shop') + (event = 'view') * 2 + (event = 'tap') * 4" {
		t.Fatalf("%v %q %v", ok, sql, codes)
	}
	if _, codes, ok := lengthCode("event", []string{"", "a"}); !ok || !slices.Equal(codes, []int{2, 1}) {
		t.Fatalf("%v %v", ok, codes)
	}
	if _, _, ok := lengthCode("event", []string{"aa", "bb", "cc", "dd", "ee"}); ok {
		t.Fatal("four comparisons allowed")
	}
}

// TestChurnLongPerson: a person of 256 bytes, whose length in a byte
// would read 0 and whose 8th byte is below 8, is told from the persons of
// up to 7 bytes: the answer is the local engine's.
func TestChurnLongPerson(t *testing.T) {
	f := newFixture(t)
	const day = int64(86_400_000)
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	var raw []query.RawEvent
	for _, u := range []string{"u1", strings.Repeat("\x01", 256)} {
		for d := int64(0); d < 40; d += 2 {
			raw = append(raw, query.RawEvent{User: u, Event: "open", Time: base + d*day})
		}
	}
	raw = append(raw, query.RawEvent{User: "last", Event: "open", Time: base + 60*day})
	b := f.load(raw, time.UTC)
	opt := segment.ChurnOptions{WindowDays: 7, BaselineDays: 28}
	want, err := segment.Churn(context.Background(), b.local, opt)
	if err != nil || len(want.Users) != 2 {
		t.Fatalf("local: %+v, %v: want both persons at risk", want, err)
	}
	wj, _ := json.Marshal(want)
	for name, e := range map[string]*Engine{"single": b.single, "sharded": b.sharded} {
		got, err := e.Churn(context.Background(), opt, nil)
		if err != nil {
			t.Fatal(err)
		}
		if gj, _ := json.Marshal(got); string(gj) != string(wj) {
			t.Fatalf("%s:\n got %s\nwant %s", name, gj, wj)
		}
	}
}
