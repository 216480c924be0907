package alert

import "github.com/spoorhq/spoor/i18n"

// The titles and column names of this package's tables in Chinese, for
// the table and Markdown forms (CSV and JSON stay English).
func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			"window":    "窗口期",
			"value":     "值",
			"expected":  "预期值",
			"score":     "得分",
			"alert":     "告警",
			"series":    "序列",
			"t":         "时间",
			"points":    "数据点",
			"created":   "创建时间",
			"name":      "名称",
			"metric":    "指标",
			"threshold": "阈值",
			"anomalies (beyond %v robust standard deviations of the one-step forecast; for a series too short to forecast, of the trailing %d points' median)": "异常（偏离一步预测超过 %v 个稳健标准差；序列太短无法预测时，偏离最近 %d 个点的中位数）",
			"hi":        "上限",
			"direction": "方向",
			"detector":  "检测方法",
			"lo":        "下限",
		}
	})
}
