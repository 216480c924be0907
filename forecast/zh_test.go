package forecast

import (
	"strconv"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/i18n"
)

// A series too short to forecast says why in Chinese, and in English in
// its JSON field.
func TestRefusedChinese(t *testing.T) {
	i18n.Set(i18n.Chinese)
	defer i18n.Set(i18n.English)
	y := make([]float64, 5)
	ts := make([]string, len(y))
	for i := range ts {
		ts[i] = strconv.Itoa(i)
	}
	s := ForSeries("all events", ts, y, 7, 3, func(k int) string { return strconv.Itoa(k) }, false)
	if s.Refused != "5 intervals of history; a forecast needs at least 14 (two seasons of 7) — widen the range" {
		t.Errorf("JSON's refused: %q", s.Refused)
	}
	if got := s.RefusedText(); !strings.HasPrefix(got, "历史只有 5 个区间；预测至少需要 14 个") {
		t.Errorf("shown: %q", got)
	}
}
