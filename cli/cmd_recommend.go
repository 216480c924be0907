package cli

import (
	"flag"
	"fmt"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/recommend"
)

func init() {
	register("recommend", i18n.N("items to offer each user from behaviour (session kNN, co-occurrence), item associations, and a holdout evaluation"), runRecommend)
}

// recommendUsage is the synopsis and, in the interface language, what it means.
func recommendUsage() string {
	return `--item PROP [--top 5] [--method item|sknn|popular] [--buy EVENT] [--include-bought]
       [--session-gap 30m] [--from/--to/--last/--where/--segment] [--format F]
       --item PROP --evaluate            hit rate@10 and MRR@10 of every method, last item hidden
       --item PROP --associations [--of ITEM] [--co viewed|bought] [--top 5]` + "\n\n" + i18n.T(`Learns from the events in range that carry PROP (views, carts, buys alike),
each user's time-ordered items with repeats in a row counted once. A session
ends at a gap over --session-gap between two item events (0: a user's whole
timeline is one).

Methods: item (default) ranks the items most often in a session with the
user's 10 most recent items (shrunk cosine, 50 kept per item, the newest item
weighing most); sknn finds the 100 sessions of other users most like those
10 items (among the 500 most recent sessions holding one of them) and ranks
the items in them by summed similarity; popular ranks by sessions. Each fills
up with the most popular items. Items the user viewed stay candidates. Items
the user bought (--buy, default the first of purchase, buy, order_completed,
... that carries PROP) are left out unless --include-bought.

--evaluate hides each user's last item, learns from the rest, and reports how
often each method has it in its top 10 (hit rate) and 1/rank (MRR).
--associations lists items' most associated items (support, confidence,
lift): co-viewed in a session, or co-bought by a user; two items count as
together when at most 50 distinct items apart in the session.`)
}

func runRecommend(env *Env, args []string) error {
	fs := newFlags(env, "recommend", recommendUsage())
	dbPath, format := dbFlag(fs), formatFlag(fs)
	var c query.Common
	rangeFlags(fs, &c)
	item := fs.String("item", "", i18n.T("the item property, e.g. product_id (required)"))
	var opt recommend.Options
	fs.IntVar(&opt.Top, "top", 5, i18n.T("items per user, or associations per item"))
	fs.StringVar(&opt.Method, "method", recommend.ItemKNN, i18n.T("item, sknn or popular"))
	fs.IntVar(&opt.Neighbours, "neighbours", recommend.DefaultNeighbours, i18n.T("associations kept per item (memory: items × this)"))
	buy := fs.String("buy", "", i18n.T("the event that means the user bought the item (default: detected, see above)"))
	fs.BoolVar(&opt.IncludeBought, "include-bought", false, i18n.T("also offer items the user already bought"))
	gap := fs.String("session-gap", "30m", i18n.T("a longer gap between two item events ends the session (s, m, h, d); 0: one session per user"))
	evaluate := fs.Bool("evaluate", false, i18n.T("evaluate the methods: hide each user's last item"))
	assoc := fs.Bool("associations", false, i18n.T("list item-to-item associations instead of per-user items"))
	of := fs.String("of", "", i18n.T("--associations: only this item's"))
	co := fs.String("co", recommend.CoViewed, i18n.T("--associations: viewed (same session) or bought (same user)"))
	if _, err := positional(fs, args, 0, i18n.T("no positional arguments (flags only)")); err != nil {
		return err
	}
	if *item == "" {
		return usagef("--item PROP is required: the property naming the item (e.g. --item product_id; spoor props lists the keys)")
	}
	if opt.Top < 1 || opt.Top > 1000 {
		return usagef("--top %d: use 1 to 1000", opt.Top)
	}
	if opt.Neighbours < 1 || opt.Neighbours > 1000 {
		return usagef("--neighbours %d: use 1 to 1000", opt.Neighbours)
	}
	if *evaluate && *assoc {
		return usagef("--evaluate and --associations are two different reports; give one")
	}
	if *co != recommend.CoViewed && *co != recommend.CoBought {
		return usagef("--co %q: use viewed or bought", *co)
	}
	switch opt.Method {
	case recommend.SKNN, recommend.ItemKNN, recommend.Popular:
	default:
		return usagef("--method %q: use item, sknn or popular", opt.Method)
	}
	gapMs, err := query.ParseDuration(*gap)
	if err != nil {
		return usagef("--session-gap: %v", err)
	}
	db, d, err := loadDataset(env, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	h, err := recommendHistory(env, d, c, *item, *buy, gapMs)
	if err != nil {
		return err
	}
	var res any
	switch {
	case *evaluate:
		res, err = recommend.Evaluate(env.Ctx, h, opt.Neighbours, opt.IncludeBought)
	case *assoc:
		res, err = recommend.Associate(env.Ctx, h, *co, *of, opt.Top, opt.Neighbours)
	default:
		res, err = recommend.Recommend(env.Ctx, h, opt)
	}
	if err != nil {
		return err
	}
	return emit(env, *format, res)
}

// rangeFlags adds the common options that choose events: the date range,
// --where, --segment and --tz (no --by: a recommendation has no breakdown).
func rangeFlags(fs *flag.FlagSet, c *query.Common) {
	all := flag.NewFlagSet("", flag.ContinueOnError)
	commonFlags(all, c)
	all.VisitAll(func(f *flag.Flag) {
		if f.Name != "by" {
			fs.Var(f.Value, f.Name, f.Usage)
		}
	})
}

// recommendHistory resolves the range and reads the item history, saying
// on stderr why it may be empty and which event counts as bought.
func recommendHistory(env *Env, d *query.Dataset, c query.Common, item, buy string, gap int64) (*recommend.History, error) {
	s, err := d.Resolve(env.Ctx, c)
	if err != nil {
		return nil, err
	}
	h, err := recommend.Build(env.Ctx, d, s, item, buy, gap)
	if err != nil {
		return nil, err
	}
	noteEmpty(env, d, c)
	if h.Buy == "" && h.Len() > 0 {
		fmt.Fprintln(env.Stderr, "spoor:", i18n.T("note: %s", i18n.T("no purchase event carries %s, so no item counts as bought; name one with --buy EVENT", item)))
	}
	return h, nil
}

// recommendFlags adds audience users' --recommend PROP and --top N.
func recommendFlags(fs *flag.FlagSet) (prop *string, top *int) {
	prop = fs.String("recommend", "", i18n.T("add each user's top items of this property (as spoor recommend --item PROP; users with no item get the most popular)"))
	top = fs.Int("top", 3, i18n.T("--recommend: items per user"))
	return prop, top
}

// addRecommendations gives each exported user their top items of item,
// learnt from all the data with spoor recommend's defaults; nothing when
// item is "".
func addRecommendations(env *Env, d *query.Dataset, l AudienceUsers, item string, top int) error {
	if item == "" {
		return nil
	}
	if top < 1 || top > 1000 {
		return usagef("--top %d: use 1 to 1000", top)
	}
	h, err := recommendHistory(env, d, query.Common{}, item, "", recommend.DefaultGap)
	if err != nil {
		return err
	}
	ids := make([]string, len(l))
	for k, m := range l {
		ids[k] = m.User
	}
	items, err := recommend.ForIDs(env.Ctx, h, recommend.Options{Top: top}, ids)
	if err != nil {
		return err
	}
	for k := range l {
		l[k].Items = append([]string{}, items[k]...)
	}
	return nil
}
