package why

import (
	"testing"

	"github.com/spoorhq/spoor/i18n"
)

// The verdict is English in the JSON field and Chinese where it is shown.
func TestVerdictChinese(t *testing.T) {
	i18n.Set(i18n.Chinese)
	defer i18n.Set(i18n.English)
	r := &Result{}
	r.say(i18n.M("%s explains %s%% of the change (p %s)", "device,app_version = android,3.2", percentOf(3.65), "< 0.0001"))
	if r.Verdict != "device,app_version = android,3.2 explains 365% of the change (p < 0.0001)" {
		t.Errorf("JSON's verdict: %q", r.Verdict)
	}
	if got := r.VerdictText(); got != "device,app_version = android,3.2 解释了 365% 的变化（p < 0.0001）" {
		t.Errorf("shown: %q", got)
	}
}
