package sequence

import "github.com/spoorhq/spoor/i18n"

// The titles and column names of this package's tables in Chinese, for
// the table and Markdown forms (CSV and JSON stay English).
func init() {
	i18n.Chinese.Add(map[string]string{
		"count":                           "次数",
		"%d of %d users match %s over %s": "%[2]d 个用户中有 %[1]d 个匹配 %[3]s，条件为 %[4]s",
		"match":                           "匹配",
		"event times":                     "事件时间",
	})
}
