package importers

import (
	"context"
	"time"

	"github.com/spoorhq/spoor/store"
)

// writer adds rows to one import transaction and keeps the per-file facts
// the quality report needs.
type writer struct {
	tx        *store.ImportTx
	start     time.Time
	links     int64
	conflicts int64
	linked    map[string]string // anonymous id -> user, known before and in this file
	names     map[string]struct{}
	lastName  string // rows often repeat the previous name: skip the map then
}

func newWriter(ctx context.Context, db *store.DB, info store.ImportInfo) (*writer, error) {
	w := &writer{start: time.Now(), linked: map[string]string{}, names: map[string]struct{}{}}
	// Names and links already stored, read before the import transaction
	// starts so conflicts and name variants are judged against them too.
	if err := loadNames(ctx, db, w.names); err != nil {
		return nil, err
	}
	if err := loadLinks(ctx, db, w.linked); err != nil {
		return nil, err
	}
	tx, err := db.BeginImport(ctx, info)
	if err != nil {
		return nil, err
	}
	w.tx = tx
	return w, nil
}

func (w *writer) add(ctx context.Context, r *row, q *Quality) error {
	for _, l := range r.links {
		anon, user := l[0], l[1]
		if anon == "" || user == "" || anon == user {
			continue
		}
		prev, seen := w.linked[anon]
		if seen && prev == user {
			continue // already recorded; a link is stored once
		}
		if seen {
			w.conflicts++
		} else {
			w.linked[anon] = user
		}
		if err := w.tx.Link(ctx, anon, user); err != nil {
			return err
		}
		w.links++
	}
	if r.noEvt {
		return nil
	}
	if r.ev.Name != w.lastName {
		w.names[r.ev.Name] = struct{}{}
		w.lastName = r.ev.Name
	}
	q.observe(r.ev.Time, w.start)
	_, err := w.tx.Add(ctx, &r.ev)
	return err
}

func loadNames(ctx context.Context, db *store.DB, into map[string]struct{}) error {
	rows, err := db.SQL.QueryContext(ctx, "SELECT name FROM event_names")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		into[s] = struct{}{}
	}
	return rows.Err()
}

func loadLinks(ctx context.Context, db *store.DB, into map[string]string) error {
	rows, err := db.SQL.QueryContext(ctx, `SELECT a.distinct_id, u.distinct_id FROM identities i
		JOIN users a ON a.id = i.anon_id JOIN users u ON u.id = i.user_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a, u string
		if err := rows.Scan(&a, &u); err != nil {
			return err
		}
		into[a] = u
	}
	return rows.Err()
}
