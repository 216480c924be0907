package attribution

import "github.com/spoorhq/spoor/i18n"

// The titles and column names of this package's tables in Chinese, for
// the table and Markdown forms (CSV and JSON stay English).
func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			"%s attribution of %d %s by %s, lookback %s": "归因（%[1]s模型）：%[2]d 次 %[3]s 按 %[4]s 归因，回溯 %[5]s",
			", half-life %s":         "，半衰期 %s",
			", %s..%s":               "，%s..%s",
			"revenue":                "收入",
			"touch":                  "触点",
			"conversions (credited)": "转化数",
			"share":                  "占比",
			"cost":                   "花费",
			"cost_per_conversion":    "单次转化成本",
			"roas":                   "ROAS",
			"roi":                    "ROI",
		}
	})
	// Keys that tell two uses of one English word apart.
	i18n.English.Add(func() map[string]string {
		return map[string]string{
			"conversions (credited)": "conversions",
		}
	})
}
