package output

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/i18n"
)

func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{"users by %s": "按 %s 的用户数", "users": "用户数"}
	})
}

// langTables heads its table through the catalog, as analyses do, in the
// language it is given.
type langTables struct{}

func (langTables) Tables(l i18n.Lang) []Table {
	return []Table{
		{Title: l.T("users by %s", "country"), Columns: []string{"country", l.T("users")}, Rows: [][]string{{"中国", "1200"}, {"US", "7"}}},
		{Title: l.T("users"), Columns: []string{l.T("users")}},
	}
}

// CSV and JSON are the same bytes in every interface language; the table
// and Markdown forms are in the interface language, CJK cells aligned by
// display width. Writing never sets the interface language, not even for
// a moment: the workbench writes an export while other goroutines render
// (TestWriteLeavesTheLanguageAlone).
func TestMachineFormatsStayEnglish(t *testing.T) {
	defer i18n.Set(i18n.Current())
	write := func(l i18n.Lang, format string) string {
		i18n.Set(l)
		var b bytes.Buffer
		if err := Write(&b, format, langTables{}); err != nil {
			t.Fatal(err)
		}
		if i18n.Current() != l {
			t.Fatalf("writing %s changed the language to %s", format, i18n.Current())
		}
		return b.String()
	}
	for _, f := range []string{"csv", "json"} {
		if en, zh := write(i18n.English, f), write(i18n.Chinese, f); en != zh {
			t.Errorf("%s differs:\nen %q\nzh %q", f, en, zh)
		}
	}
	if got := write(i18n.Chinese, "csv"); !strings.HasPrefix(got, "# users by country\ncountry,users\n") {
		t.Errorf("csv under zh: %q", got)
	}
	want := "按 country 的用户数\ncountry  用户数\n中国       1200\nUS            7\n"
	if got := write(i18n.Chinese, "table"); !strings.HasPrefix(got, want) {
		t.Errorf("table under zh:\n%s\nwant\n%s", got, want)
	}
	if got := write(i18n.Chinese, "markdown"); !strings.Contains(got, "### 按 country 的用户数\n\n| country | 用户数 |") {
		t.Errorf("markdown under zh:\n%s", got)
	}
}

// The CSV of a table is asked for in English while the interface stays
// Chinese for everyone else: the tables get the language as an argument,
// the global one is not switched around the write.
func TestWriteLeavesTheLanguageAlone(t *testing.T) {
	defer i18n.Set(i18n.Current())
	i18n.Set(i18n.Chinese)
	seen := &seenLang{}
	var b bytes.Buffer
	if err := Write(&b, "csv", seen); err != nil {
		t.Fatal(err)
	}
	if seen.given != i18n.English || seen.current != i18n.Chinese {
		t.Errorf("CSV: tables given %q while the interface language was %q; want en while zh", seen.given, seen.current)
	}
	if err := Write(&b, "markdown", seen); err != nil {
		t.Fatal(err)
	}
	if seen.given != i18n.Chinese {
		t.Errorf("Markdown: tables given %q under zh", seen.given)
	}
}

// seenLang records the language its tables were asked for in, and the
// interface language at that moment.
type seenLang struct{ given, current i18n.Lang }

func (s *seenLang) Tables(l i18n.Lang) []Table {
	s.given, s.current = l, i18n.Current()
	return []Table{{Columns: []string{"x"}}}
}
