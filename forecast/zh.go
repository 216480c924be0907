package forecast

import "github.com/spoorhq/spoor/i18n"

func init() {
	i18n.Chinese.Add(map[string]string{
		"%d intervals since %s, after %d or more with no event; a forecast needs at least %d (two seasons of %d)": "自 %[2]s 起只有 %[1]d 个区间（此前连续 %[3]d 个以上区间没有事件）；预测至少需要 %[4]d 个（%[5]d 的两个周期）",
	})
}
