package chquery

import "github.com/spoorhq/spoor/i18n"

func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			"why: ClickHouse sent the row %q":              "归因分析：ClickHouse 返回的行 %q 无法读取",
			"why: ClickHouse sent %d columns, expected %d": "归因分析：ClickHouse 返回了 %d 列，应为 %d 列",
		}
	})
}
