package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tpFixtureDB writes the small fixed dataset of the trends and paths
// golden tests through the store, as an import would: five users over
// 2026-03-02 (a Monday) to 2026-03-10, with a Chinese event name and a
// country property.
func tpFixtureDB(t *testing.T) string {
	t.Helper()
	return fixtureDB(t, fixture{db: "fixture.db", file: "fixture", events: timeline(t, "country", `
u1 home        2026-03-02T09:00 CN
u1 view_item   2026-03-02T09:01 CN
u1 view_item   2026-03-02T09:02 CN
u1 add_to_cart 2026-03-02T09:05 CN
u1 purchase    2026-03-02T09:10 CN
u1 home        2026-03-05T20:00 CN
u1 搜索        2026-03-05T20:01 CN
u1 view_item   2026-03-05T20:03 CN
u2 home        2026-03-02T10:00 US
u2 view_item   2026-03-02T10:02 US
u2 home        2026-03-02T11:00 US
u2 view_item   2026-03-03T08:00 US
u2 add_to_cart 2026-03-03T08:10 US
u2 purchase    2026-03-03T08:20 US
u3 搜索        2026-03-04T12:00 CN
u3 view_item   2026-03-04T12:01 CN
u3 add_to_cart 2026-03-04T12:30 CN
u3 purchase    2026-03-04T13:00:00.001 CN
u3 view_item   2026-03-09T12:00 CN
u4 home        2026-03-06T23:30 -
u4 view_item   2026-03-06T23:40 -
u5 home        2026-03-10T07:00 US
u5 搜索        2026-03-10T07:05 US
u5 add_to_cart 2026-03-10T07:06 US
u5 purchase    2026-03-10T07:07 US
`)})
}

// tpGolden runs each command line against the fixture and compares its
// output, exit status and error text with cli/testdata/NAME.golden.
// UPDATE_GOLDEN=1 rewrites the files.
func tpGolden(t *testing.T, cases map[string]string) {
	db := tpFixtureDB(t)
	for name, line := range cases {
		t.Run(name, func(t *testing.T) {
			args := append(strings.Fields(line), "--db", db)
			var out, errOut bytes.Buffer
			code := Run(context.Background(), nil, args, strings.NewReader(""), &out, &errOut)
			got := "$ spoor " + line + "\n" + out.String()
			if code != 0 || errOut.Len() > 0 {
				got += "[exit " + string(rune('0'+code)) + "] " + errOut.String()
			}
			file := filepath.Join("testdata", name+".golden")
			if os.Getenv("UPDATE_GOLDEN") != "" {
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s:\n--- got\n%s--- want\n%s", file, got, want)
			}
		})
	}
}

func TestTrendsGolden(t *testing.T) {
	tpGolden(t, map[string]string{
		"trends_total_table":       "trends --format table",
		"trends_users_csv":         "trends --events view_item,purchase --measure users --format csv",
		"trends_dau_week_json":     "trends --measure dau --interval week --format json",
		"trends_by_country_md":     "trends --events view_item,搜索 --by country --format markdown",
		"trends_stickiness_table":  "trends --measure stickiness --interval week --format table",
		"trends_avg_tz_table":      "trends --measure avg --tz America/New_York --from 2026-03-04 --to 2026-03-07 --format table",
		"trends_where_wau_table":   "trends --measure wau --where country=CN --last 4d --format table",
		"trends_err_measure":       "trends --measure sessions",
		"trends_err_unknown_event": "trends --events veiw_item",
		"trends_err_mau_hourly":    "trends --measure mau --interval hour",
	})
}
