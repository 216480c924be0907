package tui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/x/ansi"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/importers"
	"github.com/spoorhq/spoor/segment"
	"github.com/spoorhq/spoor/store"
)

// Issue 18: the Segments tab marks an audience rule 受众：NAME under zh
// (aud:NAME in English).
func TestSegmentsAudienceLabelChinese(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC).UnixMilli()
	db := importedDB(t, path, []store.Event{{User: "u1", Name: "view", Time: at}, {User: "u2", Name: "buy", Time: at}})
	if err := segment.Audiences.Save(context.Background(), db, "viewers", "did view", false); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, c := range []struct {
		l         i18n.Lang
		want, not string
	}{{i18n.English, "aud:viewers", "受众：viewers"}, {i18n.Chinese, "受众：viewers", "aud:viewers"}} {
		inLang(t, c.l)
		h := fileHarness(t, path, 120, 40)
		h.keys("7", "<right>")
		h.contains(c.want)
		if v := h.screen(); strings.Contains(v, c.not) {
			t.Errorf("%s: %q on the Segments tab:\n%s", c.l, c.not, v)
		}
	}
}

// Issue 18: the Lifecycle chart's x axis reads its dates as the trends
// chart does (6月1日 under zh, 06-01 in English), not ISO.
func TestLifecycleAxisDates(t *testing.T) {
	for _, c := range []struct {
		l           i18n.Lang
		first, last string
	}{{i18n.English, "06-01", "06-29"}, {i18n.Chinese, "6月1日", "6月29日"}} {
		inLang(t, c.l)
		h := newHarness(t, 120, 40)
		h.keys("5")
		var axis string
		for _, line := range strings.Split(h.screen(), "\n") {
			if strings.Contains(line, c.first) && strings.Contains(line, c.last) {
				axis = line
			}
		}
		if axis == "" || strings.Contains(axis, "2026-") {
			t.Errorf("%s: no axis line with %s … %s:\n%s", c.l, c.first, c.last, h.screen())
		}
	}
}

// Issue 18: the import page names a rejection's reason in Chinese under zh.
func TestImportPageRejectReasonChinese(t *testing.T) {
	inLang(t, i18n.Chinese)
	h := newHarness(t, 100, 30)
	p := &importPage{path: "bad.csv", bar: progress.New(), done: true,
		res: &importers.Result{Format: "csv", Rejected: 2, Reasons: map[string]int64{importers.ReasonBadTime: 2}}}
	v := ansi.Strip(p.view(h.m.sh, 100, 30))
	if !strings.Contains(v, "2 个被拒：时间无法解析") || strings.Contains(v, "unparseable") {
		t.Errorf("import page:\n%s", v)
	}
}
