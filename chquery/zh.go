package chquery

import "github.com/spoorhq/spoor/i18n"

func init() {
	i18n.Chinese.Add(map[string]string{
		"--segment and --by segment:NAME are not compiled for this analysis on ClickHouse yet": "此分析在 ClickHouse 上尚未编译 --segment 和 --by segment:NAME",
		"no saved segment %q: no saved segments are known for this ClickHouse table":           "没有已保存的分群 %q：此 ClickHouse 表没有已知的已保存分群",
		"segment: ClickHouse sent the count %q":                                                "分群：ClickHouse 返回的计数为 %q",
		"ClickHouse answered %q for the workbench's first picks":                               "ClickHouse 为工作台的初始选择返回了 %q",
		"unknown user %q: no event of %s has it as its user or person":                         "没有用户 %q：%s 中没有哪个事件的用户或人员是它",
		"unreadable properties %.60q":                                                          "无法读取的属性 %.60q",
		"segment: cannot compile %T for ClickHouse":                                            "分群：无法为 ClickHouse 编译 %T",
		"paths: ClickHouse sent %d columns, expected %d":                                       "路径：ClickHouse 返回了 %d 列，应为 %d 列",
		"paths: reading ClickHouse's row %q: %v":                                               "路径：读取 ClickHouse 返回的行 %q：%v",
		"experiment: ClickHouse sent %d columns, expected %d":                                  "实验：ClickHouse 返回了 %d 列，应为 %d 列",
		"experiment: reading ClickHouse's row %q: %v":                                          "实验：读取 ClickHouse 返回的行 %q：%v",
		"an experiment funnel of more than 63 steps is not compiled for ClickHouse yet; copy the events to a local database to run it": "超过 63 步的实验漏斗尚未为 ClickHouse 编译；请将事件复制到本地数据库后运行",
		"the events span more than %d years, more than a ClickHouse funnel handles":                                                    "事件跨越超过 %d 年，超出 ClickHouse 漏斗的处理范围",
		"churn: ClickHouse sent %d columns, expected %d":                                                                               "流失：ClickHouse 返回了 %d 列，应为 %d 列",
		"churn: reading ClickHouse's row %q: %v":                                                                                       "流失：读取 ClickHouse 返回的行 %q：%v",
	})
}
