package why

import "github.com/spoorhq/spoor/i18n"

// The titles and column names of this package's tables in Chinese, for
// the table and Markdown forms (CSV and JSON stay English).
func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			"contribution": "贡献",
			"mix":          "结构效应",
			"p":            "p 值",
			"share":        "占比",
			"users of %s = %s: %d (the %d that changed most)": "%s = %s 的用户：%d 个（变化最大的 %d 个）",
			"after":                              "之后",
			"before":                             "之前",
			"property":                           "属性",
			"rate":                               "转化率",
			"value":                              "值",
			"significant":                        "显著",
			"yes":                                "是",
			" (%d more values in --format json)": "（另有 %d 个取值，见 --format json）",
			"user":                               "用户",
			"(%d small values)":                  "（%d 个样本量小的取值）",
			"(none)":                             "（无）",
		}
	})
}
