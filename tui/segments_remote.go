package tui

import (
	"context"
	"errors"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
	"github.com/spoorhq/spoor/store"
)

// The Segments tab reads its expressions' members from a segmentData: the
// loaded events, or a ClickHouse table, where each expression is compiled
// to SQL and only counts, or the members' ids, come back (chquery). Saved
// entries live in a local database either way: the one loaded, or the one
// kept beside the table (remote.saved), made on the first save.
type segmentData interface {
	// total is the number of users; loc the zone of calendar days.
	total() int
	loc() *time.Location
	// members lists the users expr holds for; count counts them.
	members(ctx context.Context, expr string) ([]string, error)
	count(ctx context.Context, expr string) (int, error)
	// preview fills r's size, warnings and trend of size for r.expr.
	preview(ctx context.Context, r *savedResult)
	// campaign is a saved audience's exports with their lift (nil
	// without any); db holds the exports.
	campaign(ctx context.Context, db *store.DB, name string) (*segment.Campaign, error)
}

// segmentsOf is the tab's data: d, or the ClickHouse table rem when set.
func segmentsOf(rem *remote, d *query.Dataset) segmentData {
	if rem != nil {
		return remoteSegments{rem}
	}
	return localSegments{d}
}

type localSegments struct{ d *query.Dataset }

func (l localSegments) total() int          { return len(l.d.Users) }
func (l localSegments) loc() *time.Location { return l.d.Loc }

func (l localSegments) members(ctx context.Context, expr string) ([]string, error) {
	m, err := segment.Evaluate(ctx, l.d, expr)
	return memberIDs(l.d, m), err
}

func (l localSegments) count(ctx context.Context, expr string) (int, error) {
	m, err := l.members(ctx, expr)
	return len(m), err
}

func (l localSegments) preview(ctx context.Context, r *savedResult) {
	d := l.d
	n, err := segment.Parse(r.expr)
	if err != nil {
		r.err = err
		return
	}
	e, err := segment.Compile(ctx, d, n)
	if err != nil {
		r.err = err
		return
	}
	// Names the data lacks match nothing; say so with the closest known.
	for _, n := range e.Unknown {
		if err := d.CheckEvent(n); err != nil {
			r.unknown = append(r.unknown, err.Error())
		}
	}
	for _, k := range e.Unset {
		r.unknown = append(r.unknown, i18n.T("no event has property %q", k))
	}
	m, err := e.Members(ctx)
	if err != nil {
		r.err = err
		return
	}
	r.users = len(memberIDs(d, m))
	r.trend, r.err = segment.Trend(ctx, d, n, previewDays)
}

func (l localSegments) campaign(ctx context.Context, db *store.DB, name string) (*segment.Campaign, error) {
	return segment.MeasureCampaign(ctx, db, l.d, name, "", campaignWindow)
}

// remoteSegments is a ClickHouse table, in its display zone (UTC).
type remoteSegments struct{ r *remote }

func (s remoteSegments) total() int          { return s.r.over.Users }
func (s remoteSegments) loc() *time.Location { return time.UTC }

func (s remoteSegments) members(ctx context.Context, expr string) ([]string, error) {
	size, err := s.r.eng.Segment(ctx, expr, nil, true)
	if err != nil {
		return nil, err
	}
	return size.Members, nil
}

func (s remoteSegments) count(ctx context.Context, expr string) (int, error) {
	size, err := s.r.eng.Segment(ctx, expr, nil, false)
	if err != nil {
		return 0, err
	}
	return size.Users, nil
}

func (s remoteSegments) preview(ctx context.Context, r *savedResult) {
	eng := s.r.eng
	size, err := eng.Segment(ctx, r.expr, nil, false) // a parse error included
	if err != nil {
		r.err = err
		return
	}
	for _, n := range size.Unknown {
		if err := eng.CheckEvent(ctx, n); err != nil {
			r.unknown = append(r.unknown, err.Error())
		}
	}
	for _, k := range size.Unset {
		r.unknown = append(r.unknown, i18n.T("no event has property %q", k))
	}
	r.users = size.Users
	r.trend, r.err = eng.SegmentTrend(ctx, r.expr, nil, previewDays)
}

func (s remoteSegments) campaign(ctx context.Context, db *store.DB, name string) (*segment.Campaign, error) {
	return segment.MeasureCampaignWith(ctx, db, name, "", func(as []segment.Assignment, goal string) (treated, control segment.Outcome, open int, err error) {
		return s.r.eng.Conversions(ctx, as, goal, campaignWindow)
	})
}

// savedStore is the database of the saved entries: the loaded one (db),
// or on a ClickHouse table the local one kept for it (rem.saved).
type savedStore struct {
	db  *store.DB
	rem *remote
}

func savedOf(sh *shared) savedStore { return savedStore{sh.db, sh.remote} }

// with runs fn on the database; the one kept for a ClickHouse table is
// opened for this call, created when write is set and it is missing
// (without write, fn gets nil while there is none).
func (s savedStore) with(write bool, fn func(db *store.DB) error) error {
	if s.rem == nil {
		return fn(s.db)
	}
	db, err := store.Open(s.rem.saved, store.Options{ReadOnly: !write, Create: write})
	if !write && errors.Is(err, store.ErrNoDatabase) {
		return fn(nil)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

// list reads the saved entries; none before the first is saved.
func (s savedStore) list(ctx context.Context) (out []savedEntry, err error) {
	err = s.with(false, func(db *store.DB) error {
		if db != nil {
			out, err = listSaved(ctx, db)
		}
		return err
	})
	return out, err
}
