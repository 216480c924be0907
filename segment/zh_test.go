package segment

import (
	"strings"
	"testing"

	"github.com/spoorhq/spoor/i18n"
)

// Segment syntax errors and churn signals read in Chinese; the signals
// kept for JSON stay English.
func TestChinese(t *testing.T) {
	i18n.Set(i18n.Chinese)
	defer i18n.Set(i18n.English)
	for _, c := range []struct{ expr, want string }{
		{"did purchase >= in 30d", "分群条件第 17 列：>= 后应跟一个数字"},
		{"country =", "分群条件第 10 列：= 后应跟一个值"},
		{"did view and", "分群条件第 13 列：这里应是一个条件（did、first_seen、last_seen、active、silent、streak，或 属性 运算符 值），实际是 表达式末尾"},
	} {
		_, err := Parse(c.expr)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: %v, want %q", c.expr, err, c.want)
		}
	}
	in := churnInput{window: 14, silent: 29, usualGap: 2.5, gaps: 10}
	churnScore(&in)
	u := ChurnUser{signals: churnSignals(&in)}
	if got := u.SignalsText(); got != "已沉默 29 天，预期间隔 3.3 天：已超出 7.9 个间隔；活跃度下降 100%" {
		t.Errorf("Chinese signals: %q", got)
	}
	if got := u.signals[0].In(i18n.English); !strings.HasPrefix(got, "silent 29d, expected gap 3.3d") {
		t.Errorf("English signal: %q", got)
	}
}
