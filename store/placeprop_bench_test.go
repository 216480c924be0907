//go:build unix

package store

import (
	"math/rand"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's CPU time so far, user and system: on a shared
// machine its wall time is mostly other processes'.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// memParts gives positions parts held in memory.
type memParts struct {
	parts [][]byte
	at    int
}

func (p *memParts) next() (int, []byte, error) {
	if p.at == len(p.parts) {
		return 0, nil, errCorrupt
	}
	p.at++
	return p.at - 1, p.parts[p.at-1], nil
}

func (p *memParts) close() {}

// BenchmarkPlaceProp decodes and places one property column of
// SPOOR_BENCH_EVENTS synthetic events (100M unless set) as
// LoadPropOrdered does, less SQLite: the snapshot's positions part by
// part, each 1M-row chunk's dense codes (a country-like key set on every
// event, 40 values), placed in analysis order. The storage orders:
//   - sorted: stored in analysis order, as spoor sample and the bench's
//     CSV (generated person by person) are;
//   - sessions: stored by time, persons' sessions of ~5 events each
//     interleaved with the ~8K other events around them;
//   - shuffled: any event anywhere, the worst case.
//
// go test ./store -run XXX -bench PlaceProp -benchtime 3x
func BenchmarkPlaceProp(b *testing.B) {
	n := 100_000_000
	if s := os.Getenv("SPOOR_BENCH_EVENTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewSource(1))
	var dict []byte
	for v := range 40 {
		lit := strconv.Quote("country" + strconv.Itoa(v))
		dict = append(append(dict, byte(len(lit))), lit...)
	}
	chunk := []byte{0} // dense
	for range chunkEvents {
		chunk = append(chunk, byte(1+min(rng.Intn(40), rng.Intn(40)))) // skewed
	}
	for _, order := range []string{"sorted", "sessions", "shuffled"} {
		b.Run(order, func(b *testing.B) {
			pos := make([]int32, n) // storage row -> analysis index
			for i := range pos {
				pos[i] = int32(i)
			}
			switch order {
			case "sessions":
				// Sessions of 1-9 events in a random order, then the
				// events of each 8K stored rows shuffled among them.
				var runs [][2]int32
				for i := 0; i < n; {
					k := min(1+rng.Intn(9), n-i)
					runs = append(runs, [2]int32{int32(i), int32(k)})
					i += k
				}
				rng.Shuffle(len(runs), func(i, j int) { runs[i], runs[j] = runs[j], runs[i] })
				pos = pos[:0]
				for _, r := range runs {
					for k := range r[1] {
						pos = append(pos, r[0]+k)
					}
				}
				for w := 0; w < n; w += 8192 {
					win := pos[w:min(n, w+8192)]
					rng.Shuffle(len(win), func(i, j int) { win[i], win[j] = win[j], win[i] })
				}
			case "shuffled":
				rng.Shuffle(n, func(i, j int) { pos[i], pos[j] = pos[j], pos[i] })
			}
			var parts [][]byte
			for p := 0; p < n; p += positionsPart {
				parts = append(parts, encodePositions(nil, pos[p:min(n, p+positionsPart)]))
			}
			pos = nil
			b.ResetTimer()
			cpu := cpuTime(b)
			for range b.N {
				pr := &positionReader{parts: &memParts{parts: parts}, n: n, part: -1}
				l := &propLoader{col: &PropColumn{Codes: HugePages(make([]int32, n))}, dict: map[string]int32{}, total: int64(n), span: pr.span}
				for base := 0; base < n; base += chunkEvents {
					k := min(chunkEvents, n-base)
					codes := chunk
					if k < chunkEvents {
						codes = chunk[:1+k]
					}
					if err := l.chunk(base, k, dict, codes); err != nil {
						b.Fatal(err)
					}
				}
				if len(l.col.Values) != 40 {
					b.Fatalf("%d values, want 40", len(l.col.Values))
				}
			}
			b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}
