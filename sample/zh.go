package sample

import "github.com/spoorhq/spoor/i18n"

func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			"unknown scenario %q (use one of %s)":                                 "未知的示例场景 %q（可用 %s）",
			"users, days and events must not be negative":                         "用户数、天数和事件数不能为负",
			"unknown timezone %q (use an IANA name such as Asia/Shanghai or UTC)": "未知时区 %q（请用 IANA 名称，例如 Asia/Shanghai 或 UTC）",
			"cannot tell the format of %q: name it .csv or .jsonl":                "无法判断 %q 的格式：请把文件命名为 .csv 或 .jsonl",
			"unknown sample format %q (use csv or jsonl)":                         "未知的示例格式 %q（可用 csv 或 jsonl）",
		}
	})
}
