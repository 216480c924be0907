package importers

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// longCase is a file with a normal row, a row holding one value over
// maxValue, and another normal row.
type longCase struct {
	name, file string
	content    string
	line       int64  // where the long row starts
	what       string // how the reject names the value
}

func longCases(n int) []longCase {
	x := strings.Repeat("x", n)
	digits := "1" + strings.Repeat("0", n-1)
	escaped := strings.Repeat(`x\n`, n/3) // unescapes to 2n/3 bytes
	arr := "[" + strings.Repeat(`"`+strings.Repeat("a", 998)+`",`, n/1000) + "1]"
	jl := func(extra string) string {
		return `{"user_id":"u1","event":"before","time":"2024-01-01T00:00:00Z"}` + "\n" +
			`{"user_id":"u1","event":"huge","time":"2024-01-01T00:01:00Z",` + extra + "}\n" +
			`{"user_id":"u2","event":"after","time":"2024-01-01T00:02:00Z"}` + "\n"
	}
	return []longCase{
		{"csv", "l.csv", "user_id,event,time,blob\nu1,before,2024-01-01T00:00:00Z,a\nu1,huge,2024-01-01T00:01:00Z," + x + "\nu2,after,2024-01-01T00:02:00Z,b\n", 3, `column "blob"`},
		{"csv quoted", "l.csv", "user_id,event,time,blob\nu1,before,2024-01-01T00:00:00Z,a\nu1,huge,2024-01-01T00:01:00Z,\"" + strings.Repeat(`x""`, n/2) + "\"\nu2,after,2024-01-01T00:02:00Z,b\n", 3, `column "blob"`},
		{"csv user", "l.csv", "user_id,event,time,blob\nu1,before,2024-01-01T00:00:00Z,a\n" + x + ",huge,2024-01-01T00:01:00Z,c\nu2,after,2024-01-01T00:02:00Z,b\n", 3, `column "user_id"`},
		{"jsonl", "l.jsonl", jl(`"blob":"` + x + `"`), 2, `property "blob"`},
		{"jsonl nested", "l.jsonl", jl(`"properties":{"blob":"` + x + `"}`), 2, `property "blob"`},
		{"jsonl escaped", "l.jsonl", jl(`"blob":"` + escaped + `"`), 2, `property "blob"`},
		{"jsonl number", "l.jsonl", jl(`"blob":` + digits), 2, `property "blob"`},
		{"jsonl key", "l.jsonl", jl(`"` + x + `":1`), 2, "a property name"},
		{"jsonl array", "l.jsonl", jl(`"blob":` + arr), 2, `property "blob"`},
		{"json array", "l.json", "[" + strings.ReplaceAll(strings.TrimSpace(jl(`"blob":"`+x+`"`)), "\n", ",\n") + "]\n", 2, `property "blob"`},
	}
}

// A row holding a value over 1 MB is rejected like any bad row (counted by
// reason, written to --rejects with its line, cut to its start there), and
// the rows around it, and what the database held before, are kept.
func TestLongValueRejected(t *testing.T) {
	for _, c := range longCases(20 << 20) {
		t.Run(c.name, func(t *testing.T) {
			db, before := seeded(t)
			var rej bytes.Buffer
			path := writeFile(t, c.file, c.content)
			res := mustImport(t, db, path, Options{Rejects: &rej})
			if res.Imported != 2 || res.Rejected != 1 || res.Reasons[ReasonTooLong] != 1 || len(res.Examples) != 1 {
				t.Fatalf("imported %d rejected %d %v", res.Imported, res.Rejected, res.Reasons)
			}
			ex := res.Examples[0]
			if ex.Line != c.line || !strings.Contains(ex.Detail, c.what+" is ") || !strings.Contains(ex.Detail, "up to 1 MB") {
				t.Fatalf("example %+v", ex)
			}
			prefix := fmt.Sprintf("%s:%d\t%s\t", path, c.line, ex.Detail)
			if out := rej.String(); !strings.HasPrefix(out, prefix) || strings.Count(out, "\n") != 1 || len(out) > len(prefix)+220 || !strings.HasSuffix(out, "…\n") {
				t.Fatalf("rejects file (%d bytes) %.300q", len(out), out)
			}
			if e, _, l := counts(t, db); e != before[0]+2 || l != before[2]+1 {
				t.Fatalf("events %d, imports %d; before %v", e, l, before)
			}
			ev := stored(t, db)
			got := ev[len(ev)-2:]
			if got[0].User != "u1" || got[0].Name != "before" || got[1].User != "u2" || got[1].Name != "after" {
				t.Fatalf("kept %+v", got)
			}
		})
	}
}

func TestLongValueStrict(t *testing.T) {
	for _, c := range longCases(2 << 20)[:4] {
		t.Run(c.name, func(t *testing.T) {
			db, before := seeded(t)
			_, err := ImportFile(bg, db, writeFile(t, c.file, c.content), Options{Strict: true})
			var re *RowError
			if !errors.As(err, &re) || re.Reason != ReasonTooLong || re.Line != c.line {
				t.Fatalf("err %v", err)
			}
			unchanged(t, db, before)
		})
	}
}

// A value of exactly maxValue bytes is kept whole; one byte more is not.
func TestLongValueBoundary(t *testing.T) {
	for _, n := range []int{maxValue, maxValue + 1} {
		x := strings.Repeat("é", n/2) + strings.Repeat("y", n%2) // multi-byte: the limit counts bytes
		files := map[string]string{
			"b.csv":   "user_id,event,time,blob\nu0,e,2024-01-01,a\nu1,e,2024-01-01,\"" + x + "\"\n",
			"b.jsonl": `{"user_id":"u0","event":"e","time":"2024-01-01"}` + "\n" + `{"user_id":"u1","event":"e","time":"2024-01-01","blob":"` + x + `"}` + "\n",
			"b.json":  `[{"user_id":"u0","event":"e","time":"2024-01-01"},{"user_id":"u1","event":"e","time":"2024-01-01","blob":"` + x + `"}]`,
		}
		for name, content := range files {
			db := newDB(t)
			res, err := ImportFile(bg, db, writeFile(t, name, content), Options{})
			if n > maxValue {
				if err != nil || res.Imported != 1 || res.Reasons[ReasonTooLong] != 1 {
					t.Fatalf("%s %d bytes: %v %v", name, n, err, res.Reasons)
				}
				continue
			}
			if err != nil || res.Imported != 2 {
				t.Fatalf("%s %d bytes: %v %+v", name, n, err, res)
			}
			if ev := stored(t, db); ev[1].Props != `{"blob":"`+x+`"}` {
				t.Fatalf("%s: stored props of %d bytes, want the %d-byte value", name, len(ev[1].Props), len(x))
			}
		}
	}
}

// The memory an import of one 20 MB line allocates, all told, is a small
// multiple of the line: the line is read once into a buffer of its own
// (not grown by doubling), the long value is refused before it is copied,
// and nothing of it reaches the store. TotalAlloc bounds the peak heap
// from above, without timing anything.
func TestLongLineMemory(t *testing.T) {
	const size = 20 << 20
	// encoding/csv grows its line buffer by appending (csv), and
	// json.Decoder doubles its buffer and copies the element out (json
	// array): those two stay above the 2x of JSON Lines.
	limits := map[string]float64{"csv": 8, "jsonl": 2.5, "json array": 4.5}
	for _, c := range longCases(size) {
		limit, ok := limits[c.name]
		if !ok {
			continue
		}
		path := writeFile(t, c.file, c.content)
		db := newDB(t)
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		res := mustImport(t, db, path, Options{})
		runtime.ReadMemStats(&m1)
		if res.Imported != 2 {
			t.Fatalf("%s: %+v", c.name, res)
		}
		ratio := float64(m1.TotalAlloc-m0.TotalAlloc) / size
		t.Logf("%s: %.0f MB allocated for a %d MB line (%.1fx)", c.name, float64(m1.TotalAlloc-m0.TotalAlloc)/(1<<20), size>>20, ratio)
		if ratio > limit {
			t.Errorf("%s: %.1fx the line allocated, want at most %.1fx", c.name, ratio, limit)
		}
	}
}
