package cli

import "testing"

func TestMatchGolden(t *testing.T) {
	db := fnGoldenDB(t)
	for _, c := range []struct {
		name string
		code int
		args []string
	}{
		{"match_json", 0, []string{"--conditions", "view,cart,buy", "--pattern", "(?1).*(?2)(?t<=86400)(?3)", "--format", "json"}},
		{"match_table", 0, []string{"--conditions", "view,cart", "--pattern", "(?1)(?2)", "--format", "table"}},
		{"match_where_csv", 0, []string{"--condition", "view where src = ads", "--condition", "buy", "--pattern", "(?1).*(?2)", "--to", "2026-03-10", "--format", "csv"}},
		{"match_never_markdown", 0, []string{"--conditions", "view,checkout", "--pattern", "(?1).*(?2)", "--format", "markdown"}},
		{"match_err_pattern", 2, []string{"--conditions", "view", "--pattern", "(?1)(?2)"}},
		{"match_err_missing", 2, []string{"--pattern", "(?1)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			fnGolden(t, c.name, c.code, append([]string{"match", "--db", db}, c.args...)...)
		})
	}
}
