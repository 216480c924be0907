package importers

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// Vendor-resolved ids (amplitude_id) against the obvious reference: every
// id carrying one amplitude_id is one person, and persons with different
// ones stay apart, whatever the order of the events and however they are
// split into imports. Each amplitude_id has up to four devices and at
// most one user_id, as Amplitude assigns them.
func TestMergeRandomized(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	for round := 0; round < 20; round++ {
		groups := 1 + rng.Intn(8)
		var lines []string
		group := map[string]int{} // distinct id -> amplitude_id
		for g := 0; g < groups; g++ {
			devices := 1 + rng.Intn(4)
			user := ""
			if rng.Intn(3) > 0 {
				user = fmt.Sprintf("user-%d-%d", round, g)
			}
			for n := 1 + rng.Intn(6); n > 0; n-- {
				dev := fmt.Sprintf("dev-%d-%d-%d", round, g, rng.Intn(devices))
				uid := "null"
				who := dev
				if user != "" && rng.Intn(2) == 0 {
					uid, who = `"`+user+`"`, user
				}
				group[who] = g
				lines = append(lines, fmt.Sprintf(`{"event_type":"e","event_time":"2024-03-01 09:%02d:00","device_id":%q,"user_id":%s,"amplitude_id":%d,"$insert_id":"r%d-%d"}`,
					rng.Intn(60), dev, uid, 1000+g, round, len(lines)))
			}
		}
		rng.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
		db := newDB(t)
		for rest := lines; len(rest) > 0; {
			n := 1 + rng.Intn(len(rest))
			mustImport(t, db, writeFile(t, "part.json", strings.Join(rest[:n], "\n")+"\n"), Options{})
			rest = rest[n:]
		}
		r, err := db.LoadRows(bg)
		if err != nil {
			t.Fatal(err)
		}
		personOf := map[int]int32{} // amplitude_id -> person
		groupOf := map[int32]int{}  // person -> amplitude_id
		for _, u := range r.User {
			g, p := group[r.Users[u]], r.Canon[u]
			if q, ok := personOf[g]; ok && q != p {
				t.Fatalf("round %d: amplitude_id %d split over persons %s and %s", round, 1000+g, r.Users[q], r.Users[p])
			}
			if h, ok := groupOf[p]; ok && h != g {
				t.Fatalf("round %d: person %s holds amplitude_ids %d and %d", round, r.Users[p], 1000+h, 1000+g)
			}
			personOf[g], groupOf[p] = p, g
			if strings.HasPrefix(r.Users[p], "amplitude_id:") {
				t.Fatalf("round %d: person named by the vendor node %s", round, r.Users[p])
			}
		}
		d, err := Diagnose(bg, db)
		if err != nil {
			t.Fatal(err)
		}
		if d.Quality.IdentityConflicts != 0 {
			t.Fatalf("round %d: %d identity conflicts", round, d.Quality.IdentityConflicts)
		}
	}
}
