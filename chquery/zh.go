package chquery

import "github.com/spoorhq/spoor/i18n"

func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			// chquery.go
			"ClickHouse answered %q for the events named %q":                "ClickHouse 对事件 %[2]q 返回了 %[1]q",
			"unknown event %q; run spoor events to list the %d known names": "未知事件 %q；运行 spoor events 可列出全部 %d 个事件名",
			"unknown event %q; closest known: %s":                           "未知事件 %q；最接近的已有事件：%s",
			", ":                                                            "、",
			"--segment and --by segment:NAME are not compiled for this analysis on ClickHouse yet": "此分析在 ClickHouse 上暂不支持 --segment 和 --by segment:NAME",
			"--where %q: %s": "--where %q：%s",
			"%s is not compiled for ClickHouse yet; copy the events to a local database to run it": "ClickHouse 上暂不支持%s；请把事件复制到本地数据库后再运行",
			// experiment.go
			"an experiment funnel of more than 63 steps is not compiled for ClickHouse yet; copy the events to a local database to run it": "ClickHouse 上暂不支持超过 63 步的实验漏斗；请把事件复制到本地数据库后再运行",
			"experiment: ClickHouse sent %d columns, expected %d":                                                                          "实验：ClickHouse 返回了 %d 列，应为 %d 列",
			"experiment: reading ClickHouse's row %q: %w":                                                                                  "实验：读取 ClickHouse 返回的行 %q：%w",
			// filter.go
			"filter on %q: the property has more than %d distinct values; compare with = or in instead": "按 %q 筛选：该属性的不同取值超过 %d 个；请改用 = 或 in 比较",
			// funnel.go
			"a strict funnel of more than 63 steps and exclusions": "步骤与排除事件合计超过 63 个的严格顺序漏斗",
			"an exclusion in an ordered funnel over steps sharing an event name from a step after the first (%s), other than all from one step to the last": "步骤共用事件名的有序漏斗中从第一步之后开始的排除事件（%s），全部从同一步到最后一步的除外",
			"an exclusion in an ordered funnel from a step after the first (%s) beside exclusions between other steps":                                      "有序漏斗中从第一步之后开始的排除事件（%s）与其他步骤之间的排除事件同时使用",
			"funnel: ClickHouse sent %d columns, expected %d": "漏斗：ClickHouse 返回了 %d 列，应为 %d 列",
			"funnel: reading ClickHouse's row for %q: %w":     "漏斗：读取 ClickHouse 返回的 %q 的行：%w",
			"not an array: %.40q":                             "不是数组：%.40q",
			"a funnel whose steps %d and %d are both %q with different filters that one event can meet both of": "第 %d 步和第 %d 步都是 %q、筛选条件不同且同一事件可能同时满足两者的漏斗",
			"step filter: %w": "步骤筛选：%w",
			"an ordered funnel over steps sharing an event name with %d excluded events": "步骤共用事件名且带 %d 个排除事件的有序漏斗",
			"step %d (%s): %w": "步骤 %d（%s）：%w",
			// funnel_any.go
			"an any-order funnel with more than %d different filters on steps of one event (%s) that one event can meet several of": "同一事件（%[2]s）的步骤带有超过 %[1]d 种不同且同一事件可能同时满足其中几种的筛选条件的任意顺序漏斗",
			"an any-order funnel whose steps' filters make more than 254 kinds of event":                                            "步骤筛选条件组合出超过 254 类事件的任意顺序漏斗",
			// funnel_distinct.go
			"the events span more than %d years, more than a ClickHouse funnel handles": "事件跨度超过 %d 年，超出了 ClickHouse 漏斗能处理的范围",
			// funnel_semantics.go
			"--semantics %s": "按 %[1]s 口径计算的漏斗（--semantics %[1]s）",
			// funnel_typed.go
			"a funnel with more than %d different filters on steps of one event (%s) that one event can meet several of": "同一事件（%[2]s）的步骤带有超过 %[1]d 种不同且同一事件可能同时满足其中几种的筛选条件的漏斗",
			"a funnel whose steps' filters make more than 254 kinds of event":                                            "步骤筛选条件组合出超过 254 类事件的漏斗",
			// lifecycle.go
			"lifecycle: reading ClickHouse's counts: %w": "生命周期：读取 ClickHouse 返回的计数：%w",
			// paths.go
			"paths: ClickHouse sent %d columns, expected %d": "路径：ClickHouse 返回了 %d 列，应为 %d 列",
			"paths: reading ClickHouse's row %q: %w":         "路径：读取 ClickHouse 返回的行 %q：%w",
			"unknown event code":                             "未知的事件编码",
			// retention.go
			"retention: reading ClickHouse's counts: %w":     "留存：读取 ClickHouse 返回的计数：%w",
			"retention: reading ClickHouse's row for %q: %w": "留存：读取 ClickHouse 返回的 %q 的行：%w",
			// segment.go
			"no saved segment %q: no saved segments are known for this ClickHouse table": "没有已保存的分群 %q：此 ClickHouse 表还没有已保存的分群",
			"segment: ClickHouse sent the row %q":                                        "分群：ClickHouse 返回的行 %q 无法读取",
			"segment: ClickHouse sent the count %q":                                      "分群：ClickHouse 返回的计数为 %q",
			"segment: ClickHouse answered %d rows for the properties' presence":          "分群：ClickHouse 对属性是否存在的查询返回了 %d 行",
			"segment: cannot compile %T for ClickHouse":                                  "分群：无法为 ClickHouse 编译 %T",
			// trends.go
			"trends: ClickHouse sent the bucket %q":        "趋势：ClickHouse 返回了时间桶 %q",
			"trends: ClickHouse sent the hour %d of %d":    "趋势：ClickHouse 返回了第 %d 个小时（共 %d 个）",
			"trends: reading ClickHouse's counts: %w":      "趋势：读取 ClickHouse 返回的计数：%w",
			"trends: reading ClickHouse's covers: %w":      "趋势：读取 ClickHouse 返回的滚动窗口区间：%w",
			"trends: reading ClickHouse's active days: %w": "趋势：读取 ClickHouse 返回的活跃天数：%w",
			"hourly buckets over more than %d days are not compiled for ClickHouse; use --interval day or a shorter range": "ClickHouse 上暂不支持超过 %d 天的按小时统计；请用 --interval day 或缩短时间范围",
			"the hours of %s do not start on a quarter hour, which ClickHouse hourly buckets need; use --interval day":     "%s 的整点不在 15 分钟的整数倍上，ClickHouse 无法按小时统计；请用 --interval day",
			// workbench.go
			"ClickHouse answered %q for the workbench's first picks":       "ClickHouse 为工作台的初始选择返回了 %q",
			"unknown user %q: no event of %s has it as its user or person": "未知用户 %q：%s 中没有以它为用户的事件",
			"unreadable properties %.60q":                                  "无法读取的属性 %.60q",
			// churn.go
			"churn: ClickHouse sent %d columns, expected %d": "流失：ClickHouse 返回了 %d 列，应为 %d 列",
			"churn: reading ClickHouse's row %q: %w":         "流失：读取 ClickHouse 返回的行 %q：%w",
			// stages.go, rfm.go
			"stages: ClickHouse sent %d columns, expected %d": "生命周期阶段：ClickHouse 返回了 %d 列，应为 %d 列",
			"stages: ClickHouse sent the row %q":              "生命周期阶段：ClickHouse 返回的行 %q 无法读取",
			"rfm: ClickHouse sent %d columns, expected %d":    "RFM：ClickHouse 返回了 %d 列，应为 %d 列",
			"rfm: ClickHouse sent the row %q":                 "RFM：ClickHouse 返回的行 %q 无法读取",
			// attribution.go, backtest.go
			"attribution: ClickHouse sent the row %q": "归因：ClickHouse 返回的行 %q 无法读取",
			"match: ClickHouse sent the row %q":       "序列匹配：ClickHouse 返回的行 %q 无法读取",
			"backtest: ClickHouse sent the row %q":    "回测：ClickHouse 返回的行 %q 无法读取",
		}
	})
}
