package alert

import "github.com/spoorhq/spoor/i18n"

func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			"no such alert":         "没有这个告警",
			"an alert needs a name": "告警需要一个名称",
			"alert %q needs a metric (trends arguments, e.g. --metric '--events purchase')": "告警 %q 需要一个指标（trends 的参数，例如 --metric '--events purchase'）",
			"alert %q: threshold, window and points must be positive":                       "告警 %q：阈值、窗口和点数都必须为正数",
			"an alert named %q exists; remove it first or use --replace":                    "已有名为 %q 的告警；请先删除，或使用 --replace",
			"save alert %q: %w":                   "保存告警 %q 失败：%w",
			"list alerts: %w":                     "列出告警失败：%w",
			"%w %q":                               "%w %q",
			"remove alert %q: %w":                 "删除告警 %q 失败：%w",
			"alert %q has an unreadable spec: %w": "告警 %q 的定义无法读取：%w",
		}
	})
}
