package importers

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/i18n"
)

// longCase is a file with a normal row, a row holding a value over
// maxValue or too much in all, and another normal row.
type longCase struct {
	name, file string
	content    string
	line       int64  // where the long row starts
	reason     string // ReasonTooLong or ReasonRowTooLong
	what       string // how the reject names the value or the row
	size       int    // the length the reject gives
}

const (
	csvHead   = "user_id,event,time,blob\nu1,before,2024-01-01T00:00:00Z,a\n"
	csvTail   = "u2,after,2024-01-01T00:02:00Z,b\n"
	jsonFirst = `{"user_id":"u1","event":"before","time":"2024-01-01T00:00:00Z"}`
	jsonLast  = `{"user_id":"u2","event":"after","time":"2024-01-01T00:02:00Z"}`
	jsonHuge  = `{"user_id":"u1","event":"huge","time":"2024-01-01T00:01:00Z",`
)

func csvCase(name, mid, what string, size int) longCase {
	return longCase{name, "l.csv", csvHead + mid + "\n" + csvTail, 3, ReasonTooLong, what, size}
}

func jsonlCase(name, extra, what string, size int) longCase {
	return longCase{name, "l.jsonl", jsonFirst + "\n" + jsonHuge + extra + "}\n" + jsonLast + "\n", 2, ReasonTooLong, what, size}
}

// valueCases hold one value of n bytes (over maxValue, under maxRow).
func valueCases(n int) []longCase {
	x := strings.Repeat("x", n)
	escaped := strings.Repeat(`x\n`, n/3) // unescapes to 2n/3 bytes
	arr := "[" + strings.Repeat(`"`+strings.Repeat("a", 998)+`",`, n/1000) + "1]"
	return []longCase{
		csvCase("csv", "u1,huge,2024-01-01T00:01:00Z,"+x, `column "blob"`, n),
		csvCase("csv quoted", "u1,huge,2024-01-01T00:01:00Z,\""+strings.Repeat(`x""`, n/2)+"\"", `column "blob"`, n/2*2),
		csvCase("csv user", x+",huge,2024-01-01T00:01:00Z,c", `column "user_id"`, n),
		jsonlCase("jsonl", `"blob":"`+x+`"`, `property "blob"`, n),
		jsonlCase("jsonl nested", `"properties":{"blob":"`+x+`"}`, `property "blob"`, n),
		jsonlCase("jsonl escaped", `"blob":"`+escaped+`"`, `property "blob"`, 0),
		jsonlCase("jsonl number", `"blob":1`+strings.Repeat("0", n-1), `property "blob"`, n),
		jsonlCase("jsonl key", `"`+x+`":1`, "a property name", n),
		jsonlCase("jsonl array", `"blob":`+arr, `property "blob"`, len(arr)),
		{"json array", "l.json", "[" + jsonFirst + ",\n" + jsonHuge + `"blob":"` + x + `"},` + "\n" + jsonLast + "]\n", 2, ReasonTooLong, `property "blob"`, n},
	}
}

// rowCases are records of about n bytes (over maxRow): one long value, or
// many values each within maxValue.
func rowCases(n int) []longCase {
	x := strings.Repeat("x", n)
	v := strings.Repeat("v", maxValue-10)
	many := strings.Repeat(v+",", n/maxValue)
	wideJSON := ""
	for i := 0; i < n/maxValue; i++ {
		wideJSON += fmt.Sprintf(`"p%d":"%s",`, i, v)
	}
	hugeLine := jsonHuge + `"blob":"` + x + `"}`
	wideLine := jsonHuge + wideJSON + `"blob":1}`
	wideRow := "u1,huge,2024-01-01T00:01:00Z," + many + "z"
	longRow := "u1,huge,2024-01-01T00:01:00Z," + x
	c := []longCase{
		csvCase("csv long", longRow, "the row", len(longRow)),
		jsonlCase("jsonl long", `"blob":"`+x+`"`, "the line", len(hugeLine)),
		jsonlCase("jsonl wide", wideJSON+`"blob":1`, "the line", len(wideLine)),
		{"json array long", "l.json", "[" + jsonFirst + ",\n" + hugeLine + ",\n" + jsonLast + "]\n", 2, ReasonRowTooLong, "the array element", len(hugeLine)},
		{"jsonl last", "l.jsonl", jsonFirst + "\n" + jsonLast + "\n" + hugeLine, 3, ReasonRowTooLong, "the line", len(hugeLine)}, // no newline at the end
	}
	// A CSV row over maxRow with many columns: the header names them.
	head := "user_id,event,time"
	for i := 0; i < n/maxValue+1; i++ {
		head += fmt.Sprintf(",p%d", i)
	}
	fill := strings.Repeat(",a", n/maxValue+1)
	c = append(c, longCase{"csv wide", "l.csv", head + "\nu1,before,2024-01-01T00:00:00Z" + fill + "\n" + wideRow + "\nu2,after,2024-01-01T00:02:00Z" + fill + "\n",
		3, ReasonRowTooLong, "the row", len(wideRow)})
	for i := 0; i < 3; i++ {
		c[i].reason = ReasonRowTooLong
	}
	return c
}

// A row holding a value over 1 MB is rejected like any bad row (counted by
// reason, written to --rejects with its line, cut to its start there), and
// the rows around it, and what the database held before, are kept.
func TestLongValueRejected(t *testing.T) {
	for _, c := range append(valueCases(2<<20), rowCases(20<<20)...) {
		t.Run(c.name, func(t *testing.T) {
			db, before := seeded(t)
			var rej bytes.Buffer
			path := writeFile(t, c.file, c.content)
			res := mustImport(t, db, path, Options{Rejects: &rej})
			if res.Imported != 2 || res.Rejected != 1 || res.Reasons[c.reason] != 1 || len(res.Examples) != 1 {
				t.Fatalf("imported %d rejected %d %v", res.Imported, res.Rejected, res.Reasons)
			}
			ex := res.Examples[0]
			size := "longer than 1 MB"
			if c.size > 0 {
				size = fmt.Sprintf("%d bytes (", c.size)
			}
			if ex.Line != c.line || !strings.HasPrefix(ex.Detail, c.reason+": "+c.what+" is "+size) || !strings.Contains(ex.Detail, "up to 1 MB") {
				t.Fatalf("example %+v, want %s %s", ex, c.what, size)
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
				t.Fatalf("kept %.200v", got)
			}
		})
	}
}

// A header row over maxRow refuses the file, rather than have its cut
// blamed on the first row.
func TestLongHeader(t *testing.T) {
	header := "user_id,event,time," + strings.Repeat("h", maxRow)
	_, err := ImportFile(bg, newDB(t), writeFile(t, "h.csv", header+"\nu1,e,2024-01-01,a\n"), Options{})
	var ne *NotEventsError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), "the header row is "+i18n.Int(int64(len(header)))+" bytes") {
		t.Fatalf("%v", err)
	}
}

func TestLongValueStrict(t *testing.T) {
	for _, c := range append(valueCases(2 << 20)[:4], rowCases(20 << 20)[1:3]...) {
		t.Run(c.name, func(t *testing.T) {
			db, before := seeded(t)
			_, err := ImportFile(bg, db, writeFile(t, c.file, c.content), Options{Strict: true})
			var re *RowError
			if !errors.As(err, &re) || re.Reason != c.reason || re.Line != c.line {
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

// The memory an import of one long row allocates, all told. TotalAlloc
// bounds the peak heap from above, without timing anything. A JSON line,
// a JSON array element or a CSV line over maxRow is cut short as it is
// read, so what it costs is bounded by maxRow whatever its length: about
// 1x maxRow for JSON, up to 12x for CSV (encoding/csv holds the first
// maxRow bytes, growing its buffers by appending).
func TestLongLineMemory(t *testing.T) {
	const size = 20 << 20
	for _, n := range []int{size, 2 * size} {
		for _, c := range rowCases(n) {
			limit := float64(maxRow+maxRow/4) / float64(n)
			if c.file == "l.csv" {
				limit = float64(12*maxRow) / float64(n)
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
			ratio := float64(m1.TotalAlloc-m0.TotalAlloc) / float64(n)
			t.Logf("%s: %.0f MB allocated for a %d MB row (%.1fx)", c.name, float64(m1.TotalAlloc-m0.TotalAlloc)/(1<<20), n>>20, ratio)
			if ratio > limit {
				t.Errorf("%s: %.1fx the %d MB row allocated, want at most %.1fx", c.name, ratio, n>>20, limit)
			}
		}
	}
}

// A row just within the limits (15 values of almost 1 MB) is imported, and
// what it costs on its way to the store is bounded too: about 6x the row
// for JSON; CSV pays encoding/csv's growing buffers on top (about 14x, a
// 200 MB worst case at the 16 MB limit).
func TestAcceptedRowMemory(t *testing.T) {
	v := strings.Repeat("v", maxValue-10)
	wide := ""
	for i := 0; i < 15; i++ {
		wide += fmt.Sprintf(`"p%02d":"%s",`, i, v)
	}
	csvHead := "user_id,event,time"
	for i := 0; i < 15; i++ {
		csvHead += fmt.Sprintf(",p%02d", i)
	}
	n := len(wide)
	for _, c := range []struct {
		file, content string
		limit         float64
	}{
		{"a.jsonl", jsonFirst + "\n" + jsonHuge + wide + `"z":1}` + "\n" + jsonLast + "\n", 8},
		{"a.json", "[" + jsonFirst + ",\n" + jsonHuge + wide + `"z":1},` + "\n" + jsonLast + "]\n", 8},
		{"a.csv", csvHead + "\nu1,before,2024-01-01" + strings.Repeat(",a", 15) + "\nu1,huge,2024-01-01," + strings.Repeat(v+",", 14) + v + "\n", 16},
	} {
		path := writeFile(t, c.file, c.content)
		db := newDB(t)
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		res := mustImport(t, db, path, Options{})
		runtime.ReadMemStats(&m1)
		ratio := float64(m1.TotalAlloc-m0.TotalAlloc) / float64(n)
		t.Logf("%s: %.1fx a %d MB row", c.file, ratio, n>>20)
		if res.Rejected != 0 || res.Imported < 2 {
			t.Fatalf("%s: %+v", c.file, res)
		}
		if ratio > c.limit {
			t.Errorf("%s: %.1fx the row allocated, want at most %.0fx", c.file, ratio, c.limit)
		}
		ev := stored(t, db)
		var huge storedEvent
		for _, e := range ev {
			if e.Name == "huge" {
				huge = e
			}
		}
		want := strings.TrimSuffix(wide, ",")
		if c.file != "a.csv" {
			want += `,"z":1`
		}
		if huge.Props != "{"+want+"}" {
			t.Fatalf("%s: stored props of %d bytes, want %d", c.file, len(huge.Props), len(want)+2)
		}
	}
}
