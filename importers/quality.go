package importers

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/spoorhq/spoor/store"
)

// Quality is the data-quality report of one import (stored in the ledger)
// or of the whole database (spoor doctor).
type Quality struct {
	Rejected          map[string]int64 `json:"rejected"`
	Duplicates        int64            `json:"duplicates"`
	Future            int64            `json:"future"`
	Before2000        int64            `json:"before_2000"`
	NameVariants      [][]string       `json:"name_variants"`
	IdentityConflicts int64            `json:"identity_conflicts"`
	Timezone          string           `json:"timezone"`
	NaiveTimes        int64            `json:"naive_times"`
	// Outliers (--dry-run and doctor only): a few events far from the rest.
	Outliers *Outliers `json:"outliers,omitempty"`
}

// y2000 is 2000-01-01T00:00:00Z in epoch ms: earlier events are suspicious
// (a default date, an offset read as an epoch) though not impossible.
const y2000 = 946684800000

func (q *Quality) observe(ms int64, now time.Time) {
	if ms < y2000 {
		q.Before2000++
	} else if ms > now.UnixMilli() {
		q.Future++
	}
}

// variantKey is what names that differ only in case or spacing share.
func variantKey(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '_' || r == '-' || r == '.' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// nameVariants groups the names that differ only in case or spacing
// ("Sign Up", "sign_up", "signup"), each group sorted, groups by first name.
func nameVariants(names map[string]struct{}) [][]string {
	groups := map[string][]string{}
	for n := range names {
		k := variantKey(n)
		groups[k] = append(groups[k], n)
	}
	out := [][]string{}
	for _, g := range groups {
		if len(g) > 1 {
			sort.Strings(g)
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// Doctor is the data-quality report over a whole database.
type Doctor struct {
	Events    int64      `json:"events"`
	Users     int64      `json:"users"`
	Imports   []Ledger   `json:"imports"`
	Quality   Quality    `json:"quality"`
	Conflicts []Conflict `json:"identity_conflict_examples"`
	Timezones []string   `json:"timezones_assumed"`
}

// Ledger is one row of the imports table.
type Ledger struct {
	File       string `json:"file"`
	Format     string `json:"format"`
	ImportedAt string `json:"imported_at"`
	RowsRead   int64  `json:"rows_read"`
	Imported   int64  `json:"imported"`
	Rejected   int64  `json:"rejected"`
	Duplicates int64  `json:"duplicates"`
	Timezone   string `json:"timezone"`
}

// Conflict is an anonymous id that more than one user claimed.
type Conflict struct {
	Anon      string `json:"anonymous_id"`
	User      string `json:"kept_user"`
	Conflicts int64  `json:"other_links"`
}

// Diagnose builds the report for db.
func Diagnose(ctx context.Context, db *store.DB) (*Doctor, error) {
	d := &Doctor{Quality: Quality{Rejected: map[string]int64{}, NameVariants: [][]string{}}, Conflicts: []Conflict{}, Timezones: []string{}}
	// Over the whole database, "timezone" names the zones imports assumed
	// for naive times, or the display timezone when none had any.
	if loc, err := db.Timezone(ctx); err == nil {
		d.Quality.Timezone = loc.String()
	}
	// Counted from the event columns, which every import writes (the SQL
	// rows of a bulk import may be deferred).
	ev, err := db.LoadRows(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now().UnixMilli()
	seen := make([]bool, len(ev.Users))
	for i, t := range ev.Time {
		if t < y2000 {
			d.Quality.Before2000++
		} else if t > now {
			d.Quality.Future++
		}
		if u := ev.User[i]; int(u) < len(seen) && !seen[u] {
			seen[u] = true
			d.Users++
		}
	}
	d.Events = int64(len(ev.Time))
	loc, err := db.Timezone(ctx)
	if err != nil {
		loc = time.UTC
	}
	d.Quality.Outliers = FindOutliers(slices.Sorted(slices.Values(ev.Time)), loc)
	rows, err := db.SQL.QueryContext(ctx, `SELECT file, format, imported_at, rows_read, imported, rejected, duplicates, timezone, report FROM imports ORDER BY id`)
	if err != nil {
		return nil, err
	}
	tzs := map[string]bool{}
	for rows.Next() {
		var l Ledger
		var report string
		if err := rows.Scan(&l.File, &l.Format, &l.ImportedAt, &l.RowsRead, &l.Imported, &l.Rejected, &l.Duplicates, &l.Timezone, &report); err != nil {
			rows.Close()
			return nil, err
		}
		d.Imports = append(d.Imports, l)
		d.Quality.Duplicates += l.Duplicates
		var r struct {
			Quality Quality `json:"quality"`
		}
		if json.Unmarshal([]byte(report), &r) == nil {
			for k, v := range r.Quality.Rejected {
				d.Quality.Rejected[k] += v
			}
			d.Quality.NaiveTimes += r.Quality.NaiveTimes
			if r.Quality.NaiveTimes > 0 && !tzs[l.Timezone] {
				tzs[l.Timezone] = true
				d.Timezones = append(d.Timezones, l.Timezone)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(d.Timezones) > 0 {
		d.Quality.Timezone = strings.Join(d.Timezones, ", ")
	}
	names := map[string]struct{}{}
	if err := loadNames(ctx, db, names); err != nil {
		return nil, err
	}
	d.Quality.NameVariants = nameVariants(names)
	crow, err := db.SQL.QueryContext(ctx, `SELECT a.distinct_id, u.distinct_id, i.conflicts FROM identities i
		JOIN users a ON a.id = i.anon_id JOIN users u ON u.id = i.user_id WHERE i.conflicts > 0 ORDER BY i.conflicts DESC, a.distinct_id`)
	if err != nil {
		return nil, err
	}
	defer crow.Close()
	for crow.Next() {
		var c Conflict
		if err := crow.Scan(&c.Anon, &c.User, &c.Conflicts); err != nil {
			return nil, err
		}
		d.Quality.IdentityConflicts++
		if len(d.Conflicts) < 20 {
			d.Conflicts = append(d.Conflicts, c)
		}
	}
	return d, crow.Err()
}
