package segment

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"math/rand"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// encoderJSON is what --format json wrote for v before WriteJSON: the
// reflecting encoder, indented by two spaces, HTML left as it is.
func encoderJSON(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// jsonText is a random text with every kind of character the encoder
// escapes or copies: quotes, backslashes, controls, HTML, invalid UTF-8,
// U+2028, non-ASCII.
func jsonText(rng *rand.Rand) string {
	parts := []string{"u", "user-42", `"`, `\`, "\n", "\t", "\x00", "\x1f", "\x7f", "<", ">", "&", "\u2028", "\u2029", "中文", "é", "\xff", "\xe4\xb8", " ", "😀"}
	var b strings.Builder
	for range rng.Intn(5) {
		b.WriteString(parts[rng.Intn(len(parts))])
	}
	return b.String()
}

// jsonFloat is a random float of every form the encoder writes: zero and
// negative zero, integers, shortest decimals, exponents below 1e-6 and
// from 1e21.
func jsonFloat(rng *rand.Rand) float64 {
	switch rng.Intn(8) {
	case 0:
		return 0
	case 1:
		return math.Copysign(0, -1)
	case 2:
		return float64(rng.Intn(100))
	case 3:
		return rng.Float64() * 1e-7
	case 4:
		return -rng.Float64() * 1e-9
	case 5:
		return rng.Float64() * 1e22
	case 6:
		return 1e21
	}
	return rng.NormFloat64() * 10
}

// WriteJSON writes the bytes the reflecting encoder writes, for random
// reports: no users, an empty list, users with and without a usual gap,
// with nil, empty and several signals, signals shared with an earlier
// user or its first signal alone (the same first element, a shorter
// list: WriteJSON writes a list it wrote again as a copy), texts the
// encoder escapes, and floats in every form; through output.Write too,
// as --format json writes.
func TestChurnWriteJSONSameAsEncoder(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for it := range 400 {
		r := &ChurnReport{WindowDays: rng.Intn(30), BaselineDays: -rng.Intn(3), MinScore: jsonFloat(rng), Eligible: rng.Intn(1 << 20), TooLittleHistory: rng.Intn(9), AtRisk: rng.Intn(5)}
		switch rng.Intn(4) {
		case 0:
		case 1:
			r.Users = []ChurnUser{}
		default:
			r.Users = make([]ChurnUser, rng.Intn(1500)) // past output's element-wise length too
		}
		for i := range r.Users {
			u := ChurnUser{User: jsonText(rng), Score: jsonFloat(rng), DaysSinceLastSeen: rng.Intn(100) - 3, RecentEvents: rng.Intn(50), BaselineEvents: rng.Intn(1 << 40),
				ActivityRatio: jsonFloat(rng), ActiveDays: rng.Intn(60), ExpectedGapDays: jsonFloat(rng), GapsOverdue: jsonFloat(rng), LastKeyEvent: jsonText(rng), LastKeyEventTime: jsonText(rng)}
			if rng.Intn(3) > 0 {
				g := jsonFloat(rng)
				u.UsualGapDays = &g
			}
			switch rng.Intn(6) {
			case 0:
			case 1:
				u.Signals = []string{}
			case 2:
				if i > 0 {
					u.Signals = r.Users[rng.Intn(i)].Signals
				}
			case 3:
				if i > 0 {
					if s := r.Users[rng.Intn(i)].Signals; len(s) > 0 {
						u.Signals = s[:1]
					}
				}
			default:
				for range 1 + rng.Intn(3) {
					u.Signals = append(u.Signals, jsonText(rng))
				}
			}
			r.Users[i] = u
		}
		want := encoderJSON(t, r)
		var got bytes.Buffer
		if done, err := r.WriteJSON(&got); !done || err != nil || !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("report %d: done %v, %v\ngot  %.400q\nwant %.400q", it, done, err, got.Bytes(), want)
		}
		got.Reset()
		if err := output.Write(&got, "json", r); err != nil || !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("report %d through output.Write: %v", it, err)
		}
	}
}

// A number JSON has no form for is left to the encoder, which reports
// it: nothing is written.
func TestChurnWriteJSONNaN(t *testing.T) {
	for _, r := range []*ChurnReport{
		{MinScore: math.NaN()},
		{Users: []ChurnUser{{User: "a"}, {User: "b", ActivityRatio: math.Inf(1)}}},
		{Users: []ChurnUser{{User: "a", UsualGapDays: new(math.NaN())}}},
	} {
		var b bytes.Buffer
		if done, err := r.WriteJSON(&b); done || err != nil || b.Len() > 0 {
			t.Errorf("%+v: done %v, %v, wrote %q", r, done, err, b.Bytes())
		}
		if err := output.Write(&b, "json", r); err == nil || b.Len() > 0 {
			t.Errorf("%+v through output.Write: %v, wrote %q", r, err, b.Bytes())
		}
	}
}

// A real report, scored from events (signals shared by users, key
// events, times), written both ways.
func TestChurnWriteJSONScored(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	start := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC).UnixMilli()
	var evs []query.RawEvent
	for u := range 3000 {
		user := jsonText(rng) + string(rune('a'+u%26)) + strings.Repeat("x", u/26)
		at := start + rng.Int63n(40*86_400_000)
		for range 2 + rng.Intn(12) {
			evs = append(evs, query.RawEvent{User: user, Event: []string{"view", "buy", `"odd"`}[rng.Intn(3)], Time: at})
			at += rng.Int63n(9 * 86_400_000)
		}
	}
	evs = append(evs, query.RawEvent{User: "last", Event: "view", Time: start + 120*86_400_000})
	rep, err := Churn(context.Background(), query.NewDataset(evs, time.UTC), ChurnOptions{MinScore: 0.2})
	if err != nil || len(rep.Users) < 1024 {
		t.Fatalf("%d users at risk, %v: the list should be long enough for output's element-wise writer", len(rep.Users), err)
	}
	var got bytes.Buffer
	if done, err := rep.WriteJSON(&got); !done || err != nil || !bytes.Equal(got.Bytes(), encoderJSON(t, rep)) {
		t.Fatalf("written %d bytes (%v, %v), the encoder %d", got.Len(), done, err, len(encoderJSON(t, rep)))
	}
}

// BenchmarkChurnWriteJSON writes a list of 92,121 users (10M events'),
// with its CPU per write (the machine is shared: wall time says little).
// Its users share numbers and lists of signals as that report's do: each
// float one of about 1,400 values, the signals one of 1,824 lists.
func BenchmarkChurnWriteJSON(b *testing.B) {
	rng := rand.New(rand.NewSource(7))
	r := &ChurnReport{Users: make([]ChurnUser, 92_121)}
	gaps := make([]float64, 27)
	for i := range gaps {
		gaps[i] = float64(1+i) / 2
	}
	lists := make([][]string, 1_824)
	for i := range lists {
		lists[i] = []string{"silent " + strconv.Itoa(i) + "d, expected gap 1.3d: 10.7 gaps overdue", "activity fell 100%"}
	}
	value := func() float64 { return float64(rng.Intn(1_400)) / 1_401 }
	for i := range r.Users {
		r.Users[i] = ChurnUser{User: "u" + strconv.Itoa(rng.Intn(1e6)), Score: value(), DaysSinceLastSeen: rng.Intn(60), RecentEvents: rng.Intn(9), BaselineEvents: rng.Intn(90),
			ActivityRatio: value(), UsualGapDays: &gaps[rng.Intn(len(gaps))], ActiveDays: rng.Intn(40), ExpectedGapDays: value() * 9, GapsOverdue: value() * 4,
			LastKeyEvent: "view_item", LastKeyEventTime: "2026-06-01T12:34:" + strconv.Itoa(10+rng.Intn(50)) + "Z", Signals: lists[rng.Intn(len(lists))]}
	}
	var u0, u1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &u0)
	for b.Loop() {
		r.WriteJSON(io.Discard)
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &u1)
	cpu := time.Duration(u1.Utime.Nano() + u1.Stime.Nano() - u0.Utime.Nano() - u0.Stime.Nano())
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
}
