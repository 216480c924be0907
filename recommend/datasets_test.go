package recommend

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/spoorhq/spoor/importers"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
	"github.com/spoorhq/spoor/store/storetest"
)

// publicDatasets are the four datasets of the README's evaluation table,
// imported with the flags the README gives.
var publicDatasets = []struct {
	name, file, item string
	opt              importers.Options
}{
	{"yoochoose", "yoochoose-rsc15-100k/yoochoose-clicks-100k_train_full.txt", "ItemId",
		importers.Options{User: "SessionId", Event: "=click"}},
	{"diginetica", "diginetica-sample/sample_train-item-views.csv", "item_id",
		importers.Options{User: "session_id", Event: "=view", Time: "eventdate+timeframe:ms"}},
	{"rees46", "rees46-multicategory-2019oct/2019-Oct-sample.csv", "product_id", importers.Options{}},
	{"taobao", "taobao-userbehavior/UserBehavior.csv", "item_id",
		importers.Options{Columns: []string{"user_id", "item_id", "category_id", "behavior_type", "timestamp"}, EventMap: "pv=view,cart=add_to_cart,fav=favorite,buy=purchase"}},
}

// TestPublicDatasetsBeatPopularity: on every public dataset the default
// method finds the hidden last item clearly more often than popularity
// does (at least 1.5 times the hit rate and the MRR, and more hits by
// more than two standard errors of a binomial at popularity's rate), and
// the figures are those of the README's table.
func TestPublicDatasetsBeatPopularity(t *testing.T) {
	dir := storetest.SharedData(t)
	want := map[string][2]float64{ // default method's hit rate@10, MRR@10, as in README
		"yoochoose": {0.4701, 0.2496}, "diginetica": {0.2046, 0.1016}, "rees46": {0.2245, 0.1546}, "taobao": {0.1395, 0.0688},
	}
	for _, c := range publicDatasets {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.file)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("%s absent: %v", path, err)
			}
			db, err := store.Open(filepath.Join(t.TempDir(), "t.db"), store.Options{Create: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := importers.ImportFile(bg, db, path, c.opt); err != nil {
				t.Fatal(err)
			}
			d, err := query.Load(bg, db)
			if err != nil {
				t.Fatal(err)
			}
			s, _ := d.Resolve(bg, query.Common{})
			h, err := Build(bg, d, s, c.item, "", DefaultGap)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := Evaluate(bg, h, DefaultNeighbours, false)
			if err != nil {
				t.Fatal(err)
			}
			best, pop := ev.Methods[0], ev.Methods[len(ev.Methods)-1]
			t.Logf("%s: %d cases; %+v", c.name, ev.Cases, ev.Methods)
			if best.Method != ItemKNN || pop.Method != Popular {
				t.Fatalf("methods %+v", ev.Methods)
			}
			n := float64(ev.Cases)
			margin := 2 * math.Sqrt(n*pop.HitRate*(1-pop.HitRate))
			if best.HitRate < 1.5*pop.HitRate || best.MRR < 1.5*pop.MRR || float64(best.Hits-pop.Hits) <= margin {
				t.Errorf("%s does not beat popularity clearly: %+v vs %+v", best.Method, best, pop)
			}
			round4 := func(x float64) float64 { return math.Round(x*1e4) / 1e4 }
			if w := want[c.name]; round4(best.HitRate) != w[0] || round4(best.MRR) != w[1] {
				t.Errorf("hit rate %.4f, MRR %.4f; the README says %.4f, %.4f", best.HitRate, best.MRR, w[0], w[1])
			}
		})
	}
}
