package tui

import "github.com/spoorhq/spoor/i18n"

// The workbench in Chinese, file by file in the order of the code. Row
// labels of the query panel stay within 6 cells (3 characters) so the
// value column keeps its place; terms follow the team glossary.
func init() {
	i18n.Chinese.Add(map[string]string{
		// keys.go
		"quit":                      "退出",
		"quit now":                  "立即退出",
		"all keys":                  "全部按键",
		"next tab":                  "下一个标签页",
		"previous tab":              "上一个标签页",
		"up":                        "向上",
		"down":                      "向下",
		"panel; wide table left":    "查询面板；宽表左移",
		"results; wide table right": "结果；宽表右移",
		"table left":                "表格左移",
		"table right":               "表格右移",
		"edit / users":              "编辑 / 用户",
		"back":                      "返回",
		"filter list":               "筛选列表",
		"in progress":               "进行中",
		"forecast":                  "预测",
		"why (anomaly)":             "异常原因",
		"back-test audience":        "回测受众",
		"add":                       "添加",
		"remove":                    "删除",
		"move up":                   "上移",
		"move down":                 "下移",
		"filter":                    "筛选",
		"date range":                "时间范围",
		"save analysis":             "保存分析",
		"open saved":                "打开已保存",
		"export result":             "导出结果",
		"copy result":               "复制结果",
		"import file":               "导入文件",
		"reload data":               "重新加载数据",
		"results":                   "结果",
		"scroll":                    "滚动",
		"scroll table":              "滚动表格",
		"query panel":               "查询面板",
		"tab by number":             "按编号切换标签页",

		// tabs.go
		"Trends": "趋势", "Funnel": "漏斗", "Paths": "路径", "Retention": "留存",
		"Lifecycle": "生命周期", "Explore": "探索", "Segments": "分群", "Experiments": "A/B 实验",
		"Retain": "留存", "Life": "生命周期", "Segs": "分群", "A/B": "实验",
		"Trend": "趋势", "Path": "路径", "Ret": "留存", "Expl": "探索", "Seg": "分群",
		"Tr": "趋", "Fu": "漏", "Pa": "路", "Re": "留", "Li": "生", "Ex": "探", "Se": "分", "AB": "实",

		// app.go
		"loaded %s events in %d ms": "已加载 %s 个事件，耗时 %d ms",
		"property keys: %s":         "属性名：%s",
		"the query crashed: %v":     "查询崩溃：%v",
		"%s: %s":                    "%s：%s",
		"starting spoor…":           "spoor 启动中…",
		"loading %s…":               "正在加载 %s…",
		"could not open the data":   "无法打开数据",

		// lang.go
		"interface language: %s":                             "界面语言：%s",
		"the language is not remembered in the database: %v": "界面语言未能保存到数据库：%v",

		// command.go
		"no database at %s — run `spoor import FILE --db %s` to create one, or `spoor demo`": "%s 处没有数据库：运行 `spoor import FILE --db %s` 创建一个，或运行 `spoor demo`",
		"the workbench crashed: %v":                 "工作台崩溃：%v",
		"the workbench crashed: %v (details in %s)": "工作台崩溃：%v（详情见 %s）",

		// data_demo.go
		"sample (%s)": "示例数据（%s）",

		// chrome.go
		"all time":                       "全部时间",
		"%s events · %s users · %s · %s": "%s 个事件 · %s 个用户 · %s · %s",
		"%s ev · %s users · %s · %s":     "%s 事件 · %s 用户 · %s · %s",
		"%s ev·%s u·%s·%s":               "%s事件·%s用户·%s·%s",
		"running":                        "运行中",
		"importing %.0f%%":               "导入中 %.0f%%",
		"query %d ms":                    "查询耗时 %d ms",

		// results.go
		"%s query":      "%s查询",
		"computing…":    "计算中…",
		"no result yet": "尚无结果",

		// help.go
		"In the query panel, Enter edits the row under the cursor with a picker that filters as you type; a adds a step or filter, d removes it, K/J move it. In the results, ↑↓ select a funnel step, retention cell or experiment variant and Enter lists its users (a variant's with converted yes/no and when). On a funnel step p lists those still in progress. On any list of users, e exports it (CSV, Markdown or JSON) and y copies it as Markdown; Enter on a user shows their timeline. On Segments, b back-tests the selected audience against a goal over 60 days. Esc goes back. On Experiments, the weights row sets the intended split for the sample-ratio check: 90/10, 50,25,25, A=90,B=10 or even.": "在查询面板中，Enter 用边输入边筛选的选择器编辑光标所在行；a 添加步骤或筛选条件，d 删除，K/J 调整顺序。在结果中，↑↓ 选择漏斗步骤、留存单元格或实验组，Enter 列出其用户（实验组的用户附带是否转化及转化时间）。在漏斗步骤上按 p 列出仍在进行中的用户。在任何用户列表中，e 导出（CSV、Markdown 或 JSON），y 以 Markdown 复制；在用户上按 Enter 查看其时间线。在分群标签页，b 用目标事件回测所选受众最近 60 天的表现。Esc 返回。在 A/B 实验标签页，weights 行设定样本比例检验的预期分流：90/10、50,25,25、A=90,B=10 或 even。",
		"Keys": "按键",
		"lines %d-%d of %d · ↑↓ scroll · esc back": "第 %d-%d 行，共 %d 行 · ↑↓ 滚动 · esc 返回",

		// dialog.go
		"type to filter":                       "输入以筛选",
		"enter → %s":                           "enter → %s",
		"no match — enter uses what you typed": "无匹配项：enter 使用输入的内容",
		"no match":                             "无匹配项",
		"%d of %d":                             "%d / %d",
		"enter pick · esc cancel":              "enter 选择 · esc 取消",
		"enter ok · esc cancel":                "enter 确定 · esc 取消",

		// pages.go
		" · / filter · enter open": " · / 筛选 · enter 打开",
		" · e export · y copy":     " · e 导出 · y 复制",
		" · esc back":              " · esc 返回",

		// analysis.go
		"key = value, key != v, key > 100, key in (a, b), key contains x, key is set": "属性 = 值，属性 != v，属性 > 100，属性 in (a, b)，属性 contains x，属性 is set",
		"all":         "全部",
		"custom…":     "自定义…",
		"last %s":     "最近 %s",
		"range":       "时间",
		"where":       "筛选",
		"Edit filter": "编辑筛选条件",
		"+ filter":    "+ 筛选",
		"segment":     "分群",
		"by":          "拆分",
		"Break down by property or saved segment":                   "按属性或已保存的分群拆分",
		"Date range (relative ranges end at the data's last event)": "时间范围（相对范围截止于数据的最后一个事件）",
		"range %s":                            "时间范围 %s",
		"%s (or type one: 90m, 36h, 10d, 2w)": "%s（也可输入：90m、36h、10d、2w）",
		"window %s":                           "窗口期 %s",
		"Date range":                          "时间范围",
		"YYYY-MM-DD..YYYY-MM-DD (either side may be empty)":        "YYYY-MM-DD..YYYY-MM-DD（任一侧可留空）",
		"range %q: use all, 7d, 30d, 90d, 12w or FROM..TO dates":   "时间范围 %q 无效：请用 all、7d、30d、90d、12w 或 FROM..TO 日期",
		"write the range as FROM..TO, e.g. 2026-06-01..2026-06-30": "请把时间范围写成 FROM..TO，例如 2026-06-01..2026-06-30",
		"Filter on property": "按属性筛选",
		"Value of %s (or type > 100, != US, in (a, b), contains x, is set)": "%s 的值（也可输入 > 100、!= US、in (a, b)、contains x、is set）",
		"filter %s":                           "筛选 %s",
		"filter %s (no event has this value)": "筛选 %s（没有事件有这个值）",
		"column %d: %s":                       "第 %d 列：%s",
		"(any event)":                         "（任意事件）",
		"(none)":                              "（无）",
	})
}
