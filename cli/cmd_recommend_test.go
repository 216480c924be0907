package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// recommendDB is recommend's hand-checked shop (recommend/recommend_test.go):
// u1 views A B C and later buys A and D, u2 views A B, u3 views B C and
// buys C; u5 has no item at all.
func recommendDB(t *testing.T) string {
	t.Helper()
	return fixtureDB(t, fixture{db: "rec.db", file: "rec", events: timeline(t, "product_id", `
u1 view     2024-01-01T00:00 A
u1 view     2024-01-01T00:01 B
u1 view     2024-01-01T00:02 C
u1 view     2024-01-01T02:00 A
u1 purchase 2024-01-01T02:01 A
u1 view     2024-01-01T02:03 D
u1 purchase 2024-01-01T02:04 D
u2 view     2024-01-01T00:10 A
u2 view     2024-01-01T00:11 B
u3 view     2024-01-01T00:20 B
u3 view     2024-01-01T00:21 C
u3 purchase 2024-01-01T00:22 C
u5 signup   2024-01-01T00:30
`)})
}

func TestRecommendCommand(t *testing.T) {
	db := recommendDB(t)
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "recommend", "--db", db, "--item", "product_id", "--top", "3", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		Users []struct {
			User  string   `json:"user"`
			Items []string `json:"items"`
		} `json:"users"`
		Buy string `json:"buy"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// The values are those the recommend package checks by hand.
	want := map[string]string{"u1": "B C", "u2": "C A B", "u3": "B A D"}
	if len(got.Users) != 3 || got.Buy != "purchase" {
		t.Fatalf("%s", out)
	}
	for _, u := range got.Users {
		if strings.Join(u.Items, " ") != want[u.User] {
			t.Errorf("%s: %v, want %s", u.User, u.Items, want[u.User])
		}
	}
	code, out, _ = runCLI(t, "", "recommend", "--db", db, "--item", "product_id", "--top", "2", "--format", "csv")
	if code != 0 || !strings.HasPrefix(out, "user,item_1,item_2\nu1,B,C\nu2,C,A\n") {
		t.Fatalf("csv: %d %q", code, out)
	}
	code, out, _ = runCLI(t, "", "recommend", "--db", db, "--item", "product_id", "--associations", "--of", "A", "--format", "csv")
	if code != 0 || !strings.HasPrefix(out, "item,other,together,support,confidence,lift,similarity\nA,B,2,0.5000,0.6667,0.89,0.0870\n") {
		t.Fatalf("associations: %d %q", code, out)
	}
	code, out, _ = runCLI(t, "", "recommend", "--db", db, "--item", "product_id", "--evaluate", "--format", "markdown")
	if code != 0 || !strings.Contains(out, "| item | 0.6667 | 0.5000 | 2 |") {
		t.Fatalf("evaluate: %d %q", code, out)
	}
	after, _ := os.ReadFile(db)
	if string(after) != string(before) {
		t.Fatal("recommend changed the database file")
	}
}

func TestRecommendMistakes(t *testing.T) {
	db := recommendDB(t)
	for _, c := range []struct {
		code int
		want string
		args []string
	}{
		{2, "--item PROP is required", nil},
		{2, "--top 0: use 1 to 1000", []string{"--item", "product_id", "--top", "0"}},
		{2, `--method "best"`, []string{"--item", "product_id", "--method", "best"}},
		{2, "unknown flag --by", []string{"--item", "product_id", "--by", "x"}},
		{2, "two different reports", []string{"--item", "product_id", "--evaluate", "--associations"}},
		{1, `no event has the property "prodct_id"; closest known: product_id`, []string{"--item", "prodct_id"}},
		{1, "no event in the range carries product_id", []string{"--item", "product_id", "--from", "2030-01-01"}},
		{1, "the same value (A)", []string{"--item", "product_id", "--where", "product_id = A"}},
		{1, "--buy signup: no signup event carries product_id", []string{"--item", "product_id", "--buy", "signup"}},
	} {
		code, _, errs := runCLI(t, "", append([]string{"recommend", "--db", db}, c.args...)...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d %q, want %d %q", c.args, code, errs, c.code, c.want)
		}
	}
}

// audience users --recommend adds each user's items; a user with no item
// gets the most popular ones.
func TestAudienceRecommend(t *testing.T) {
	db := recommendDB(t)
	if code, _, errs := runCLI(t, "", "audience", "create", "--db", db, "all", "active in 30d"); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := runCLI(t, "", "audience", "users", "--db", db, "all", "--recommend", "product_id", "--top", "2", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got []AudienceMatch
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"u1": "B C", "u2": "C A", "u3": "B A", "u5": "A B"}
	if len(got) != 4 {
		t.Fatalf("%s", out)
	}
	for _, m := range got {
		if strings.Join(m.Items, " ") != want[m.User] {
			t.Errorf("%s: %v, want %s", m.User, m.Items, want[m.User])
		}
	}
	code, out, _ = runCLI(t, "", "audience", "users", "--db", db, "all", "--recommend", "product_id", "--format", "csv")
	if code != 0 || !strings.HasPrefix(out, "user,evidence,item_1,item_2,item_3\n") {
		t.Fatalf("csv: %q", out)
	}
	// With a holdout the treated users keep their items; a mistake in
	// --recommend records no split.
	code, out, errs = runCLI(t, "", "audience", "users", "--db", db, "all", "--holdout", "50%", "--recommend", "product_id", "--top", "2", "--format", "json")
	if code != 0 {
		t.Fatalf("holdout: exit %d: %s", code, errs)
	}
	got = nil
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	for _, m := range got {
		if strings.Join(m.Items, " ") != want[m.User] {
			t.Errorf("holdout: %s: %v, want %s", m.User, m.Items, want[m.User])
		}
	}
	before, _ := os.ReadFile(db)
	code, _, errs = runCLI(t, "", "audience", "users", "--db", db, "all", "--holdout", "20%", "--recommend", "sku")
	if after, _ := os.ReadFile(db); code != 1 || !strings.Contains(errs, `no event has the property "sku"`) || string(after) != string(before) {
		t.Fatalf("bad --recommend with --holdout: exit %d %q, database changed: %v", code, errs, string(after) != string(before))
	}
	// Without --recommend the export is as before: no items key.
	_, out, _ = runCLI(t, "", "audience", "users", "--db", db, "all", "--format", "jsonl")
	if strings.Contains(out, "items") {
		t.Fatalf("items without --recommend: %s", out)
	}
}
