package attribution

import "github.com/spoorhq/spoor/i18n"

func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			"%s %q: use a positive duration such as 12h or 7d":               "%s %q：请用正的时长，例如 12h 或 7d",
			"unknown model %q (use %s)":                                      "未知的归因模型 %q（可用 %s）",
			"attribution takes no --by: the touch property is the breakdown": "attribution 不接受 --by：触点属性本身就是拆分维度",
			"name the conversion event and the touch property":               "请指定转化事件和触点属性",
			"--conversion: %w": "--conversion：%w",
			"the conversions' %s adds up past 9.2 trillion: too large to credit exactly (in millionths); filter the conversions or check the property": "转化的 %s 合计超过 9.2 万亿：太大，无法精确分配（以百万分之一为单位）；请筛选转化或检查该属性",
			"internal error: credits add up to %d/%d conversions, %d/%d revenue micro-units":                                                           "内部错误：分配合计为 %d/%d 次转化、%d/%d 个收入微单位",
			"spend file %s line %d: %v (it is CSV: touch value, date YYYY-MM-DD, cost)":                                                                "花费文件 %s 第 %d 行：%v（格式为 CSV：触点值、日期 YYYY-MM-DD、花费）",
			"spend file %s: %w": "花费文件 %s：%w",
			"spend file %s line %d: %d columns; want 3: touch value, date YYYY-MM-DD, cost": "花费文件 %s 第 %d 行：有 %d 列；应为 3 列：触点值、日期 YYYY-MM-DD、花费",
			"spend file %s line %d: cost %q is not a number of 0 or more":                   "花费文件 %s 第 %d 行：花费 %q 不是大于等于 0 的数字",
			"spend file %s line %d: date %q: use YYYY-MM-DD":                                "花费文件 %s 第 %d 行：日期 %q：请用 YYYY-MM-DD 格式",
			"spend file %s line %d: the touch value (first column) is empty":                "花费文件 %s 第 %d 行：触点值（第一列）为空",
			"spend file %s has more than %d rows; sum them per touch value and day first":   "花费文件 %s 超过 %d 行；请先按触点值和日期汇总",
			"spend file %s has no rows (want CSV: touch value, date YYYY-MM-DD, cost)":      "花费文件 %s 没有数据行（应为 CSV：触点值、日期 YYYY-MM-DD、花费）",
		}
	})
}
