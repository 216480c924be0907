package importers

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Random events written with encoding/csv (quoting commas, quotes, line
// breaks, CJK) and as JSON Lines come back exactly as a naive reference
// says: same user, name, time, and properties typed by a regular
// expression rather than the hand-written scanner.
func TestRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	plainNumber := regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?$`)
	refCell := func(s string) any {
		digits := strings.Count(s, "") - 1 - strings.Count(s, "-") - strings.Count(s, ".")
		if plainNumber.MatchString(s) && digits <= 15 {
			return json.Number(s)
		}
		return s
	}
	pieces := []string{"a", "Z", ",", `"`, "\n", "\r\n", " ", "中文", "😀", "0", "7", "-", ".", "1234567890123456789", "NA", "<&>", "\\", ";", "\t"}
	word := func(min int) string {
		var b strings.Builder
		for n := min + rng.Intn(4); n > 0; n-- {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		return b.String()
	}
	idOK := func(s string) bool { return !missing(s) && strings.TrimSpace(s) != "" }
	for trial := 0; trial < 30; trial++ {
		cols := []string{"user_id", "event", "time", "p1", "p2", "p3"}
		var sb strings.Builder
		w := csv.NewWriter(&sb)
		w.Write(cols)
		var jl strings.Builder
		type ref struct {
			user, name string
			ms         int64
			props      string
		}
		var want []ref
		for i := 0; i < 50; i++ {
			user, name := word(1), word(1)
			if !idOK(user) || strings.TrimSpace(name) != name || name == "" || strings.ContainsAny(user+name, "\r") {
				continue
			}
			ms := 946684800000 + rng.Int63n(3e12) // 2000..2095
			ts := time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
			if rng.Intn(2) == 0 {
				ts = fmt.Sprint(ms)
			}
			rec := []string{user, name, ts}
			props := map[string]any{}
			jprops := map[string]any{"user_id": user, "event": name, "time": ts}
			for _, k := range cols[3:] {
				v := word(0)
				if strings.Contains(v, "\r") {
					v = strings.ReplaceAll(v, "\r", "")
				}
				rec = append(rec, v)
				if v != "" {
					props[k] = refCell(v)
				}
				jprops[k] = v
			}
			w.Write(rec)
			b, _ := json.Marshal(jprops)
			jl.Write(b)
			jl.WriteString("\n")
			pj, _ := json.Marshal(props)
			want = append(want, ref{user, name, ms, string(pj)})
		}
		w.Flush()
		db := newDB(t)
		res := mustImport(t, db, writeFile(t, "rt.csv", sb.String()), Options{Format: "csv"})
		if res.Rejected != 0 {
			t.Fatalf("trial %d: rejected %v %+v", trial, res.Reasons, res.Examples)
		}
		got := stored(t, db)
		if len(got) != len(want) {
			t.Fatalf("trial %d: %d stored, want %d", trial, len(got), len(want))
		}
		for i, r := range want {
			g := got[i]
			if g.User != r.user || g.Name != r.name || g.Time != r.ms || g.Props != r.props {
				t.Fatalf("trial %d row %d:\n got %q %q %d %s\nwant %q %q %d %s", trial, i, g.User, g.Name, g.Time, g.Props, r.user, r.name, r.ms, r.props)
			}
		}
		// The same events as JSON Lines: every property is a JSON string
		// there, so stays a string (empty ones too).
		db2 := newDB(t)
		res = mustImport(t, db2, writeFile(t, "rt.jsonl", jl.String()), Options{})
		got = stored(t, db2)
		if res.Rejected != 0 || len(got) != len(want) {
			t.Fatalf("trial %d jsonl: rejected %v, %d stored", trial, res.Reasons, len(got))
		}
		for i, r := range want {
			if got[i].User != r.user || got[i].Name != r.name || got[i].Time != r.ms {
				t.Fatalf("trial %d jsonl row %d: %+v want %+v", trial, i, got[i], r)
			}
		}
	}
}
