package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/spoorhq/spoor/chquery"
	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
	"github.com/spoorhq/spoor/store"
)

// Saved segments and audiences of a ClickHouse table are kept, like a
// PostHog project's cohorts, beside the data rather than in it: in a local
// spoor database, by default the local copy spoor keeps for that table
// (Source.LocalCopy, the one spoor import --db clickhouse://... fills), else the
// one --segments or $SPOOR_SEGMENTS names (say the database the table was
// pushed from). Their rules are evaluated on the server.

// segmentsFlag adds --segments to a command that reads or saves segments.
func segmentsFlag(fs *flag.FlagSet) {
	fs.String("segments", "", i18n.T("with a ClickHouse --db: the local spoor database its saved segments and audiences are kept in (default $SPOOR_SEGMENTS, else the local copy kept for the table)"))
}

// segmentsPath is the local database of the saved segments and audiences
// of a ClickHouse source.
func segmentsPath(env *Env, src *clickhouse.Source) (string, error) {
	if env.flags != nil {
		if f := env.flags.Lookup("segments"); f != nil && f.Value.String() != "" {
			return f.Value.String(), nil
		}
	}
	if v := os.Getenv("SPOOR_SEGMENTS"); v != "" {
		return v, nil
	}
	return src.LocalCopy()
}

// chSaved is a ClickHouse --db given to the segment and audience commands:
// expressions are evaluated on the server, and the saved ones are kept in
// the local database at path.
type chSaved struct {
	src  *clickhouse.Source
	path string
	eng  *chquery.Engine
}

// chSavedFor is the ClickHouse source --db names, nil for a database file.
func chSavedFor(env *Env, dbFlag string) (*chSaved, error) {
	src, err := chSource(dbFlag)
	if err != nil || src == nil {
		return nil, err
	}
	path, err := segmentsPath(env, src)
	if err != nil {
		return nil, err
	}
	return &chSaved{src: src, path: path}, nil
}

// engine connects to the table once.
func (s *chSaved) engine(env *Env) (*chquery.Engine, error) {
	if s.eng == nil {
		c, t, err := openClickHouse(env, s.src)
		if err != nil {
			return nil, err
		}
		// A ClickHouse table's display zone is UTC, as spoor info says.
		s.eng = chquery.New(c, t, time.UTC).WithRules(segment.SavedAt(s.path, s.src.String()))
	}
	return s.eng, nil
}

// open opens the local database of the saved entries: for writing,
// created when missing; read-only, nil when it does not exist yet.
func (s *chSaved) open(env *Env, write bool) (*store.DB, error) {
	if write {
		if err := dirMissing(s.path); err != nil {
			return nil, i18n.Errorf("cannot create %s: %w", s.path, err)
		}
		db, err := store.Open(s.path, store.Options{Create: true})
		if err == nil {
			db.Waiting = func() { waitingNote(env, db.Path) }
		}
		return db, err
	}
	db, err := store.Open(s.path, store.Options{ReadOnly: true})
	if errors.Is(err, store.ErrNoDatabase) {
		return nil, nil
	}
	return db, err
}

// get looks up a saved entry.
func (s *chSaved) get(env *Env, k segment.Kind, name string) (segment.Saved, error) {
	db, err := s.open(env, false)
	if err != nil {
		return segment.Saved{}, err
	}
	if db == nil {
		return segment.Saved{}, i18n.Errorf("no %s %q: the saved segments and audiences of %s are kept in %s, which does not exist yet (spoor %s create NAME 'EXPR' --db URL saves one there; --segments FILE reads another spoor database's)", k.Noun, name, s.src, s.path, k.Noun)
	}
	defer db.Close()
	return k.Get(env.Ctx, db, name)
}

// measure evaluates expr on the server, in the zone of env.Ctx (--tz),
// warning of event names the table lacks; members lists the users.
func (s *chSaved) measure(env *Env, name, expr string, members bool) (Size, []string, error) {
	if _, err := segment.Parse(expr); err != nil {
		return Size{}, nil, &UsageError{err.Error()}
	}
	eng, err := s.engine(env)
	if err != nil {
		return Size{}, nil, err
	}
	loc, _ := query.ZoneOf(env.Ctx)
	r, err := eng.Segment(env.Ctx, expr, loc, members)
	if err != nil {
		return Size{}, nil, err
	}
	for _, n := range r.Unknown {
		fmt.Fprintln(env.Stderr, i18n.T("spoor: warning:"), eng.CheckEvent(env.Ctx, n))
	}
	size := Size{Name: name, Expr: expr, Users: r.Users, Total: r.Total, Share: query.Ratio(r.Users, r.Total)}
	return size, r.Members, nil
}

// userList is the members as spoor segment users lists them.
func userList(ids []string) UserList {
	out := UserList{}
	for _, id := range ids {
		out = append(out, UserRow{id})
	}
	return out
}

// matches is the members as spoor audience users lists them. Evidence is
// not computed on the server: each user's is empty.
func matches(env *Env, ids []string) AudienceUsers {
	fmt.Fprintln(env.Stderr, i18n.T("spoor: note: on ClickHouse the users are listed without evidence"))
	out := AudienceUsers{}
	for _, id := range ids {
		out = append(out, AudienceMatch{User: id, Evidence: []segment.Evidence{}})
	}
	return out
}

// addTrend fills size.Trend when --trend was given: the size as of each
// day's end, counted on the server in the zone of env.Ctx (--tz, else the
// table's).
func (s *chSaved) addTrend(env *Env, size *Size, flagValue string) error {
	if flagValue == "" {
		return nil
	}
	days, err := wholeDays("trend", flagValue)
	if err != nil {
		return err
	}
	eng, err := s.engine(env)
	if err != nil {
		return err
	}
	loc, _ := query.ZoneOf(env.Ctx)
	size.Trend, err = eng.SegmentTrend(env.Ctx, size.Expr, loc, days)
	return err
}

// save stores an expression and reports its size on the server; an
// audience also records the size in UTC (the zone audience list compares
// sizes in, a ClickHouse table's display zone).
func (s *chSaved) save(env *Env, k segment.Kind, name, expr string, replace bool) error {
	size, _, err := s.measure(env, name, expr, false)
	if err != nil {
		return err
	}
	db, err := s.open(env, true)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := k.Save(env.Ctx, db, name, expr, replace); err != nil {
		return err
	}
	fmt.Fprintln(env.Stderr, i18n.T("saved %s %s in %s: %d of %d users", k.Noun, name, s.path, size.Users, size.Total))
	if k != segment.Audiences {
		return nil
	}
	recorded := size.Users
	if loc, ok := query.ZoneOf(env.Ctx); ok && loc.String() != time.UTC.String() {
		eng, _ := s.engine(env)
		r, err := eng.Segment(env.Ctx, expr, time.UTC, false)
		if err != nil {
			return err
		}
		recorded = r.Users
		fmt.Fprintln(env.Stderr, i18n.T("  %d users in UTC, the size audience list tracks", recorded))
	}
	return segment.RecordAudience(env.Ctx, db, name, recorded)
}

// list is the saved entries; none before the first is saved.
func (s *chSaved) list(env *Env, k segment.Kind) ([]segment.Saved, error) {
	db, err := s.open(env, false)
	if err != nil || db == nil {
		return nil, err
	}
	defer db.Close()
	return k.List(env.Ctx, db)
}

// refresh re-counts the saved audience rules on the server (in UTC) and
// records their sizes.
func (s *chSaved) refresh(env *Env) error {
	rules, err := s.list(env, segment.Audiences)
	if err != nil || len(rules) == 0 {
		return err
	}
	eng, err := s.engine(env)
	if err != nil {
		return err
	}
	db, err := s.open(env, true)
	if err != nil {
		return err
	}
	defer db.Close()
	var errs []error
	for _, r := range rules {
		size, err := eng.Segment(env.Ctx, r.Expr, time.UTC, false)
		if err == nil {
			err = segment.RecordAudience(env.Ctx, db, r.Name, size.Users)
		}
		if err != nil {
			errs = append(errs, i18n.Errorf("audience %s: %w", r.Name, err))
		}
	}
	return errors.Join(errs...)
}
