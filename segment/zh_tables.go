package segment

import "github.com/spoorhq/spoor/i18n"

// The titles and column names of this package's tables in Chinese, for
// the table and Markdown forms (CSV and JSON stay English).
func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			"size by day":      "每天的人数",
			"day":              "天",
			"users":            "用户数",
			"of (total users)": "总用户数",
			"share":            "占比",
			"stage":            "阶段",
			" (top %d shown)":  "（显示前 %d 个）",
			"activity_ratio":   "活跃度比值",
			"active_days":      "活跃天数",
			"recency_days":     "最近购买距今天数",
			"frequency":        "购买频次",
			"monetary":         "消费金额",
			"tier":             "分层",
			"r":                "R 值",
			"f":                "F 值",
			"m":                "M 值",
			// words.go: RFM tiers and lifecycle stages
			"champions":           "核心客户",
			"loyal":               "忠诚客户",
			"potential loyalists": "潜力客户",
			"new (RFM tier)":      "新客户",
			"at risk":             "流失风险客户",
			"can't lose":          "重要挽留客户",
			"hibernating":         "沉睡客户",
			"lost":                "已流失客户",
			"new":                 "新增",
			"active":              "活跃",
			"returning (stage)":   "回流",
			"dormant":             "沉睡",
			"churned":             "流失",
		}
	})
	// Keys that tell two uses of one English word apart.
	i18n.English.Add(func() map[string]string {
		return map[string]string{
			"of (total users)":  "of",
			"new (RFM tier)":    "new",
			"returning (stage)": "returning",
		}
	})
}
