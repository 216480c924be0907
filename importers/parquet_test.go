package importers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// posthogParquetRow is the events model of PostHog's batch export in its
// documented Parquet schema (testdata/posthog_parquet/README.md).
type posthogParquetRow struct {
	UUID             string    `parquet:"uuid"`
	Event            string    `parquet:"event"`
	DistinctID       string    `parquet:"distinct_id"`
	PersonID         string    `parquet:"person_id"`
	Properties       string    `parquet:"properties"`
	PersonProperties string    `parquet:"person_properties"`
	ElementsChain    string    `parquet:"elements_chain"`
	Timestamp        time.Time `parquet:"timestamp,timestamp(microsecond)"`
	CreatedAt        time.Time `parquet:"created_at,timestamp(microsecond)"`
	InsertedAt       time.Time `parquet:"_inserted_at,timestamp(microsecond)"`
}

func writeParquet[T any](t testing.TB, rows []T, opts ...parquet.WriterOption) []byte {
	t.Helper()
	var b bytes.Buffer
	w := parquet.NewGenericWriter[T](&b, opts...)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// posthogParquet converts the fixture's JSON Lines file to the Parquet
// form PostHog writes: properties as JSON text, times as TIMESTAMP.
func posthogParquet(t testing.TB) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "posthog_parquet", "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []posthogParquetRow
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e struct {
			UUID, Event, DistinctID, PersonID, ElementsChain string
			Properties, PersonProperties                     json.RawMessage
			Timestamp, CreatedAt, InsertedAt                 time.Time
		}
		dec := json.NewDecoder(strings.NewReader(strings.NewReplacer(`"distinct_id"`, `"DistinctID"`, `"person_id"`, `"PersonID"`, `"elements_chain"`, `"ElementsChain"`,
			`"person_properties"`, `"PersonProperties"`, `"created_at"`, `"CreatedAt"`, `"_inserted_at"`, `"InsertedAt"`).Replace(sc.Text())))
		if err := dec.Decode(&e); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, posthogParquetRow{e.UUID, e.Event, e.DistinctID, e.PersonID, string(e.Properties), string(e.PersonProperties), e.ElementsChain, e.Timestamp, e.CreatedAt, e.InsertedAt})
	}
	if len(rows) != 7 {
		t.Fatalf("fixture: %d rows", len(rows))
	}
	return writeParquet(t, rows, parquet.Compression(&parquet.Zstd))
}

// PostHog's Parquet batch export imports with no flags, as PostHog; the
// same events from its JSON Lines export are then all duplicates.
func TestPostHogParquet(t *testing.T) {
	db := newDB(t)
	p := writeFile(t, "export.parquet", string(posthogParquet(t)))
	res := mustImport(t, db, p, Options{})
	if res.Format != "posthog" || res.Imported != 7 || res.Rejected != 0 || !strings.HasPrefix(res.Mapping, "Parquet, 7 rows in 1 row groups; PostHog export") {
		t.Fatalf("%+v", res)
	}
	ev, persons, ledger := counts(t, db)
	if ev != 7 || persons != 3 || ledger != 1 {
		t.Fatalf("events %d persons %d ledger %d; want 7, 3, 1", ev, persons, ledger)
	}
	got := stored(t, db)
	buy := got[2]
	if buy.Name != "purchase" || buy.User != "alice@example.com" || buy.Time != time.Date(2024, 3, 1, 10, 30, 0, 123e6, time.UTC).UnixMilli() ||
		!strings.Contains(buy.Props, `"price":19.99`) || !strings.Contains(buy.Props, `"sku":"0042"`) || !strings.Contains(buy.Props, `"$browser":"Chrome"`) {
		t.Fatalf("purchase %+v", buy)
	}
	res = mustImport(t, db, filepath.Join("testdata", "posthog_parquet", "events.jsonl"), Options{})
	if res.Imported != 0 || res.Duplicates != 7 {
		t.Fatalf("JSON Lines after Parquet: %+v", res)
	}
}

// A warehouse table in Parquet: nested groups become dotted properties,
// lists JSON text; DATE, TIMESTAMP (ms, local), DECIMAL and UUID columns
// read as what they mean; a null stays null, as in JSON.
func TestGenericParquet(t *testing.T) {
	type device struct {
		OS      string `parquet:"os"`
		Version *int32 `parquet:"version,optional"`
	}
	type row struct {
		UserID  int64     `parquet:"user_id"`
		Action  string    `parquet:"action"`
		At      time.Time `parquet:"event_time,timestamp(millisecond)"`
		Day     int32     `parquet:"day,date"`
		Amount  int64     `parquet:"amount,decimal(2:18)"`
		Device  device    `parquet:"device"`
		Tags    []string  `parquet:"tags,list"`
		Ratio   float32   `parquet:"ratio"`
		Missing *string   `parquet:"missing,optional"`
	}
	v := int32(17)
	rows := []row{
		{UserID: 1234567890123456789, Action: "view", At: time.Date(2024, 5, 1, 8, 0, 0, 250e6, time.UTC), Day: 19844, Amount: -1999, Device: device{"ios", &v}, Tags: []string{"a", "b"}, Ratio: 0.5},
		{UserID: 2, Action: "buy", At: time.Date(2024, 5, 2, 9, 0, 0, 0, time.UTC), Day: 19845, Amount: 250, Device: device{OS: "android"}},
	}
	db := newDB(t)
	res := mustImport(t, db, writeFile(t, "w.parquet", string(writeParquet(t, rows))), Options{})
	if res.Format != "parquet" || res.Imported != 2 || !strings.Contains(res.Mapping, "user <- user_id, event <- action, time <- event_time") {
		t.Fatalf("%+v", res)
	}
	got := stored(t, db)
	want := `{"amount":-19.99,"day":"2024-05-01","device.os":"ios","device.version":17,"missing":null,"ratio":0.5,"tags":"[\"a\",\"b\"]"}`
	// event_time is a TIMESTAMP without isAdjustedToUTC only when the writer
	// says so; parquet-go writes it adjusted, so the time is exact.
	if got[0].User != "1234567890123456789" || got[0].Name != "view" || got[0].Time != rows[0].At.UnixMilli() {
		t.Fatalf("first %+v", got[0])
	}
	if got[0].Props != want {
		t.Fatalf("props %s\nwant  %s", got[0].Props, want)
	}
	if got[1].Props != `{"amount":2.5,"day":"2024-05-02","device.os":"android","device.version":null,"missing":null,"ratio":0,"tags":"[]"}` {
		t.Fatalf("second props %s", got[1].Props)
	}
}

// Broken and hostile Parquet files are refused with a clear message and
// nothing is written.
func TestParquetRefused(t *testing.T) {
	good := posthogParquet(t)
	type wide struct {
		UserID string `parquet:"user_id"`
		Event  string `parquet:"event"`
		Time   int64  `parquet:"time"`
		Blob   string `parquet:"blob"`
	}
	var many []wide
	for i := range 200 {
		// Distinct values, so the dictionary does not fold them.
		many = append(many, wide{"u", "e", 1700000000 + int64(i), strconv.Itoa(i) + strings.Repeat("x", 64<<10)})
	}
	bomb := writeParquet(t, many, parquet.Compression(&parquet.Zstd))
	type noTime struct {
		A string `parquet:"a"`
	}
	corrupt := append([]byte(nil), good...)
	for i := 8; i < len(corrupt)/2; i++ {
		corrupt[i] ^= 0x5a
	}
	cases := []struct {
		name    string
		content []byte
		opt     Options
		want    string
	}{
		{"truncated", good[:len(good)/2], Options{}, "a damaged Parquet file"},
		{"magic only", []byte("PAR1"), Options{}, "a damaged Parquet file"},
		{"corrupt pages", corrupt, Options{}, "damaged Parquet file"},
		{"not events", writeParquet(t, []noTime{{"x"}}), Options{}, "not an event table"},
		{"no rows", writeParquet(t, []noTime{}), Options{}, "no rows: the Parquet file holds a schema and no events"},
		// The metadata's uncompressed sizes are checked before any page
		// is read; 13 MB in 1.1 MB is 12x, over a ratio of 10.
		{"bomb", bomb, Options{MaxExpand: 10}, "decompression bomb: its columns claim 13 MB uncompressed in a "},
	}
	defer func(f int64) { bombFloor = f }(bombFloor)
	bombFloor = 1 << 20
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db, before := seeded(t)
			_, err := ImportFile(bg, db, writeFile(t, "x.parquet", string(c.content)), c.opt)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v\nwant it to contain %q", err, c.want)
			}
			unchanged(t, db, before)
		})
	}
	_, err := ImportFile(bg, nil, "-", Options{Stdin: bytes.NewReader(good), DryRun: true})
	if err == nil || !strings.Contains(err.Error(), "a Parquet file cannot be read from standard input") {
		t.Fatalf("stdin: %v", err)
	}
	// Inside a zip a Parquet member cannot be read by offset either.
	_, err = ImportFile(bg, nil, writeFile(t, "p.zip", string(zipOf(t, [2]string{"e.parquet", string(good)}))), Options{DryRun: true})
	if err == nil || !strings.Contains(err.Error(), "member e.parquet of the zip is a Parquet file: extract it") {
		t.Fatalf("zip: %v", err)
	}
}
