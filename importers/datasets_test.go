package importers

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spoorhq/spoor/store/storetest"
)

// The public datasets in ../shared/data import with the event and user
// counts their SOURCE.md gives, using only flags a user would pass.
func TestPublicDatasets(t *testing.T) {
	dir := storetest.SharedData(t)
	cases := []struct {
		name, file    string
		opt           Options
		events, users int
		rejected      int64
	}{
		{"taobao", "taobao-userbehavior/UserBehavior.csv",
			Options{Columns: []string{"user_id", "item_id", "category_id", "behavior_type", "timestamp"}}, 4321, 43, 0},
		{"tianchi", "tianchi-mobile-2014/tianchi_mobile_user_behavior_sample.csv",
			Options{TZ: "Asia/Shanghai"}, 1999, 34, 0},
		{"rees46", "rees46-multicategory-2019oct/2019-Oct-sample.csv", Options{}, 1000, 330, 0},
		{"ga360", "google-merch-store-ga360/all_sessions.csv",
			Options{User: "fullVisitorId", Event: "type", Time: "visitId"}, 15134, 14223, 0},
		{"diginetica", "diginetica-sample/sample_train-item-views.csv",
			Options{User: "session_id", Event: "=view", Time: "eventdate"}, 12391, 2986, 0},
		{"yoochoose", "yoochoose-rsc15-100k/yoochoose-clicks-100k_train_full.txt",
			Options{User: "SessionId", Event: "=click"}, 70278, 17794, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.file)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("%s absent: %v", path, err)
			}
			db := newDB(t)
			res := mustImport(t, db, path, c.opt)
			ev, users, _ := counts(t, db)
			if ev != c.events || users != c.users || res.Rejected != c.rejected {
				t.Fatalf("%d events, %d users, %d rejected (%v); want %d, %d, %d", ev, users, res.Rejected, res.Reasons, c.events, c.users, c.rejected)
			}
		})
	}
}

// 19-digit ids (GA360 fullVisitorId, REES46 category_id) stay exact: they
// never pass through a float64.
func TestLongIDsExact(t *testing.T) {
	dir := storetest.SharedData(t)
	ga := filepath.Join(dir, "google-merch-store-ga360", "all_sessions.csv")
	if _, err := os.Stat(ga); err != nil {
		t.Skipf("GA360 sample absent: %v", err)
	}
	db := newDB(t)
	mustImport(t, db, ga, Options{User: "fullVisitorId", Event: "type", Time: "visitId"})
	var n int
	db.SQL.QueryRow("SELECT count(*) FROM users WHERE distinct_id IN ('2817722496551184128', '6938960486452471698')").Scan(&n)
	if n != 2 {
		t.Fatalf("found %d of the two 19-digit visitor ids", n)
	}
	ev := stored(t, db)
	if ev[0].User != "2817722496551184128" || ev[0].Time != 1473757371000 {
		t.Fatalf("first event %+v", ev[0])
	}
	rees := filepath.Join(dir, "rees46-multicategory-2019oct", "2019-Oct-sample.csv")
	db2 := newDB(t)
	mustImport(t, db2, rees, Options{})
	ev = stored(t, db2)
	want := `{"brand":"shiseido","category_id":"2103807459595387724","price":35.79,"product_id":44600062,"user_session":"72d76fde-8bb3-4e00-8c23-a032dfed738c"}`
	if ev[0].Props != want || ev[0].User != "541312140" || ev[0].Name != "view" || ev[0].Time != 1569888000000 {
		t.Fatalf("first REES46 event %+v\nwant props %s", ev[0], want)
	}
}
