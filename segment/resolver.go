package segment

import (
	"context"
	"errors"
	"math"
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

// Resolve returns the members of a --segment name: a saved segment,
// "audience:NAME" for a saved audience rule, or "stage:STAGE" for a
// lifecycle stage (30-day window). Calendar days are those of the zone of
// ctx (WithZone: the analysis's --tz), else the dataset's.
func Resolve(ctx context.Context, db *store.DB, d *query.Dataset, name string) ([]bool, error) {
	return Resolver{DB: db}.Members(ctx, d, name)
}

// Rules looks up the expression of a saved --segment name: a segment NAME
// or audience:NAME.
type Rules func(ctx context.Context, name string) (string, error)

// SavedIn looks names up among the saved segments and audiences of db.
func SavedIn(db *store.DB) Rules {
	return func(ctx context.Context, name string) (string, error) {
		k := Segments
		if rest, ok := strings.CutPrefix(name, "audience:"); ok {
			k, name = Audiences, rest
		}
		s, err := k.Get(ctx, db, name)
		return s.Expr, err
	}
}

// SavedAt looks names up among the saved segments and audiences of the
// spoor database at path, opened read-only at each look-up: those of a
// ClickHouse table, kept beside it. owner names the table in the error
// when the file does not exist yet.
func SavedAt(path, owner string) Rules {
	return func(ctx context.Context, name string) (string, error) {
		db, err := store.Open(path, store.Options{ReadOnly: true})
		if errors.Is(err, store.ErrNoDatabase) {
			return "", i18n.Errorf("no saved segment %q: the segments of %s are kept in %s, which does not exist yet (spoor segment create NAME 'EXPR' --db URL saves one there; --segments FILE reads another spoor database's)", name, owner, path)
		}
		if err != nil {
			return "", err
		}
		defer db.Close()
		return SavedIn(db)(ctx, name)
	}
}

// Resolver resolves --segment NAME and --by segment:NAME against the saved
// segments and audiences of DB (or of Rules, when set). Set it as the
// Dataset's Segments: d.Segments = segment.Resolver{DB: db}.
type Resolver struct {
	DB    *store.DB
	Rules Rules
}

// Members returns the members of a --segment name (see Resolve).
func (r Resolver) Members(ctx context.Context, d *query.Dataset, name string) ([]bool, error) {
	if stage, ok := strings.CutPrefix(name, "stage:"); ok {
		return stageMembers(d, stage, DefaultStageWindow, Zone(ctx, d))
	}
	rules := r.Rules
	if rules == nil {
		rules = SavedIn(r.DB)
	}
	expr, err := rules(ctx, name)
	if err != nil {
		return nil, err
	}
	return Evaluate(ctx, d, expr)
}

// Breakdown returns a per-event property column that splits any analysis
// by membership of a --segment name: every event of a member carries the
// value NAME, every other event "not NAME". Analyses that break down by a
// *query.Prop (Scope.By) use it unchanged.
func (r Resolver) Breakdown(ctx context.Context, d *query.Dataset, name string) (*query.Prop, error) {
	m, err := r.Members(ctx, d, name)
	if err != nil {
		return nil, err
	}
	return MembershipProp(d, m, name, "not "+name), nil
}

// MembershipProp labels each event by whether its person is a member.
func MembershipProp(d *query.Dataset, members []bool, in, out string) *query.Prop {
	return LabelProp(d, "segment", []string{in, out}, func(p int) int {
		if members[p] {
			return 0
		}
		return 1
	})
}

// LabelProp builds a per-event property column from a per-person label:
// label(p) indexes values, or is -1 for no value.
func LabelProp(d *query.Dataset, key string, values []string, label func(p int) int) *query.Prop {
	prop := &query.Prop{Key: key, Values: values, Num: make([]float64, len(values)), Codes: make([]int32, d.Len())}
	for i := range prop.Num {
		prop.Num[i] = math.NaN() // labels are text, never numbers
	}
	for p := range d.Users {
		c := int32(label(p) + 1)
		for i := d.Start[p]; i < d.Start[p+1]; i++ {
			prop.Codes[i] = c
		}
	}
	return prop
}
