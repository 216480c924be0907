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
	known     map[string]bool   // ids this file marks as identified users (merge)
	names     map[string]struct{}
	lastName  string // rows often repeat the previous name: skip the map then
}

func newWriter(ctx context.Context, db *store.DB, info store.ImportInfo) (*writer, error) {
	w := &writer{start: time.Now(), linked: map[string]string{}, known: map[string]bool{}, names: map[string]struct{}{}}
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
	// The vendor's own resolution first: a row's direct link (device ->
	// user) then finds the device already in the user's person.
	for _, m := range r.members {
		if err := w.merge(ctx, m); err != nil {
			return err
		}
	}
	for _, l := range r.links {
		if err := w.link(ctx, l[0], l[1]); err != nil {
			return err
		}
	}
	if r.noEvt {
		return nil
	}
	if r.ev.Name != w.lastName {
		w.names[r.ev.Name] = struct{}{}
		w.lastName = r.ev.Name
	}
	q.observe(r.ev.Time, w.start)
	err := w.tx.Add(ctx, &r.ev)
	return err
}

// link records that anon became user, once; a second user for the same
// anonymous id, of another person, is a conflict (the store keeps the
// first).
func (w *writer) link(ctx context.Context, anon, user string) error {
	if anon == "" || user == "" || anon == user {
		return nil
	}
	prev, seen := w.linked[anon]
	if seen && (prev == user || w.root(prev) == w.root(user)) {
		return nil // already recorded, or already the same person
	}
	if seen {
		w.conflicts++
	} else {
		w.linked[anon] = user
	}
	w.links++
	return w.tx.Link(ctx, anon, user)
}

// root follows id's links to the person it belongs to, as the store's
// readers do (chains up to 32 links).
func (w *writer) root(id string) string {
	for steps := 0; steps < 32; steps++ {
		next, ok := w.linked[id]
		if !ok {
			return id
		}
		id = next
	}
	return id
}

// merge joins m.id to the vendor's person m.node. The node is stored as an
// id of its own linked to the person's ids, so the knowledge survives into
// later imports (an Amplitude download's hours, a second export), yet it
// never names the person: the first id seen names it, until an identified
// user appears, who then does. Only roots are linked, so no id gets a
// second link (no conflict) and no link closes a cycle.
func (w *writer) merge(ctx context.Context, m member) error {
	if m.id == "" || m.node == "" {
		return nil
	}
	if m.known {
		w.known[m.id] = true
	}
	ra, rb := w.root(m.id), w.root(m.node)
	switch {
	case ra == rb:
		return nil
	case rb == m.node: // the node is new: it points at this id's person
		return w.link(ctx, m.node, ra)
	case w.known[ra] && !w.known[rb]: // an identified user takes over the person
		return w.link(ctx, rb, ra)
	default: // the id joins the person as it is named
		return w.link(ctx, ra, rb)
	}
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
