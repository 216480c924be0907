package cli

import "testing"

func TestPathsGolden(t *testing.T) {
	tpGolden(t, map[string]string{
		"paths_from_table":        "paths --from view_item --format table",
		"paths_to_json":           "paths --to purchase --format json",
		"paths_to_table":          "paths --to purchase --depth 2 --format table",
		"paths_nocollapse_csv":    "paths --from view_item --no-collapse --depth 2 --format csv",
		"paths_nosession_md":      "paths --from home --session-gap 0 --since 2026-03-02 --until 2026-03-05 --format markdown",
		"paths_where_table":       "paths --from home --where country=US --top 3 --format table",
		"paths_err_no_anchor":     "paths --depth 3",
		"paths_err_both_anchors":  "paths --from home --to purchase",
		"paths_err_depth":         "paths --from home --depth 16",
		"paths_err_unknown_event": "paths --from hme",
		"paths_err_date_anchor":   "paths --from 2026-03-02 --to 2026-03-05",
		"paths_err_date_anchor2":  "paths --to 2026-03-05",
	})
}
