package query

import "github.com/spoorhq/spoor/i18n"

// The titles and column names of this package's tables in Chinese, for
// the table and Markdown forms (CSV and JSON stay English).
func init() {
	i18n.Chinese.Add(map[string]string{
		// also the workbench's words (tui/zh.go), for the tables of
		// programs that do not link it
		"users":       "用户数",
		"in progress": "进行中",
		"size":        "人数",
		"properties":  "属性",
		"share":       "占比",
		"hour":        "小时",
		"day":         "天",
		"week":        "周",
		"month":       "月",
		"total":       "总次数",
		"avg":         "人均次数",
		"stickiness":  "粘性",
		"ordered":     "有序",
		"strict":      "严格",
		"any":         "任意顺序",
		"semantics":   "口径",
		"funnel (%s) under each product's semantics": "漏斗（%s）在各产品口径下的结果",
		"any %d of %d": "%[2]d 步中任意 %[1]d 步",
		"not compared": "未比较",
		"why":          "原因",
		"%d users counted differently under %s and %s (step 1: %d and %d users)": "%d 个用户在 %s 和 %s 口径下计数不同（第 1 步：%d 和 %d 个用户）",
		" steps":                             " 步",
		"funnel (%s, window %s)":             "漏斗（%s，窗口期 %s）",
		"funnel (%s rules%s, %s, window %s)": "漏斗（%s 口径%s，%s，窗口期 %s）",
		"step conversion":                    "步骤转化率",
		"drop-off":                           "流失",
		"median time":                        "耗时中位数",
		"breakdown by %s":                    "按 %s 拆分",
		"conversion by %s of step 1":         "按第 1 步所在%s的转化率",
		"incomplete":                         "未完整",
		"paths after the first %s: %d users": "首次 %s 之后的路径：%d 个用户",
		"paths before the first %s, read back from it: %d users": "首次 %s 之前的路径（从它往前回看）：%d 个用户",
		"path":                              "路径",
		"top %d of %d paths":                "%[2]d 条路径中的前 %[1]d 条",
		"rank":                              "排名",
		"from":                              "从",
		"to":                                "到",
		"top transitions per step":          "每一步最常见的流转",
		"path users":                        "路径用户数",
		"top paths by %s":                   "按 %s 拆分的热门路径",
		"%s %s (period)":                    "第 %[2]s %[1]s",
		"incomplete from":                   "未完整起始期",
		"retained %%":                       "留存率",
		"retained users":                    "留存用户数",
		"%s is linked to user %s":           "%s 关联到用户 %s",
		" (ids %s)":                         "（ID：%s）",
		"%s: %d events":                     "%s：%d 个事件",
		"id":                                "ID",
		"%s per %s, %s to %s":               "每%[2]s%[1]s，%[3]s 至 %[4]s",
		"%s per %s: no events":              "每%[2]s%[1]s：没有事件",
		"users by days active in the range": "按范围内活跃天数统计的用户数",
		"days active":                       "活跃天数",
	})
	// Keys that tell two uses of one English word apart.
	i18n.English.Add(map[string]string{
		"%s %s (period)": "%s %s",
	})
}
