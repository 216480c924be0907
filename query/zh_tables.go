package query

import "github.com/spoorhq/spoor/i18n"

// The titles and column names of this package's tables in Chinese, for
// the table and Markdown forms (CSV and JSON stay English).
func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
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
			"dau":         "日活",
			"wau":         "周活",
			"mau":         "月活",
			"all events":  "全部事件",
			"dropped":     "已流失",
			"in_progress": "进行中",
			"not_counted": "未计入",
			"(end)":       "（结束）",
			"(start)":     "（开始）",
			"ordered":     "有序",
			"strict":      "严格",
			"any":         "任意顺序",
			"semantics":   "口径",
			"funnel (%s) under each product's semantics": "漏斗（%s）在各产品口径下的结果",
			"not compared":               "未比较",
			"why":                        "原因",
			"funnel (%s, window %s)":     "漏斗（%s，窗口期 %s）",
			"step conversion":            "步骤转化率",
			"drop-off":                   "流失",
			"median time":                "耗时中位数",
			"breakdown by %s":            "按 %s 拆分",
			"conversion by %s of step 1": "按第 1 步所在%s的转化率",
			"incomplete":                 "未完整",
			"path":                       "路径",
			"rank":                       "排名",
			"from":                       "从",
			"to":                         "到",
			"top transitions per step":   "每一步最常见的流转",
			"path users":                 "路径用户数",
			"retained %%":                "留存率",
			"retained users":             "留存用户数",
			"%s: %d events":              "%s：%d 个事件",
			"id":                         "ID",
			"days active":                "活跃天数",
		}
	})
}
