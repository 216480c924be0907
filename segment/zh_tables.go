package segment

import "github.com/spoorhq/spoor/i18n"

// The titles and column names of this package's tables in Chinese, for
// the table and Markdown forms (CSV and JSON stay English).
func init() {
	i18n.Chinese.Add(map[string]string{
		"size by day":      "每天的人数",
		"day":              "天",
		"users":            "用户数",
		"of (total users)": "总用户数",
		"share":            "占比",
		"Lifecycle stage (%d-day window), %d users": "生命周期阶段（%d 天窗口期），%d 个用户",
		"stage":                                  "阶段",
		"%s, then %s within %s of the day's end": "%s，之后在当天结束后 %s 之内 %s",
		"goal_window":                            "目标窗口期",
		"members":                                "成员数",
		"new_members":                            "新成员数",
		"Churn risk over the last %d days against a %d-day baseline: %d of %d users score at least %s": "最近 %d 天对比 %d 天基线的流失风险：%[4]d 个用户中有 %[3]d 个得分不低于 %[5]s",
		" (top %d shown)": "（显示前 %d 个）",
		"; %d with a single active day before the window not scored": "；窗口期之前只活跃过一天的 %d 个用户未评分",
		"activity_ratio": "活跃度比值",
		"usual_gap_days": "平时间隔天数",
		"active_days":    "活跃天数",
		"last_key_event": "最近关键事件",
		"signals":        "信号",
		"days_since":     "距今天数",
		"recency_days":   "最近购买距今天数",
		"frequency":      "购买频次",
		"monetary":       "消费金额",
		"tier":           "分层",
		"r":              "R 值",
		"f":              "F 值",
		"m":              "M 值",
		"RFM tiers by %s: %d customers, %d users without a purchase": "按 %s 的 RFM 分层：%d 个客户，%d 个用户没有购买",
	})
	// Keys that tell two uses of one English word apart.
	i18n.English.Add(map[string]string{
		"of (total users)": "of",
	})
}
