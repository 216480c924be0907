package segment

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

// Saved is a stored segment or audience rule.
type Saved struct {
	Name      string `json:"name"`
	Expr      string `json:"expr"`
	CreatedAt string `json:"created_at"`
	// Audiences only: users matched at the last and the previous
	// evaluation (after each import), nil before the first.
	LastCount   *int64 `json:"last_count,omitempty"`
	PrevCount   *int64 `json:"prev_count,omitempty"`
	EvaluatedAt string `json:"evaluated_at,omitempty"`
}

// ErrNotFound is returned for a name that is not saved (errors.Is).
var ErrNotFound error = i18n.Error(i18n.N("not found"))

type notFound struct{ msg string }

func (e *notFound) Error() string        { return e.msg }
func (e *notFound) Is(target error) bool { return target == ErrNotFound }

// Kind is a table of saved expressions: segments or audiences.
type Kind struct {
	Noun  string // segment, audience
	table string
	col   string
}

// Segments and Audiences are the two kinds, stored in the tables of the
// same names.
var (
	Segments  = Kind{"segment", "segments", "expr"}
	Audiences = Kind{"audience", "audiences", "rule"}
)

// noun is the kind as a sentence names it.
func (k Kind) noun() string {
	if k == Audiences {
		return i18n.T("audience")
	}
	return i18n.T("segment")
}

var ()

// CheckName refuses names that would be awkward on a command line or
// clash with the prefixes --segment understands (stage:, audience:).
func CheckName(name string) error {
	if name == "" || len([]rune(name)) > 64 {
		return i18n.Errorf("a name has 1 to 64 characters")
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-' && r != '.' {
			return i18n.Errorf("name %q: use letters, digits, _ - and . only", name)
		}
	}
	return nil
}

// Save stores a validated expression under name. An existing name is
// refused unless replace is set.
func (k Kind) Save(ctx context.Context, db *store.DB, name, expr string, replace bool) error {
	if err := CheckName(name); err != nil {
		return err
	}
	if _, err := Parse(expr); err != nil {
		return err
	}
	now := time.Now().UTC().Format(time.RFC3339)
	q := `INSERT INTO ` + k.table + `(name, ` + k.col + `, created_at) VALUES(?, ?, ?)`
	if replace {
		// A changed rule starts a new count history.
		q += ` ON CONFLICT(name) DO UPDATE SET ` + k.col + ` = excluded.` + k.col + `, created_at = excluded.created_at`
		if k == Audiences {
			q += `, last_count = NULL, prev_count = NULL, evaluated_at = NULL`
		}
	}
	_, err := db.Exec(ctx, q, name, expr, now)
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return i18n.Errorf("%s %q exists; delete it first or pass --replace", k.noun(), name)
	}
	return err
}

// List returns every saved entry, by name.
func (k Kind) List(ctx context.Context, db *store.DB) ([]Saved, error) {
	q := `SELECT name, ` + k.col + `, created_at, NULL, NULL, NULL FROM ` + k.table + ` ORDER BY name`
	if k.table == "audiences" {
		q = `SELECT name, rule, created_at, last_count, prev_count, evaluated_at FROM audiences ORDER BY name`
	}
	rows, err := db.SQL.QueryContext(ctx, q)
	if err != nil {
		return nil, i18n.Errorf("list %s: %w", k.noun(), err)
	}
	defer rows.Close()
	var out []Saved
	for rows.Next() {
		var s Saved
		var last, prev sql.NullInt64
		var at sql.NullString
		if err := rows.Scan(&s.Name, &s.Expr, &s.CreatedAt, &last, &prev, &at); err != nil {
			return nil, err
		}
		if last.Valid {
			s.LastCount = &last.Int64
		}
		if prev.Valid {
			s.PrevCount = &prev.Int64
		}
		s.EvaluatedAt = at.String
		out = append(out, s)
	}
	return out, rows.Err()
}

// Get returns one entry; an unknown name's error lists the closest saved.
func (k Kind) Get(ctx context.Context, db *store.DB, name string) (Saved, error) {
	all, err := k.List(ctx, db)
	if err != nil {
		return Saved{}, err
	}
	var names []string
	for _, s := range all {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	if near := query.Closest(name, names, 3); len(near) > 0 {
		return Saved{}, &notFound{i18n.T("no %s %q (closest: %s)", k.noun(), name, strings.Join(near, ", "))}
	}
	return Saved{}, &notFound{i18n.T("no %s %q (spoor %s list shows the %d saved)", k.noun(), name, k.Noun, len(names))}
}

// Delete removes an entry.
func (k Kind) Delete(ctx context.Context, db *store.DB, name string) error {
	if _, err := k.Get(ctx, db, name); err != nil {
		return err
	}
	if k == Audiences {
		if err := deleteHoldouts(ctx, db, name); err != nil {
			return err
		}
	}
	_, err := db.Exec(ctx, `DELETE FROM `+k.table+` WHERE name = ?`, name)
	return err
}

// record stores a new audience count, keeping the one before it.
func record(ctx context.Context, db *store.DB, name string, n int) error {
	_, err := db.Exec(ctx, `UPDATE audiences SET prev_count = last_count, last_count = ?, evaluated_at = ? WHERE name = ?`,
		n, time.Now().UTC().Format(time.RFC3339), name)
	return err
}

// RefreshAudiences re-evaluates every saved audience rule on the current
// data and records its size, moving the previous size to prev_count. Call
// it after each successful import, with the database open for writing.
// It loads the events only when there is a rule to evaluate. Recorded
// sizes always use the database's display timezone, whatever zone ctx
// carries, so that successive sizes compare like with like.
func RefreshAudiences(ctx context.Context, db *store.DB) error {
	rules, err := Audiences.List(ctx, db)
	if err != nil || len(rules) == 0 {
		return err
	}
	d, err := query.Load(ctx, db)
	if err != nil {
		return err
	}
	ctx = WithZone(ctx, dataZone(d))
	var errs []error
	for _, r := range rules {
		m, err := Evaluate(ctx, d, r.Expr)
		if err != nil {
			errs = append(errs, i18n.Errorf("audience %s: %w", r.Name, err))
			continue
		}
		if err := record(ctx, db, r.Name, count(m)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// RecordAudience stores the size of an audience just evaluated (after it
// is created), keeping the size before it as the previous one.
func RecordAudience(ctx context.Context, db *store.DB, name string, users int) error {
	return record(ctx, db, name, users)
}

func count(m []bool) int {
	n := 0
	for _, ok := range m {
		if ok {
			n++
		}
	}
	return n
}
