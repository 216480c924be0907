package importers

import (
	"fmt"
	"strings"
	"testing"
)

// Limits from issue 8: deep nesting, many names, wide rows. Each works or
// is refused row by row, never panics.
func TestLimits(t *testing.T) {
	db := newDB(t)
	nest := func(depth int) string {
		return strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
	}
	j := `{"user_id":"u","event":"shallow","time":"2024-01-01","deep":` + nest(100) + "}\n" +
		`{"user_id":"u","event":"too deep","time":"2024-01-01","deep":` + nest(20000) + "}\n" +
		`{"user_id":"u","event":"too deep","time":"2024-01-01","deep":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "}\n" +
		`{"user_id":"u","event":"after","time":"2024-01-02"}` + "\n"
	res := mustImport(t, db, writeFile(t, "deep.jsonl", j), Options{})
	// Objects nested 20000 deep hold 20000 keys: the key limit refuses the
	// record before the depth limit, which arrays still meet.
	if res.Imported != 2 || res.Reasons[ReasonTooManyProps] != 1 || res.Reasons[ReasonBadJSON] != 1 {
		t.Fatalf("deep: %+v", res)
	}
	key := "deep" + strings.Repeat(".a", 100)
	if ev := stored(t, db); ev[0].Props != `{"`+key+`":1}` {
		t.Fatalf("deep props %s", ev[0].Props)
	}

	var b strings.Builder
	b.WriteString("user_id,event,time\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&b, "u%d,event %05d,2024-01-01\n", i%7, i)
	}
	db2 := newDB(t)
	if res := mustImport(t, db2, writeFile(t, "names.csv", b.String()), Options{}); res.Imported != 10000 {
		t.Fatalf("names: %+v", res)
	}
	var names int
	db2.SQL.QueryRow("SELECT count(*) FROM event_names").Scan(&names)
	if names != 10000 {
		t.Fatalf("%d names stored", names)
	}

	var w strings.Builder
	w.WriteString("user_id,event,time")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&w, ",c%d", i)
	}
	w.WriteString("\nu,e,2024-01-01")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&w, ",v%d", i)
	}
	w.WriteString("\n")
	if res := mustImport(t, newDB(t), writeFile(t, "wide.csv", w.String()), Options{}); res.Imported != 1 {
		t.Fatalf("wide: %+v", res)
	}
}
