package alert

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/store"
)

// Definition is a saved alert: a trends metric, and how far its latest
// points may stray from their baseline before the alert fires.
type Definition struct {
	Name string `json:"name"`
	// Metric is the arguments of spoor trends as typed, e.g.
	// "--events purchase --measure users --interval day".
	Metric    string  `json:"metric"`
	Threshold float64 `json:"threshold"` // robust z, default 3.5
	Window    int     `json:"window"`    // trailing points, default 14
	// Points is how many of each series' latest points are checked
	// (default 1, the newest interval).
	Points  int    `json:"points"`
	Created string `json:"created_at,omitempty"`
}

// ErrNotFound is returned for an unknown alert name.
var ErrNotFound error = i18n.Error(i18n.N("no such alert"))

// spec is what the alerts table keeps in its spec column.
type spec struct {
	Metric    string  `json:"metric"`
	Threshold float64 `json:"threshold"`
	Window    int     `json:"window"`
	Points    int     `json:"points"`
}

// Normalize fills defaults and checks the values.
func (d *Definition) Normalize() error {
	if d.Name == "" {
		return i18n.Errorf("an alert needs a name")
	}
	if d.Metric == "" {
		return i18n.Errorf("alert %q needs a metric (trends arguments, e.g. --metric '--events purchase')", d.Name)
	}
	if d.Threshold == 0 {
		d.Threshold = DefaultThreshold
	}
	if d.Window == 0 {
		d.Window = DefaultWindow
	}
	if d.Points == 0 {
		d.Points = 1
	}
	if d.Threshold < 0 || d.Window < 1 || d.Points < 1 {
		return i18n.Errorf("alert %q: threshold, window and points must be positive", d.Name)
	}
	return nil
}

// Save stores d, replacing a definition of the same name only when
// replace is set.
func Save(ctx context.Context, db *store.DB, d Definition, replace bool) error {
	if err := d.Normalize(); err != nil {
		return err
	}
	body, err := json.Marshal(spec{d.Metric, d.Threshold, d.Window, d.Points})
	if err != nil {
		return err
	}
	if !replace {
		if _, err := Get(ctx, db, d.Name); err == nil {
			return i18n.Errorf("an alert named %q exists; remove it first or use --replace", d.Name)
		}
	}
	_, err = db.Exec(ctx, "INSERT OR REPLACE INTO alerts (name, spec, created_at) VALUES (?, ?, ?)",
		d.Name, string(body), time.Now().UTC().Format(time.RFC3339))
	if err != nil {
		return i18n.Errorf("save alert %q: %w", d.Name, err)
	}
	return nil
}

// List returns every saved alert, by name.
func List(ctx context.Context, db *store.DB) ([]Definition, error) {
	rows, err := db.SQL.QueryContext(ctx, "SELECT name, spec, created_at FROM alerts ORDER BY name")
	if err != nil {
		return nil, i18n.Errorf("list alerts: %w", err)
	}
	defer rows.Close()
	var out []Definition
	for rows.Next() {
		d, err := scanDefinition(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Get returns one saved alert.
func Get(ctx context.Context, db *store.DB, name string) (Definition, error) {
	row := db.SQL.QueryRowContext(ctx, "SELECT name, spec, created_at FROM alerts WHERE name = ?", name)
	d, err := scanDefinition(row)
	if errors.Is(err, sql.ErrNoRows) {
		return d, i18n.Errorf("%w %q", ErrNotFound, name)
	}
	return d, err
}

// Remove deletes a saved alert.
func Remove(ctx context.Context, db *store.DB, name string) error {
	res, err := db.Exec(ctx, "DELETE FROM alerts WHERE name = ?", name)
	if err != nil {
		return i18n.Errorf("remove alert %q: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return i18n.Errorf("%w %q", ErrNotFound, name)
	}
	return nil
}

func scanDefinition(row interface{ Scan(...any) error }) (Definition, error) {
	var d Definition
	var body string
	if err := row.Scan(&d.Name, &body, &d.Created); err != nil {
		return d, err
	}
	var s spec
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		return d, i18n.Errorf("alert %q has an unreadable spec: %w", d.Name, err)
	}
	d.Metric, d.Threshold, d.Window, d.Points = s.Metric, s.Threshold, s.Window, s.Points
	return d, d.Normalize()
}

// Definitions is a list of saved alerts as a table.
type Definitions []Definition

// Tables lists the alerts.
func (ds Definitions) Tables(l i18n.Lang) []output.Table {
	t := output.Table{Columns: []string{l.T("name"), l.T("metric"), l.T("threshold"), l.T("window"), l.T("points"), l.T("created")}}
	for _, d := range ds {
		t.Rows = append(t.Rows, []string{d.Name, d.Metric, num(d.Threshold), strconv.Itoa(d.Window), strconv.Itoa(d.Points), d.Created})
	}
	return []output.Table{t}
}
