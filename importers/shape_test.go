package importers

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/store/storetest"
)

func TestParseTimeFlag(t *testing.T) {
	for _, c := range []struct {
		flag, base string
		sum        *timeSum
		err        string
	}{
		{"ts", "ts", nil, ""},
		{"eventdate+timeframe:ms", "eventdate", &timeSum{"eventdate", "timeframe", "ms", 1}, ""},
		{"visitStartTime+hits.time:ms", "visitStartTime", &timeSum{"visitStartTime", "hits.time", "ms", 1}, ""},
		{"date+clock:clock", "date", &timeSum{"date", "clock", "clock", 0}, ""},
		{"start+secs:s", "start", &timeSum{"start", "secs", "s", 1000}, ""},
		{"a+b", "", nil, "say the unit of b: --time a+b:ms"},
		{"a+b:days", "", nil, `unknown unit "days"`},
		{"a+:ms", "", nil, `unknown unit`},
		{"+x", "+x", nil, ""}, // a column named so
		{"x+", "x+", nil, ""},
	} {
		base, sum, err := parseTimeFlag(c.flag)
		if c.err != "" {
			var ue *UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.flag, err, c.err)
			}
			continue
		}
		if err != nil || base != c.base || !reflect.DeepEqual(sum, c.sum) {
			t.Errorf("%q: %q %+v %v", c.flag, base, sum, err)
		}
	}
}

func TestTimeSumAdd(t *testing.T) {
	for _, c := range []struct {
		unit string
		v    any
		want int64
		err  bool
	}{
		{"ms", "526309", 1000 + 526309, false},
		{"s", "1.5", 1000 + 1500, false},
		{"us", "2500", 1000 + 3, false}, // 2.5 ms rounds up
		{"min", "2", 1000 + 120000, false},
		{"h", "1", 1000 + 3600000, false},
		{"clock", "14:03:22.5", 1000 + 14*3600000 + 3*60000 + 22500, false},
		{"clock", "09:30", 1000 + 9*3600000 + 30*60000, false},
		{"clock", "9h30", 0, true},
		{"ms", "soon", 0, true},
		{"ms", "", 0, true},
		{"ms", "NaN", 0, true},
		{"h", "1e12", 0, true}, // past 2100
	} {
		ts := &timeSum{base: "a", offset: "b", unit: c.unit, ms: offsetUnits[c.unit]}
		got, err := ts.add(1000, c.v)
		if (err != nil) != c.err || !c.err && got != c.want {
			t.Errorf("%s %v: %d %v; want %d", c.unit, c.v, got, err, c.want)
		}
	}
}

func TestParseEventMap(t *testing.T) {
	m, err := ParseEventMap("pv=view, cart=add_to_cart,buy=purchase")
	if err != nil || !reflect.DeepEqual(m, map[string]string{"pv": "view", "cart": "add_to_cart", "buy": "purchase"}) {
		t.Fatalf("%v %v", m, err)
	}
	m, err = ParseEventMap(filepath.Join("testdata", "shaping", "event_map.txt"))
	if err != nil || !reflect.DeepEqual(m, map[string]string{"1": "click", "2": "fav", "3": "cart", "4": "buy"}) {
		t.Fatalf("file: %v %v", m, err)
	}
	// A file of code,name or code<tab>name lines, with a name holding '='.
	p := writeFile(t, "map.csv", "0,unknown\n6\tpurchase = paid\n")
	if m, err = ParseEventMap(p); err != nil || m["6"] != "purchase = paid" || m["0"] != "unknown" {
		t.Fatalf("csv file: %v %v", m, err)
	}
	for flag, want := range map[string]string{
		"nosuchfile.txt":                       "no such file, and not CODE=NAME pairs",
		"pv=view,cart":                         `"cart" (entry 2) is not CODE=NAME`,
		"pv=view,pv=page":                      `code "pv" is mapped twice`,
		"=view":                                "is not CODE=NAME",
		writeFile(t, "e.txt", "# nothing\n\n"): "no CODE=NAME entries",
		writeFile(t, "big.txt", strings.Repeat("1=a\n", 300000)): "over 1 MB",
	} {
		var ue *UsageError
		if _, err := ParseEventMap(flag); !errors.As(err, &ue) || !strings.Contains(err.Error(), want) {
			t.Errorf("%.40q: %v; want %q", flag, err, want)
		}
	}
}

// wallToUTC reads Los Angeles wall-clock epochs in both DST seasons.
func TestSourceTZ(t *testing.T) {
	tp, _ := NewTimeParser("", nil)
	if _, err := parseShaping(&Options{SourceTZ: "America/Los_Angeles"}, tp); err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]int64{
		"1577869200":           1577898000000, // 2020-01-01 09:00 PST
		"1593590400000":        1593615600000, // 2020-07-01 08:00 PDT, in ms
		"2020-07-01T08:00:00Z": 1593590400000, // a time with a zone is not shifted
	} {
		if got, err := tp.Parse(in); err != nil || got != want {
			t.Errorf("%s: %d %v; want %d", in, got, err, want)
		}
	}
	if _, err := parseShaping(&Options{SourceTZ: "Mars/Olympus"}, tp); err == nil || !strings.Contains(err.Error(), "--source-tz Mars/Olympus: unknown timezone") {
		t.Fatalf("bad zone: %v", err)
	}
}

// countNames counts stored events by name.
func countNames(t *testing.T, ev []storedEvent) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, e := range ev {
		n[e.Name]++
	}
	return n
}

// The shaping fixtures (testdata/shaping/README.md) import with the events,
// persons, names and times worked out by hand.
func TestShapingFixtures(t *testing.T) {
	dir := filepath.Join("testdata", "shaping")
	cases := []struct {
		name, file      string
		opt             Options
		events, persons int
		names           map[string]int
		unmapped        []string
		first           storedEvent // compared on user, name, time
	}{
		{"taobao", "taobao_user_behavior.csv",
			Options{Columns: []string{"user_id", "item_id", "category_id", "behavior_type", "timestamp"}, EventMap: "pv=view,buy=purchase"},
			8, 4, map[string]int{"view": 4, "purchase": 2, "fav": 2}, []string{"fav"},
			storedEvent{User: "1000001", Name: "view", Time: 1512261643000}},
		{"tianchi", "tianchi_user_behavior.csv",
			Options{TZ: "Asia/Shanghai", EventMap: filepath.Join(dir, "event_map.txt")},
			5, 3, map[string]int{"click": 1, "fav": 1, "cart": 2, "buy": 1}, nil,
			storedEvent{User: "100684618", Name: "cart", Time: 1417791600000}}, // 2014-12-05 23 China
		{"ga360", "ga360_all_sessions.csv",
			Options{User: "fullVisitorId", Event: "eCommerceAction_type", Time: "visitId+time:ms", EventMap: "1=list_click,2=detail_view,3=add_to_cart,5=checkout,6=purchase"},
			5, 3, map[string]int{"0": 2, "list_click": 1, "checkout": 1, "purchase": 1}, []string{"0"},
			storedEvent{User: "8444725132150789814", Name: "checkout", Time: 1481645890000 + 700092}},
		{"diginetica", "diginetica_item_views.csv",
			Options{User: "session_id", Event: "=view", Time: "eventdate+timeframe:ms"},
			6, 3, map[string]int{"view": 6}, nil,
			storedEvent{User: "1", Name: "view", Time: 1462752000000 + 526309}},
		{"mixpanel legacy", "mixpanel_legacy.jsonl",
			Options{SourceTZ: "America/Los_Angeles"},
			3, 2, map[string]int{"Sign Up": 2, "Purchase": 1}, nil,
			storedEvent{User: "u1", Name: "Sign Up", Time: 1577898000000}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := newDB(t)
			res := mustImport(t, db, filepath.Join(dir, c.file), c.opt)
			ev, persons, _ := counts(t, db)
			if ev != c.events || persons != c.persons || res.Rejected != 0 {
				t.Fatalf("%d events, %d persons, %d rejected %v; want %d, %d", ev, persons, res.Rejected, res.Examples, c.events, c.persons)
			}
			got := stored(t, db)
			if names := countNames(t, got); !reflect.DeepEqual(names, c.names) {
				t.Fatalf("names %v; want %v", names, c.names)
			}
			if !reflect.DeepEqual(res.Unmapped, c.unmapped) {
				t.Fatalf("unmapped %q; want %q", res.Unmapped, c.unmapped)
			}
			f := got[0]
			if f.User != c.first.User || f.Name != c.first.Name || f.Time != c.first.Time {
				t.Fatalf("first event %+v; want %+v", f, c.first)
			}
		})
	}
}

// Rows whose offset cell is missing or not a number are rejected with the
// flag named; a misspelt offset column refuses the file before any row.
func TestTimeSumRejects(t *testing.T) {
	db := newDB(t)
	p := writeFile(t, "s.csv", "sid,day,offset\na,2016-05-09,1000\nb,2016-05-09,\nc,2016-05-09,soon\nd,2016-05-09,2.5\n")
	res := mustImport(t, db, p, Options{User: "sid", Event: "=view", Time: "day+offset:s"})
	if res.Imported != 2 || res.Reasons[ReasonNoTime] != 1 || res.Reasons[ReasonBadTime] != 1 {
		t.Fatalf("%+v", res)
	}
	if d := res.Examples[0].Detail + res.Examples[1].Detail; !strings.Contains(d, "the offset in --time day + offset (s)") {
		t.Fatalf("examples %+v", res.Examples)
	}
	if ev := stored(t, db); ev[1].Time != 1462752000000+2500 {
		t.Fatalf("d at %d", ev[1].Time)
	}
	db2, before := seeded(t)
	_, err := ImportFile(bg, db2, p, Options{User: "sid", Event: "=view", Time: "day+ofset:s"})
	var ue *UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), `no column ofset; the columns are "sid", "day", "offset"`) {
		t.Fatalf("misspelt: %v", err)
	}
	unchanged(t, db2, before)
}

// The public datasets import with the new flags to the counts their
// SOURCE.md gives.
func TestPublicDatasetsShaped(t *testing.T) {
	dir := storetest.SharedData(t)
	cases := []struct {
		name, file      string
		opt             Options
		events, persons int
		names           map[string]int
		first           storedEvent
	}{
		{"taobao", "taobao-userbehavior/UserBehavior.csv",
			Options{Columns: []string{"user_id", "item_id", "category_id", "behavior_type", "timestamp"}, EventMap: "pv=view,cart=add_to_cart,fav=favorite,buy=purchase"},
			4321, 43, map[string]int{"view": 3926, "add_to_cart": 190, "favorite": 128, "purchase": 77},
			storedEvent{User: "1", Name: "view", Time: 1511544070000}},
		{"tianchi", "tianchi-mobile-2014/tianchi_mobile_user_behavior_sample.csv",
			Options{TZ: "Asia/Shanghai", EventMap: "1=click,2=fav,3=cart,4=buy"},
			1999, 34, map[string]int{"click": 1876, "fav": 18, "cart": 70, "buy": 35},
			storedEvent{User: "98047837", Name: "click", Time: 1417802400000}}, // 2014-12-06 02 China
		{"ga360", "google-merch-store-ga360/all_sessions.csv",
			Options{User: "fullVisitorId", Event: "eCommerceAction_type", Time: "visitId+time:ms", EventMap: "1=list_click,2=detail_view,3=add_to_cart,5=checkout,6=purchase"},
			15134, 14223, map[string]int{"0": 14785, "list_click": 134, "detail_view": 137, "add_to_cart": 37, "4": 1, "checkout": 31, "purchase": 9},
			storedEvent{User: "2817722496551184128", Name: "0", Time: 1473757371000 + 122213}},
		{"diginetica", "diginetica-sample/sample_train-item-views.csv",
			Options{User: "session_id", Event: "=view", Time: "eventdate+timeframe:ms"},
			12391, 2986, map[string]int{"view": 12391},
			storedEvent{User: "1", Name: "view", Time: 1462752000000 + 526309}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.file)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("%s absent: %v", path, err)
			}
			db := newDB(t)
			res := mustImport(t, db, path, c.opt)
			ev, persons, _ := counts(t, db)
			if ev != c.events || persons != c.persons || res.Rejected != 0 {
				t.Fatalf("%d events, %d persons, %d rejected %v; want %d, %d", ev, persons, res.Rejected, res.Examples, c.events, c.persons)
			}
			got := stored(t, db)
			if names := countNames(t, got); !reflect.DeepEqual(names, c.names) {
				t.Fatalf("names %v; want %v", names, c.names)
			}
			if f := got[0]; f.User != c.first.User || f.Name != c.first.Name || f.Time != c.first.Time {
				t.Fatalf("first event %+v; want %+v", f, c.first)
			}
		})
	}
}
