package sequence

import "github.com/spoorhq/spoor/i18n"

// This package's messages in Chinese; its tables' titles and columns are
// for the table and Markdown forms (CSV and JSON stay English).
func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			// match.go
			"the pattern needs more than %d backtracking steps (ClickHouse's limit); make it more specific, e.g. fewer .* or tighter (?t...) conditions": "该模式需要超过 %d 步回溯（ClickHouse 的上限）；请把模式写得更具体，例如减少 .* 或收紧 (?t...) 条件",
			// pattern.go
			"a pattern takes 1 to %d conditions, got %d":                                               "模式需要 1 到 %d 个条件，实际给了 %d 个",
			"pattern %q: %s at position %d (%q); atoms are (?N), ., .* and (?t<=S), with <, >=, >, ==": "模式 %[1]q 在位置 %[3]d（%[4]q）处出错：%[2]s；可用的写法有 (?N)、.、.* 和 (?t<=S)，比较符还可用 <、>=、>、==",
			"unknown time condition":                                           "未知的时间条件",
			"expected a number of seconds":                                     "应为秒数",
			"time too large":                                                   "时间过大",
			"a time condition must follow an event":                            "时间条件必须紧跟在事件之后",
			"expected a condition number":                                      "应为条件编号",
			"condition %d is not one of the %d conditions (they count from 1)": "条件 %d 不在这 %d 个条件之中（编号从 1 开始）",
			"expected a closing parenthesis":                                   "缺少右括号",
			"unexpected character":                                             "无法识别的字符",
			// run.go
			"give the conditions the pattern numbers: --conditions signup,purchase": "请给出模式中编号对应的条件：--conditions signup,purchase",
			"condition %d: no event is named %q, so it never matches":               "条件 %d：没有名为 %q 的事件，因此永远不会匹配",
			"condition %d (%s): %w":           "条件 %d（%s）：%w",
			"user %s: %w":                     "用户 %s：%w",
			"%d of %d users match %s over %s": "%[2]d 个用户中有 %[1]d 个匹配 %[3]s，条件为 %[4]s",
			", ":                              "、",
			"user":                            "用户",
			"match":                           "匹配",
			"count":                           "次数",
			"event times":                     "事件时间",
			"false":                           "否",
			"true":                            "是",
		}
	})
}
