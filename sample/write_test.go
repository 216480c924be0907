package sample

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math/rand"
	"strconv"
	"testing"
	"time"

	"github.com/spoorhq/spoor/store"
)

func TestAppendTimeMatchesTimeFormat(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	cases := []int64{0, -1, 1, 999, 1000, -86400000, 951782400000 /* 2000-02-29 */, 4102444800000 - 1, 253402300799999}
	for i := 0; i < 20000; i++ {
		cases = append(cases, r.Int63n(8e12)-2e12)
	}
	for _, ms := range cases {
		want := time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
		if got := string(appendTime(nil, ms)); got != want {
			t.Fatalf("%d: %s, want %s", ms, got, want)
		}
	}
}

func TestWriterQuoting(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, "csv", []string{"a", "b", "n"})
	if err != nil {
		t.Fatal(err)
	}
	odd := "x, \"y\"\nz"
	e := &store.Event{User: " 19 spaced", Name: "买,入", Time: 1000, Props: []store.Prop{{Key: "n", Value: 2.5}, {Key: "a", Value: odd}}}
	w.Write(e)
	w.Flush()
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"user_id", "event", "time", "a", "b", "n"}, {" 19 spaced", "买,入", "1970-01-01T00:00:01.000Z", odd, "", "2.5"}}
	if len(rows) != 2 || len(rows[1]) != 6 {
		t.Fatalf("rows %q", rows)
	}
	for i := range want {
		for j := range want[i] {
			if rows[i][j] != want[i][j] {
				t.Fatalf("cell %d,%d = %q, want %q", i, j, rows[i][j], want[i][j])
			}
		}
	}

	buf.Reset()
	w, _ = NewWriter(&buf, "jsonl", nil)
	e.Props = append(e.Props, store.Prop{Key: "ctl\t\x01\\", Value: true}, store.Prop{Key: "nil", Value: nil}, store.Prop{Key: "i", Value: int64(-3)})
	w.Write(e)
	w.Flush()
	var obj struct {
		User  string         `json:"user_id"`
		Event string         `json:"event"`
		Time  string         `json:"time"`
		Props map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(buf.Bytes(), &obj); err != nil {
		t.Fatalf("%s: %v", buf.Bytes(), err)
	}
	if obj.User != e.User || obj.Event != e.Name || obj.Time != "1970-01-01T00:00:01.000Z" ||
		obj.Props["a"] != odd || obj.Props["n"] != 2.5 || obj.Props["ctl\t\x01\\"] != true || obj.Props["i"] != -3.0 {
		t.Fatalf("read back %+v", obj)
	}
	if v, ok := obj.Props["nil"]; !ok || v != nil {
		t.Fatalf("nil property read back as %v, %v", v, ok)
	}
}

// TestFilesReadBack writes a sample as CSV and as JSON Lines and checks
// every event comes back with its user, name, time and properties.
func TestFilesReadBack(t *testing.T) {
	for _, sc := range Scenarios {
		cfg := Config{Scenario: sc.Name, Users: 200, Days: 20, Seed: 4}
		want := collect(t, cfg)
		for _, format := range []string{"csv", "jsonl"} {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, format, sc.Keys)
			if err != nil {
				t.Fatal(err)
			}
			if err := Generate(context.Background(), cfg, w.Write); err != nil {
				t.Fatal(err)
			}
			w.Flush()
			var got []rec
			if format == "csv" {
				got = readCSV(t, &buf)
			} else {
				got = readJSONL(t, &buf)
			}
			if len(got) != len(want) {
				t.Fatalf("%s %s: %d events read back, %d written", sc.Name, format, len(got), len(want))
			}
			for i := range want {
				if got[i].User != want[i].User || got[i].Name != want[i].Name || got[i].Time != want[i].Time || len(got[i].Props) != len(want[i].Props) {
					t.Fatalf("%s %s event %d: %+v, want %+v", sc.Name, format, i, got[i], want[i])
				}
				for k, v := range want[i].Props {
					if text(got[i].Props[k]) != text(v) {
						t.Fatalf("%s %s event %d property %s: %v, want %v", sc.Name, format, i, k, got[i].Props[k], v)
					}
				}
			}
		}
	}
}

// text compares values across formats: CSV has only text.
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return "?"
}

func readCSV(t *testing.T, buf *bytes.Buffer) []rec {
	rows, err := csv.NewReader(buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := rows[0]
	if head[0] != "user_id" || head[1] != "event" || head[2] != "time" {
		t.Fatalf("header %q", head)
	}
	var out []rec
	for _, r := range rows[1:] {
		tm, err := time.Parse(time.RFC3339Nano, r[2])
		if err != nil {
			t.Fatal(err)
		}
		e := rec{User: r[0], Name: r[1], Time: tm.UnixMilli(), Props: map[string]any{}}
		for j := 3; j < len(r); j++ {
			if r[j] != "" {
				e.Props[head[j]] = r[j]
			}
		}
		out = append(out, e)
	}
	return out
}

func readJSONL(t *testing.T, buf *bytes.Buffer) []rec {
	var out []rec
	sc := bufio.NewScanner(buf)
	for sc.Scan() {
		var obj struct {
			User  string         `json:"user_id"`
			Event string         `json:"event"`
			Time  time.Time      `json:"time"`
			Props map[string]any `json:"properties"`
		}
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			t.Fatalf("%s: %v", sc.Bytes(), err)
		}
		out = append(out, rec{User: obj.User, Name: obj.Event, Time: obj.Time.UnixMilli(), Props: obj.Props})
	}
	return out
}

func TestFormatOf(t *testing.T) {
	for name, want := range map[string]string{"a.csv": "csv", "A.CSV.gz": "csv", "x.jsonl": "jsonl", "x.ndjson": "jsonl", "x.json": ""} {
		got, err := FormatOf(name)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
}
