package why

import "github.com/spoorhq/spoor/i18n"

func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			", ": "、", // the before periods in a title
			"why %s moved: %s against %s — before %s, after %s, change %s. %s": "%s 为什么变化：%s 对比 %s — 之前 %s，之后 %s，变化 %s。%s",
			"conversion of %s":  "%s 的转化率",
			"sum of %s over %s": "%[2]s 的 %[1]s 之和",
			"users doing %s":    "%s 的用户数",
			"all events":        "全部事件",
			"%s":                "%s",
			"no units in either period: nothing to explain":            "两个时段都没有数据：无可解释",
			"no change to explain":                                     "没有需要解释的变化",
			"%s accounts for %s%% of the change (sums are not tested)": "%s 占变化的 %s%%（求和指标不做检验）",
			"%s explains %s%% of the change (p %s)":                    "%s 解释了 %s%% 的变化（p %s）",
			"no single value explains the change: the largest, %s, accounts for %s%% of it, no more than its size predicts (not significant)": "没有单个取值能解释这次变化：占比最大的 %s 占 %s%%，与其规模相称（不显著）",
			"no single value explains the change: the largest, %s, accounts for %s%% of it":                                                   "没有单个取值能解释这次变化：占比最大的 %s 占 %s%%",
		}
	})
}
