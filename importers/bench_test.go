package importers

import (
	"bufio"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// genCSV writes n rows shaped like a product export: 50k users, six event
// names, epoch-second times, three properties.
func genCSV(b testing.TB, n int) string {
	p := filepath.Join(b.TempDir(), "bench.csv")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	rng := rand.New(rand.NewSource(1))
	evs := []string{"view", "view_item", "add_to_cart", "checkout", "pay", "search"}
	ch := []string{"ads", "organic", "email", "social"}
	dv := []string{"ios", "android", "web"}
	fmt.Fprintln(w, "user_id,event,timestamp,channel,device,price")
	t := 1704067200
	for i := 0; i < n; i++ {
		t += rng.Intn(3)
		fmt.Fprintf(w, "u%d,%s,%d,%s,%s,%d.%02d\n", rng.Intn(50000), evs[rng.Intn(6)], t, ch[rng.Intn(4)], dv[rng.Intn(3)], rng.Intn(500), rng.Intn(100))
	}
	w.Flush()
	f.Close()
	return p
}

// BenchmarkImportCSV imports a generated CSV into a fresh database per
// iteration; events/s is the figure to compare with sqlite3 .import.
func BenchmarkImportCSV(b *testing.B) {
	for _, n := range []int{100000, 1000000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			p := genCSV(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db := newDB(b)
				b.StartTimer()
				res, err := ImportFile(bg, db, p, Options{})
				if err != nil || res.Imported != int64(n) {
					b.Fatal(err, res.Imported)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkParseCSV is the reading side alone (no store), to see how much
// of an import is parsing.
func BenchmarkParseCSV(b *testing.B) {
	p := genCSV(b, 100000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := ImportFile(bg, nil, p, Options{DryRun: true, Preview: 0})
		if err != nil {
			b.Fatal(err)
		}
		_ = res
	}
}

// BenchmarkImportJSONL is BenchmarkImportCSV's data as JSON Lines.
func BenchmarkImportJSONL(b *testing.B) {
	f, err := os.Open(genCSV(b, 200000))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	p := filepath.Join(b.TempDir(), "bench.jsonl")
	out, _ := os.Create(p)
	w := bufio.NewWriter(out)
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		var u, e, t, c, d, pr string
		parts := strings.Split(sc.Text(), ",")
		u, e, t, c, d, pr = parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]
		fmt.Fprintf(w, `{"user_id":%q,"event":%q,"timestamp":%s,"properties":{"channel":%q,"device":%q,"price":%s}}`+"\n", u, e, t, c, d, pr)
	}
	w.Flush()
	out.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := newDB(b)
		b.StartTimer()
		res, err := ImportFile(bg, db, p, Options{})
		if err != nil || res.Imported != 200000 {
			b.Fatal(err, res.Imported)
		}
	}
	b.ReportMetric(200000*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkReadCSVFile reads the file named by SPOOR_BENCH_CSV (bench/data's
// ecommerce-10000000.csv, say) row by row as an import does, without a
// store: the reading side of a large import alone.
func BenchmarkReadCSVFile(b *testing.B) {
	path := os.Getenv("SPOOR_BENCH_CSV")
	if path == "" {
		b.Skip("SPOOR_BENCH_CSV names no file")
	}
	for i := 0; i < b.N; i++ {
		tp, err := NewTimeParser("", time.UTC)
		if err != nil {
			b.Fatal(err)
		}
		src, err := openSource(path, nil, "", 0)
		if err != nil {
			b.Fatal(err)
		}
		rd, _, err := openReader(src, Options{}, tp)
		if err != nil {
			b.Fatal(err)
		}
		p := &pump{rd: rd}
		rows := 0
		for bt := range p.start(bg) {
			if bt.err != nil {
				b.Fatal(bt.err)
			}
			rows += len(bt.items)
			p.recycle(bt)
		}
		p.stop()
		src.Close()
		b.ReportMetric(float64(rows), "rows")
	}
}
