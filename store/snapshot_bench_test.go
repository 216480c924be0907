package store

import (
	"context"
	"math/rand"
	"os"
	"testing"
)

// BenchmarkLoadOrdered loads a real database's snapshot:
// SPOOR_BENCH_DB=bench/data/s-10000000.db go test ./store -run XXX -bench LoadOrdered
func BenchmarkLoadOrdered(b *testing.B) {
	path := os.Getenv("SPOOR_BENCH_DB")
	if path == "" {
		b.Skip("set SPOOR_BENCH_DB to a database written by spoor import")
	}
	db, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for i := 0; i < b.N; i++ {
		if _, err := db.LoadOrdered(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeSegment decodes one segment of 1M events shaped like an
// e-commerce export: persons of ~15 events, seconds to days between them.
func BenchmarkDecodeSegment(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	o := &Ordered{}
	var t int64 = 1_700_000_000_000
	for p := int32(1); len(o.Time) < segmentEvents; p++ {
		o.Person = append(o.Person, p)
		o.Start = append(o.Start, int32(len(o.Time)))
		for k := 1 + rng.Intn(30); k > 0 && len(o.Time) < segmentEvents; k-- {
			if rng.Intn(5) == 0 {
				t += rng.Int63n(5 * 86_400_000)
			} else {
				t += rng.Int63n(300_000)
			}
			o.Time = append(o.Time, t)
			o.Event = append(o.Event, int32(rng.Intn(20)))
		}
	}
	o.Start = append(o.Start, int32(len(o.Time)))
	var blobs segmentBlobs
	o.encode(0, len(o.Person), &blobs)
	pb, eb, tb := blobs.persons, blobs.events, blobs.times
	dst := &Ordered{Names: make([]string, 20), Person: make([]int32, len(o.Person)), Start: make([]int32, len(o.Start)), Event: make([]int32, len(o.Event)), Time: make([]int64, len(o.Time))}
	seg := segmentView{o: dst, np: len(o.Person), ne: len(o.Time)}
	b.SetBytes(int64(len(pb) + len(eb) + len(tb)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := seg.decode(pb, eb, tb); err != nil {
			b.Fatal(err)
		}
	}
}
