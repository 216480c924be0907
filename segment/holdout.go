package segment

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"math"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

// Held reports whether user falls in the held-out (control) group of the
// audience name at fraction frac (0 to 1). The split is stable and
// reproducible anywhere: the first 8 bytes of SHA-256(name, a zero byte,
// user) read as a big-endian unsigned integer, divided by 2^64, held out
// when below frac. The same person lands in the same group on every
// export, and people who enter the audience later are split by the same
// rule; the audience's name salts it, so two campaigns hold out different
// people.
func Held(name, user string, frac float64) bool {
	h := sha256.Sum256([]byte(name + "\x00" + user))
	return float64(binary.BigEndian.Uint64(h[:8])) < frac*math.Exp2(64)
}

// Export is one recorded export of an audience with a holdout.
type Export struct {
	ID       int64   `json:"id"`
	Audience string  `json:"audience"`
	At       int64   `json:"-"`       // epoch ms UTC
	Holdout  float64 `json:"holdout"` // fraction held out of the people new in it
	Goal     string  `json:"goal,omitempty"`
	Treated  int     `json:"treated"` // people in the file
	Control  int     `json:"control"` // people of the audience held out
}

// Assignment is a person's group and when it was set: the time of the
// export that first saw them.
type Assignment struct {
	User    string
	Control bool
	At      int64 // epoch ms UTC
}

// RecordExport records an export of the audience name whose members are
// now users, at now: people assigned by an earlier export keep their
// group, new people are held out by Held at frac. It returns the members
// to write (the treated ones, in the order given) and the export.
func RecordExport(ctx context.Context, db *store.DB, name string, users []string, frac float64, goal string, now time.Time) ([]string, Export, error) {
	if !(frac > 0 && frac < 1) {
		return nil, Export{}, i18n.Errorf("the holdout is a share above 0%% and below 100%%")
	}
	e := Export{Audience: name, At: now.UnixMilli(), Holdout: frac, Goal: goal}
	var keep []string
	err := db.Write(ctx, func(tx *sql.Tx) error {
		keep, e.Treated, e.Control = keep[:0], 0, 0
		// The first statement writes: the transaction holds the write lock
		// before it reads the earlier assignments.
		res, err := tx.ExecContext(ctx, `INSERT INTO audience_exports(audience, exported_at, holdout, goal, treated, control)
			VALUES(?, ?, ?, NULLIF(?, ''), 0, 0)`, name, e.At, frac, goal)
		if err != nil {
			return err
		}
		if e.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		before, err := groups(ctx, tx, name)
		if err != nil {
			return err
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO audience_holdout(audience, user, control, export_id) VALUES(?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, u := range users {
			control, seen := before[u]
			if !seen {
				control = Held(name, u, frac)
				if _, err := ins.ExecContext(ctx, name, u, control, e.ID); err != nil {
					return err
				}
			}
			if control {
				e.Control++
			} else {
				e.Treated++
				keep = append(keep, u)
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE audience_exports SET treated = ?, control = ? WHERE id = ?`, e.Treated, e.Control, e.ID)
		return err
	})
	if err != nil {
		return nil, Export{}, i18n.Errorf("record the export of audience %s: %w", name, err)
	}
	return keep, e, nil
}

// groups reads the recorded group of every person assigned in audience
// name: true is held out.
func groups(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, name string) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT user, control FROM audience_holdout WHERE audience = ?`, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var u string
		var c bool
		if err := rows.Scan(&u, &c); err != nil {
			return nil, err
		}
		out[u] = c
	}
	return out, rows.Err()
}

// hasHoldouts reports whether the database has the holdout tables: a
// file of schema 2 opened read-only has none (and no exports).
func hasHoldouts(ctx context.Context, db *store.DB) (bool, error) {
	return db.HasTable(ctx, "audience_exports")
}

// Exports lists the recorded exports of the audience name, oldest first.
func Exports(ctx context.Context, db *store.DB, name string) ([]Export, error) {
	if ok, err := hasHoldouts(ctx, db); err != nil || !ok {
		return nil, err
	}
	rows, err := db.SQL.QueryContext(ctx, `SELECT id, audience, exported_at, holdout, coalesce(goal, ''), treated, control
		FROM audience_exports WHERE audience = ? ORDER BY id`, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Export
	for rows.Next() {
		var e Export
		if err := rows.Scan(&e.ID, &e.Audience, &e.At, &e.Holdout, &e.Goal, &e.Treated, &e.Control); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Unrecorded filters the members of an export that is not recorded (spoor
// audience users without --holdout) so the control group is never in a
// file: the people held out before, and new people the last export's
// fraction would hold out, are left out. With no export recorded it
// returns users as they are and a nil last.
func Unrecorded(ctx context.Context, db *store.DB, name string, users []string) (keep []string, last *Export, err error) {
	ex, err := Exports(ctx, db, name)
	if err != nil || len(ex) == 0 {
		return users, nil, err
	}
	last = &ex[len(ex)-1]
	before, err := groups(ctx, db.SQL, name)
	if err != nil {
		return nil, nil, err
	}
	keep = []string{}
	for _, u := range users {
		control, seen := before[u]
		if !seen {
			control = Held(name, u, last.Holdout)
		}
		if !control {
			keep = append(keep, u)
		}
	}
	return keep, last, nil
}

// Assignments lists everyone the audience's exports assigned, with the
// time of the export that assigned them.
func Assignments(ctx context.Context, db *store.DB, name string) ([]Assignment, error) {
	if ok, err := hasHoldouts(ctx, db); err != nil || !ok {
		return nil, err
	}
	rows, err := db.SQL.QueryContext(ctx, `SELECT h.user, h.control, e.exported_at FROM audience_holdout h
		JOIN audience_exports e ON e.id = h.export_id WHERE h.audience = ? ORDER BY h.user`, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Assignment
	for rows.Next() {
		var a Assignment
		if err := rows.Scan(&a.User, &a.Control, &a.At); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Outcome is one group's size and how many of it converted.
type Outcome struct {
	Users     int `json:"users"`
	Converted int `json:"converted"`
}

// Conversions counts, per group, the assigned people who did goal after
// the export that assigned them (strictly after its instant) and at most
// window ms later. open counts the people whose window had not closed by
// the data's last event: their conversions may still come. A person with
// no events in d counts as not converted.
func Conversions(ctx context.Context, d *query.Dataset, as []Assignment, goal string, window int64) (treated, control Outcome, open int, err error) {
	if err := d.CheckEvent(goal); err != nil {
		return treated, control, 0, err
	}
	g, _ := d.EventID(goal)
	at := make(map[string]int, len(as))
	for k, a := range as {
		at[a.User] = k
	}
	converted := make([]bool, len(as))
	for p, u := range d.Users {
		k, ok := at[u]
		if !ok {
			continue
		}
		if err := ctx.Err(); err != nil {
			return treated, control, 0, err
		}
		from, to := as[k].At, as[k].At+window
		for i := d.Start[p]; i < d.Start[p+1]; i++ {
			if t := d.Time[i]; d.Event[i] == g && t > from && t <= to {
				converted[k] = true
				break
			}
		}
	}
	treated, control, open = Outcomes(as, converted, window, d.MaxTime)
	return treated, control, open, nil
}

// Outcomes counts each group's people and those who converted (converted
// is by assignment); open counts the rest whose window ends after last,
// the data's last event (Conversions).
func Outcomes(as []Assignment, converted []bool, window, last int64) (treated, control Outcome, open int) {
	for k, a := range as {
		o := &treated
		if a.Control {
			o = &control
		}
		o.Users++
		if converted[k] {
			o.Converted++
		} else if a.At+window > last {
			open++
		}
	}
	return treated, control, open
}

// deleteHoldouts forgets an audience's exports and splits.
func deleteHoldouts(ctx context.Context, db *store.DB, name string) error {
	if ok, err := hasHoldouts(ctx, db); err != nil || !ok {
		return err
	}
	return db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM audience_holdout WHERE audience = ?`, name); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM audience_exports WHERE audience = ?`, name)
		return err
	})
}

// Campaign is an audience's recorded exports and how each group did on a
// goal.
type Campaign struct {
	Exports          []Export // oldest first; never empty
	Goal             string   // "" when none was given or recorded: no outcome
	Treated, Control Outcome
	Open             int // Conversions' open windows
}

// MeasureCampaign reads the exports of audience name and counts the goal
// in each group within window ms (Conversions). An empty goal is the
// latest export's that named one. It returns nil when the audience has
// no export with a holdout.
func MeasureCampaign(ctx context.Context, db *store.DB, d *query.Dataset, name, goal string, window int64) (*Campaign, error) {
	return MeasureCampaignWith(ctx, db, name, goal, func(as []Assignment, goal string) (treated, control Outcome, open int, err error) {
		return Conversions(ctx, d, as, goal, window)
	})
}

// MeasureCampaignWith is MeasureCampaign with the conversions counted by
// conv, as Conversions counts them, on any backend.
func MeasureCampaignWith(ctx context.Context, db *store.DB, name, goal string,
	conv func(as []Assignment, goal string) (treated, control Outcome, open int, err error)) (*Campaign, error) {
	ex, err := Exports(ctx, db, name)
	if err != nil || len(ex) == 0 {
		return nil, err
	}
	c := &Campaign{Exports: ex, Goal: goal}
	for k := len(ex) - 1; k >= 0 && c.Goal == ""; k-- {
		c.Goal = ex[k].Goal
	}
	if c.Goal == "" {
		return c, nil
	}
	as, err := Assignments(ctx, db, name)
	if err != nil {
		return nil, err
	}
	c.Treated, c.Control, c.Open, err = conv(as, c.Goal)
	return c, err
}
