package cli

import (
	"testing"
)

// churnSampleDB is the e-commerce sample with 300 users, enough for
// every kind of user churn sees: regulars, slowing and silent ones, one-day
// visitors and newcomers.
func churnSampleDB(t *testing.T) string {
	t.Helper()
	return fixtureDB(t, fixture{db: "shop.db", sample: []string{"--users", "300", "--seed", "1"}})
}

func TestChurnGolden(t *testing.T) {
	db := churnSampleDB(t)
	for _, c := range []struct {
		name string
		code int
		args []string
	}{
		{"churn_default_table", 0, []string{"--format", "table"}},
		{"churn_top_json", 0, []string{"--top", "2", "--key-event", "purchase", "--format", "json"}},
		{"churn_all_window7_csv", 0, []string{"--min-score", "0", "--window", "7d", "--baseline", "21d", "--format", "csv"}},
		{"churn_err_min_score", 2, []string{"--min-score", "-0.1"}},
		{"churn_err_top", 2, []string{"--top", "-1"}},
	} {
		fnGolden(t, c.name, c.code, append(append([]string{"churn"}, c.args...), "--db", db)...)
	}
}
