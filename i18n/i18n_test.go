package i18n

import (
	"errors"
	"io/fs"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDetect(t *testing.T) {
	cases := []struct {
		flag string
		env  map[string]string
		want Lang
		err  bool
	}{
		{"", nil, English, false},
		{"zh", nil, Chinese, false},
		{"en", map[string]string{"SPOOR_LANG": "zh"}, English, false}, // the flag wins
		{"", map[string]string{"SPOOR_LANG": "zh_CN"}, Chinese, false},
		{"", map[string]string{"SPOOR_LANG": "en", "LANG": "zh_CN.UTF-8"}, English, false},
		{"", map[string]string{"LANG": "zh_CN.UTF-8"}, Chinese, false},
		{"", map[string]string{"LANG": "zh_TW.UTF-8"}, Chinese, false},
		{"", map[string]string{"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, English, false}, // LC_ALL first
		{"", map[string]string{"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, Chinese, false},
		{"", map[string]string{"LANG": "fr_FR.UTF-8"}, English, false},
		{"fr", nil, English, true},
		{"", map[string]string{"SPOOR_LANG": "klingon"}, English, true},
	}
	for _, c := range cases {
		got, err := Detect(c.flag, env(c.env))
		if got != c.want || (err != nil) != c.err {
			t.Errorf("Detect(%q, %v) = %v, %v; want %v, error %v", c.flag, c.env, got, err, c.want, c.err)
		}
	}
}

func TestCatalog(t *testing.T) {
	defer Set(Current())
	Chinese.Add(func() map[string]string {
		return map[string]string{"test: %d users in %s": "测试：%[2]s 有 %[1]d 个用户", "test: read %s: %w": "测试：读取 %s 失败：%w"}
	})
	English.AddPlural("test: %d users in %s", 1, "%d", "=1", "test: %d user in %[2]s", "other", "test: %d users in %[2]s")
	Set(English)
	if got := T("test: %d users in %s", 1, "Beijing"); got != "test: 1 user in Beijing" {
		t.Errorf("English singular: %q", got)
	}
	if got := T("test: %d users in %s", 12345, "Beijing"); got != "test: 12,345 users in Beijing" {
		t.Errorf("English plural: %q", got)
	}
	if got := T("test: no entry %d", 5000); got != "test: no entry 5,000" {
		t.Errorf("a key with no entry is its own English: %q", got)
	}
	Set(Chinese)
	if got := T("test: %d users in %s", 12345, "北京"); got != "测试：北京 有 12,345 个用户" {
		t.Errorf("Chinese: %q", got)
	}
	err := Errorf("test: read %s: %w", "a.csv", fs.ErrNotExist)
	if err.Error() != "测试：读取 a.csv 失败：file does not exist" || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Errorf: %q, wraps %v", err, errors.Is(err, fs.ErrNotExist))
	}
	if !Has(Chinese, "test: read %s: %w") || Has(Chinese, "test: no entry %d") {
		t.Error("Has")
	}
	Chinese.Add(func() map[string]string { return map[string]string{"test: %d users in %s": "别的"} })
	if len(Conflicts()) == 0 {
		t.Error("a second, different text for one key is a conflict")
	}
}

func TestForms(t *testing.T) {
	defer Set(Current())
	d := time.Date(2026, 6, 18, 0, 0, 0, 0, time.UTC)
	Set(English)
	if MonthDay(d) != "Jun 18" || YearMonth(d) != "Jun 2026" || Weekday(time.Monday) != "Mon" || Int(1234567) != "1,234,567" {
		t.Error(MonthDay(d), YearMonth(d), Weekday(time.Monday), Int(1234567))
	}
	Set(Chinese)
	if MonthDay(d) != "6月18日" || YearMonth(d) != "2026年6月" || Weekday(time.Monday) != "周一" || Int(1234567) != "1,234,567" {
		t.Error(MonthDay(d), YearMonth(d), Weekday(time.Monday), Int(1234567))
	}
}

func TestMsgAndError(t *testing.T) {
	defer Set(Current())
	Chinese.Add(func() map[string]string {
		return map[string]string{
			"test: dropped at step %d: %s": "测试：在第 %d 步流失：%s",
			"test: no %s":                  "测试：没有 %s",
			"test: empty database":         "测试：空数据库",
		}
	})
	m := M("test: dropped at step %d: %s", 2000, M("test: no %s", "buy"))
	Set(Chinese)
	if got := m.String(); got != "测试：在第 2,000 步流失：测试：没有 buy" {
		t.Errorf("Msg in the current language: %q", got)
	}
	if got := m.In(English); got != "test: dropped at step 2,000: test: no buy" {
		t.Errorf("Msg in English, the inner message too: %q", got)
	}
	if !M("").IsZero() || m.IsZero() || M("").In(Chinese) != "" {
		t.Error("IsZero")
	}
	var errEmpty error = Error(N("test: empty database"))
	wrapped := Errorf("test: no %s: %w", "a.db", errEmpty)
	if errEmpty.Error() != "测试：空数据库" || !errors.Is(wrapped, errEmpty) {
		t.Errorf("Error: %q, Is %v", errEmpty, errors.Is(wrapped, errEmpty))
	}
	Set(English)
	if errEmpty.Error() != "test: empty database" {
		t.Errorf("Error in English: %q", errEmpty)
	}
}

func TestInEnglish(t *testing.T) {
	defer Set(Current())
	Chinese.Add(func() map[string]string {
		return map[string]string{
			"test: group %s: %w":  "测试：分组 %s：%w",
			"test: no control %q": "测试：没有对照组 %q",
		}
	})
	Set(Chinese)
	err := Errorf("test: group %s: %w", "ios", Errorf("test: no control %q", "A"))
	if err.Error() != `测试：分组 ios：测试：没有对照组 "A"` {
		t.Errorf("Chinese: %q", err)
	}
	if got := InEnglish(err); got != `test: group ios: test: no control "A"` {
		t.Errorf("InEnglish: %q", got)
	}
	if got := InEnglish(Errorf("test: no %s: %w", "file", fs.ErrNotExist)); got != "test: no file: file does not exist" {
		t.Errorf("InEnglish of a wrapped plain error: %q", got)
	}
	if got := InEnglish(Error(N("test: empty database"))); got != "test: empty database" {
		t.Errorf("InEnglish of an Error: %q", got)
	}
}

// Texts are compiled when their language is first printed in: one added
// after that (a package initialised late, a test) must still be found.
func TestAddAfterFirstUse(t *testing.T) {
	Chinese.Add(func() map[string]string { return map[string]string{"lazy first %d": "懒一 %d"} })
	if got := Chinese.T("lazy first %d", 1200); got != "懒一 1,200" {
		t.Fatalf("first text: %q", got)
	}
	Chinese.Add(func() map[string]string { return map[string]string{"lazy second": "懒二"} })
	if _, ok := compiled.Load(Chinese); ok {
		t.Fatal("a new text left the language marked compiled")
	}
	if got := Chinese.T("lazy second"); got != "懒二" {
		t.Fatalf("text added after first use: %q", got)
	}
	if got := English.T("lazy second"); got != "lazy second" {
		t.Fatalf("English: %q", got)
	}
}

// Add and AddPlural do their work when the language is first used, not
// when they are called (each package's init), and in the order they were
// called: a plural form replaces the text an earlier Add gave its key.
func TestAddWaitsForUse(t *testing.T) {
	built := 0
	Chinese.Add(func() map[string]string {
		built++
		return map[string]string{"test: waits %d": "测试：等待 %d", "test: %d waiting": "测试：%d 个等待"}
	})
	Chinese.AddPlural("test: %d waiting", 1, "%d", "=1", "测试：一个等待", "other", "测试：%d 个在等")
	if built != 0 {
		t.Fatalf("Add built its map %d times before the language was used", built)
	}
	if got := Chinese.T("test: waits %d", 3); got != "测试：等待 3" || built != 1 {
		t.Fatalf("after first use: %q, map built %d times", got, built)
	}
	if got := Chinese.T("test: %d waiting", 1); got != "测试：一个等待" {
		t.Errorf("plural after an Add of its key, one: %q", got)
	}
	if got := Chinese.T("test: %d waiting", 1500); got != "测试：1,500 个在等" {
		t.Errorf("plural after an Add of its key, many: %q", got)
	}
	Chinese.T("test: waits %d", 4)
	if built != 1 {
		t.Errorf("map built %d times, want once", built)
	}
}
