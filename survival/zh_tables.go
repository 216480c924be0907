package survival

import "github.com/spoorhq/spoor/i18n"

// The titles and column names of this package's tables in Chinese, for
// the table and Markdown forms (CSV and JSON stay English).
func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			"group":                    "分组",
			"all users":                "全部用户",
			"t":                        "时间",
			"events (count)":           "事件数",
			"survival (probability)":   "生存概率",
			"lo95":                     "95%% 下限",
			"hi95":                     "95%% 上限",
			"time from first %s to %s": "从首次 %s 到 %s 的时间",
			" by %s":                   "，按 %s 拆分",
			"; log-rank chi-square %.2f on %d df, p = %s":                        "；log-rank 卡方 %.2f，自由度 %d，p = %s",
			"; no log-rank test over %d groups":                                  "；超过 %d 个分组，不做 log-rank 检验",
			"; no log-rank test: fewer than two groups at risk at an event time": "；不做 log-rank 检验：事件时间上处于风险中的分组不足两个",
			"censored":    "删失",
			"median":      "中位数",
			"median_lo95": "中位数 95%% 下限",
			"median_hi95": "中位数 95%% 上限",
			"survival after each event time (95%% log-log band)": "每个事件时间之后的留存概率（95%% log-log 置信带）",
			"t_seconds": "秒数",
			"at_risk":   "风险集人数",
		}
	})
	// Keys that tell two uses of one English word apart.
	i18n.English.Add(func() map[string]string {
		return map[string]string{
			"survival (probability)": "survival",
			"events (count)":         "events",
		}
	})
}
