package chquery

import "github.com/spoorhq/spoor/i18n"

func init() {
	i18n.Chinese.Add(map[string]string{
		"--segment and --by segment:NAME are not compiled for this analysis on ClickHouse yet": "此分析在 ClickHouse 上尚未编译 --segment 和 --by segment:NAME",
		"no saved segment %q: no saved segments are known for this ClickHouse table":           "没有已保存的分群 %q：此 ClickHouse 表没有已知的已保存分群",
		"segment: ClickHouse sent the count %q":                                                "分群：ClickHouse 返回的计数为 %q",
		"segment: cannot compile %T for ClickHouse":                                            "分群：无法为 ClickHouse 编译 %T",
	})
}
