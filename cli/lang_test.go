package cli

import (
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// langAnalyses are command lines of every analysis on the ecommerce sample
// (sampleDB), each form that prints a table of its own. It saves a
// segment, an audience with an export and an alert in db first, for the
// commands that list and read them.
func langAnalyses(t *testing.T, db string) [][]string {
	code, out, errs := runCLI(t, "", "segment", "preview", "did purchase", "--users", "--db", db, "--format", "csv")
	if code != 0 {
		t.Fatal(errs)
	}
	buyer := strings.Split(out, "\n")[1]
	for _, setup := range [][]string{
		{"segment", "create", "buyers", "did purchase"},
		{"audience", "create", "carts", "did add_to_cart then not purchase within 24h"},
		{"audience", "users", "carts", "--holdout", "20%", "--goal", "purchase", "--format", "csv"},
		{"alerts", "add", "views", "--metric", "--events page_view"},
	} {
		if code, _, errs := runCLI(t, "", append(setup, "--db", db)...); code != 0 {
			t.Fatalf("spoor %s: %s", strings.Join(setup, " "), errs)
		}
	}
	cmds := [][]string{
		{"events"}, {"info"}, {"props"}, {"props", "view_item"}, {"doctor"}, {"user", buyer},
		{"trends", "--events", "purchase", "--measure", "users", "--interval", "week"},
		{"trends", "--by", "country"}, {"trends", "--measure", "stickiness"},
		{"trends", "--events", "page_view", "--alerts"},
		{"funnel", "--steps", "view_item,add_to_cart,purchase"},
		{"funnel", "--steps", "view_item,add_to_cart,purchase", "--interval", "week", "--by", "device"},
		{"funnel", "--steps", "view_item,add_to_cart,purchase", "--semantics", "clickhouse", "--option", "strict_order"},
		{"funnel", "--steps", "view_item,purchase", "--compare"},
		{"funnel", "--steps", "view_item,purchase", "--explain-diff", "posthog,mixpanel"},
		{"funnel", "--steps", "view_item,purchase", "--dropped-at", "1"},
		{"funnel", "--steps", "view_item,purchase", "--explain", buyer},
		{"retention", "--start", "session_start", "--period", "week"},
		{"retention", "--period", "week", "--by", "device"},
		{"retention", "--period", "week", "--explain", buyer},
		{"lifecycle", "--interval", "week"}, {"lifecycle", "--interval", "week", "--by", "device"},
		{"paths", "--from", "view_item"}, {"paths", "--to", "purchase", "--by", "device"},
		{"experiment", "--variant", "exp_checkout", "--goal", "purchase", "--revenue", "revenue"},
		{"experiment", "--variant", "exp_checkout", "--steps", "view_item,add_to_cart,purchase", "--by", "device"},
		{"churn"}, {"segment", "preview", "did purchase", "--trend", "7d"},
		{"segment", "rfm", "--revenue", "revenue"}, {"segment", "stages"},
		{"audience", "preview", "did add_to_cart then not purchase within 24h"},
		{"attribution", "--conversion", "purchase", "--touch", "utm_source"},
		{"survival", "--start", "session_start", "--event", "purchase", "--by", "device"},
		{"forecast", "--events", "page_view", "--horizon", "7"},
		{"why", "--events", "page_view", "--before", "2026-06-01..2026-06-07", "--after", "2026-06-08..2026-06-14"},
		{"recommend", "--item", "product_id", "--top", "3"},
		{"recommend", "--item", "product_id", "--evaluate"},
		{"recommend", "--item", "product_id", "--associations", "--top", "3"},
		{"match", "--conditions", "view_item,purchase", "--pattern", "(?1).*(?2)"},
		{"sql", "SELECT name FROM event_names ORDER BY id LIMIT 3"},
		{"retention", "--period", "week", "--users", "0:1"},
		{"segment", "list"}, {"segment", "show", "buyers", "--trend", "7d"}, {"segment", "users", "buyers"},
		{"audience", "list"}, {"audience", "show", "carts"}, {"audience", "users", "carts"}, {"audience", "report", "carts"},
		{"audience", "backtest", "carts", "--goal", "purchase", "--days", "5", "--within", "2d"},
		{"alerts", "list"}, {"alerts"},
		{"funnel", "--steps", "view_item,purchase", "--by", "segment:buyers"},
		{"lifecycle", "--interval", "week", "--by", "segment:buyers"},
		{"paths", "--from", "view_item", "--by", "segment:buyers"},
		{"retention", "--period", "week", "--by", "segment:buyers"},
	}
	for i := range cmds {
		cmds[i] = append(cmds[i], "--db", db)
	}
	return cmds
}

// Issue 18.3: machine output does not depend on the interface language:
// every analysis's JSON and CSV are the same bytes under --lang zh and en,
// and so is its exit status.
func TestMachineOutputSameInEveryLanguage(t *testing.T) {
	db := sampleDB(t)
	for _, args := range langAnalyses(t, db) {
		for _, f := range []string{"json", "csv"} {
			a := append(append([]string(nil), args...), "--format", f)
			codeEn, en, errs := runCLI(t, "", append(a, "--lang", "en")...)
			codeZh, zh, _ := runCLI(t, "", append(a, "--lang", "zh")...)
			if codeEn != 0 && !(args[0] == "alerts" && codeEn == AlertFired) {
				t.Errorf("spoor %s: exit %d: %s", strings.Join(a, " "), codeEn, errs)
				continue
			}
			if codeZh != codeEn || zh != en {
				t.Errorf("spoor %s: under --lang zh exit %d and\n%s\nunder en exit %d and\n%s", strings.Join(a, " "), codeZh, zh, codeEn, en)
			}
		}
	}
}

// The group outside a --by segment:NAME reads 非 NAME on a Chinese table
// of every breakdown; CSV keeps the value "not NAME".
func TestSegmentGroupChinese(t *testing.T) {
	db := sampleDB(t)
	for _, args := range langAnalyses(t, db) {
		if !slices.Contains(args, "segment:buyers") {
			continue
		}
		_, table, _ := runCLI(t, "", append(args, "--format", "table", "--lang", "zh")...)
		_, csv, _ := runCLI(t, "", append(args, "--format", "csv", "--lang", "zh")...)
		if !strings.Contains(table, "非 buyers") || strings.Contains(table, "not buyers") || !strings.Contains(csv, "not buyers") {
			t.Errorf("spoor %s: table\n%s\nCSV\n%s", strings.Join(args, " "), table, csv)
		}
	}
}

// inChinese are words of allowedWords (flag values, as typed) that a
// table shows in Chinese: a funnel's mode, a trends measure, the end of a
// path, RFM tiers, lifecycle stages, survival's one group, a forecast's
// model and detector. In a title or header row they are English that
// bypassed the catalog.
var inChinese = wordSet(`ordered strict any total users avg stickiness end start champions loyal potential
	loyalists at risk can lose hibernating lost new active returning dormant churned all mean seasonal naive drift
	trailing day week month hour converted dropped counted`)

// Issue 18.5: every command's -h (and every subcommand's) is Chinese under
// --lang zh, but for flag names, placeholders, the values and examples
// the usage line shows, and the names in allowedWords.
func TestHelpInChinese(t *testing.T) {
	var helps [][]string
	for _, n := range commandNames() {
		helps = append(helps, []string{n})
	}
	for _, sub := range []string{"create", "list", "show", "delete", "users", "preview", "rfm", "stages"} {
		helps = append(helps, []string{"segment", sub})
	}
	for _, sub := range []string{"create", "list", "show", "delete", "users", "preview", "report", "refresh", "backtest"} {
		helps = append(helps, []string{"audience", sub})
	}
	for _, sub := range []string{"add", "list", "remove"} {
		helps = append(helps, []string{"alerts", sub})
	}
	for _, args := range helps {
		code, out, errs := runCLI(t, "", append(args, "-h", "--lang", "zh")...)
		if code != 0 || errs != "" {
			t.Errorf("spoor %s -h: exit %d, %s", strings.Join(args, " "), code, errs)
			continue
		}
		if !strings.Contains(out, "-lang zh|en") {
			t.Errorf("spoor %s -h does not show --lang", strings.Join(args, " "))
		}
		if _, en, _ := runCLI(t, "", append(args, "-h", "--lang", "en")...); strings.Contains(out+en, "%!") {
			t.Errorf("spoor %s -h: a broken format verb:\n%s\n%s", strings.Join(args, " "), out, en)
		}
		// The usage line (up to the first blank line) is as typed: its
		// words are the flags' values and placeholders the text may name.
		synopsis, text, _ := strings.Cut(out, "\n\n")
		own := map[string]bool{}
		for _, w := range latinWords(synopsis) {
			own[w] = true
		}
		for _, line := range strings.Split(text, "\n") {
			if m := flagLine.FindStringSubmatch(line); m != nil {
				own[m[1]] = true
				continue
			}
			if bad := english(line, allowedWords, own); len(bad) > 0 {
				t.Errorf("spoor %s -h: English %q in %q", strings.Join(args, " "), bad, line)
			}
		}
	}
	code, out, _ := runCLI(t, "", "help", "--lang", "zh")
	for _, line := range strings.Split(out, "\n") {
		if bad := english(line, allowedWords, nil); code != 0 || len(bad) > 0 {
			t.Errorf("spoor help: English %q in %q", bad, line)
		}
	}
}

// flagLine is a line of the flag list naming a flag: "  -name placeholder".
var flagLine = regexp.MustCompile(`^  -([a-z-]+)( \S+)?$`)

// allowedWords may stay in Latin letters in Chinese text: names of
// products, formats, methods, statistics and model notation (the Ad of
// ETS(A,Ad,N)) as Chinese analysts write them; what a person types:
// command and subcommand names, flag values (--format table, --interval
// day, RFM tiers), the keywords of segment expressions, the SQL schema's
// tables and columns, and the event and column names of the examples; the
// type placeholders of the flag package.
var allowedWords = wordSet(`alerts attribution audience churn demo doctor events experiment forecast funnel
	import info lifecycle match paths props push recommend retention run sample sql survival trends user why help
	create list delete show users preview rfm stages report refresh backtest add remove
	did then where and or in between before after within streak by days without silent for active first_seen last_seen
	id props time identities imports settings event_names distinct_id anon_id user_id
	purchase buy campaign channel timestamp sessionid upgrade android null clock min spec
	champions loyal potential loyalists at risk can lose hibernating lost
	ecommerce saas education incident
	spoor clickhouse posthog mixpanel amplitude segment ga4 tianchi diginetica ga360
	csv tsv json jsonl lines toml parquet markdown md table sql select with show describe exists explain
	attach vacuum begin pragma pragmas gzip gz zstd zip utf gb18030 utc iana iso rfc go strftime unix ms us ns
	api bq extract utils export windowfunnel sequencematch sequencecount sequencematchevents distributed insert
	cron roi roas mase mrr knn sknn ets ad srm wilson newcombe fisher welch bonferroni kaplan meier greenwood
	log rank chi lc all messages lang db spoor_db spoor_lang zh en ctrl
	string int float value duration uint
	day week month hour total users avg dau wau mau stickiness ordered strict any first last linear
	time_decay position item popular viewed bought new active returning dormant churned resurrecting
	control direct end start other not name`)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// latinWords are the words in Latin letters of s, lower-cased, split at
// anything else (so view_item gives view and item).
func latinWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsLetter(r) })
}

// quoted are examples in quotes, written as typed.
var quoted = regexp.MustCompile(`'[^'\n]*'|"[^"\n]*"|` + "`[^`\n]*`")

// english lists the English words of s outside the allowed sets: tokens
// that are flags (-x, --name), variables ($X), placeholders (NAME, all
// capitals), paths, numbers with units (7d), names with _ . / : = @ and
// quoted examples are not words.
func english(s string, allowed ...map[string]bool) []string {
	s = quoted.ReplaceAllString(s, " ")
	var bad []string
	tokens := strings.FieldsFunc(s, func(r rune) bool {
		return r > unicode.MaxASCII || unicode.IsSpace(r) || strings.ContainsRune("()[]{},;|<>!?", r)
	})
	for _, tok := range tokens {
		if strings.HasPrefix(tok, "-") || strings.HasPrefix(tok, "$") || strings.ContainsAny(tok, "0123456789_./:=@#%*+\\'\"`&~") {
			continue
		}
		if len(tok) < 2 || strings.ToUpper(tok) == tok {
			continue
		}
		for _, w := range latinWords(tok) {
			ok := false
			for _, a := range allowed {
				ok = ok || a[w]
			}
			if !ok {
				bad = append(bad, w)
			}
		}
	}
	sort.Strings(bad)
	return bad
}

// Issue 18.5: the table headers and titles of every analysis are Chinese
// under --lang zh. Read from the Markdown form, where titles (###) and
// header rows (the row above |---|) are marked; what may stay in Latin
// letters is the data (event and property names and values of the sample,
// user ids), flag values and the names in allowedWords.
func TestTableHeadersInChinese(t *testing.T) {
	db := sampleDB(t)
	allowed := map[string]bool{}
	for w := range allowedWords {
		if !inChinese[w] {
			allowed[w] = true
		}
	}
	data := dataWords(t, db)
	for _, args := range langAnalyses(t, db) {
		a := append(append([]string(nil), args...), "--format", "markdown", "--lang", "zh")
		code, out, errs := runCLI(t, "", a...)
		if code != 0 && !(args[0] == "alerts" && code == AlertFired) {
			t.Errorf("spoor %s: exit %d: %s", strings.Join(a, " "), code, errs)
			continue
		}
		argWords := map[string]bool{}
		for _, w := range args {
			for _, x := range latinWords(w) {
				argWords[x] = true
			}
		}
		lines := strings.Split(out, "\n")
		for i, l := range lines {
			var head string
			switch {
			case strings.HasPrefix(l, "### "):
				head = strings.TrimPrefix(l, "### ")
			case i+1 < len(lines) && strings.HasPrefix(lines[i+1], "|---") || i+1 < len(lines) && strings.HasPrefix(lines[i+1], "|--"):
				head = l
			case strings.HasPrefix(l, "| "):
				// A row: its cells are data, but a tier, stage, group
				// or path marker the package names in them is Chinese.
				var bad []string
				for _, w := range english(l, allowed, data, argWords) {
					if inChinese[w] {
						bad = append(bad, w)
					}
				}
				if len(bad) > 0 {
					t.Errorf("spoor %s: English %q in the row %q", strings.Join(args[:len(args)-2], " "), bad, l)
				}
				continue
			default:
				continue
			}
			if bad := english(head, allowed, data, argWords); len(bad) > 0 {
				t.Errorf("spoor %s: English %q in %q", strings.Join(args[:len(args)-2], " "), bad, head)
			}
		}
	}
}

// dataWords are the words of the sample's event names, property keys and
// values and user ids: data, shown as it is in every language.
func dataWords(t *testing.T, db string) map[string]bool {
	m := map[string]bool{}
	var props struct {
		Properties []struct {
			Key string `json:"key"`
			Top []struct {
				Value string `json:"value"`
			} `json:"top"`
		} `json:"properties"`
	}
	_, out, _ := runCLI(t, "", "props", "--top", "0", "--db", db, "--format", "json")
	if err := json.Unmarshal([]byte(out), &props); err != nil {
		t.Fatal(err)
	}
	add := func(s string) {
		for _, w := range latinWords(s) {
			m[w] = true
		}
	}
	for _, p := range props.Properties {
		add(p.Key)
		for _, v := range p.Top {
			add(v.Value)
		}
	}
	_, out, _ = runCLI(t, "", "sql", "SELECT name FROM event_names UNION ALL SELECT distinct_id FROM users", "--db", db, "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		add(r[0])
	}
	return m
}

// Issue 18.2: usage errors made in cli are Chinese under --lang zh, the
// flag package's among them; exit status 2 as in English.
func TestUsageErrorsInChinese(t *testing.T) {
	for _, args := range [][]string{
		{"trends", "--form", "json"}, {"trends", "--format", "xml"}, {"trends", "--db"},
		{"funnel", "--steps", "a,b", "--dropped-at", "x"}, {"funnel", "--steps", "a,b", "--dropped-at", "5"},
		{"funnle"}, {"segment", "bogus"}, {"segment", "show"}, {"paths", "--from", "a", "--to", "b"},
		{"retention", "--users", "nonsense"}, {"import"}, {"why", "--before", "2026-01-01..2026-01-02"},
	} {
		code, out, errs := runCLI(t, "", append(args, "--lang", "zh")...)
		if code != 2 || out != "" || !strings.HasPrefix(errs, "spoor: ") {
			t.Errorf("spoor %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errs)
			continue
		}
		if bad := english(errs, allowedWords, wordSet("funnle bogus nonsense")); len(bad) > 0 {
			t.Errorf("spoor %s: English %q in %q", strings.Join(args, " "), bad, errs)
		}
	}
}

// Issue 18.4: Chinese headers over Chinese data stay aligned by display
// width (the education sample's event names), counts right-aligned.
func TestChineseTablesGolden(t *testing.T) {
	edu := exEduDB(t)
	exGolden(t, "zh_events_table", "events", "--db", edu, "--format", "table", "--lang", "zh")
	exGolden(t, "zh_funnel_table", "funnel", "--steps", "试听课,注册,首次付费", "--by", "city", "--db", edu, "--format", "table", "--lang", "zh")
	exGolden(t, "zh_retention_table", "retention", "--period", "week", "--db", edu, "--format", "table", "--lang", "zh")
}

// Runtime errors under zh say in Chinese what went wrong, the system's
// complaint about a missing file included (Go gives it in English).
func TestRuntimeErrorsInChinese(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nofile.csv")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", missing}, "spoor: " + missing + "：文件或目录不存在\n"},
		{[]string{"import", "--db", filepath.Join(dir, "x.db"), missing}, "spoor: " + missing + "：文件或目录不存在\nspoor: 导入失败；失败的文件没有改动数据库\n"},
		{[]string{"trends", "--db", "clickhouse://h:99999/db?table=t"}, `spoor: ClickHouse 端口 "99999" 不是有效的端口号（HTTP 端口通常为 8123）` + "\n"},
	} {
		code, out, errs := runCLI(t, "", append(c.args, "--lang", "zh")...)
		if code == 0 || out != "" || errs != c.want {
			t.Errorf("spoor %s: exit %d, stdout %q, stderr %q; want %q", strings.Join(c.args, " "), code, out, errs, c.want)
		}
	}
	if _, _, errs := runCLI(t, "", "run", missing); errs != "spoor: stat "+missing+": no such file or directory\n" {
		t.Errorf("in English: %q", errs)
	}
}
