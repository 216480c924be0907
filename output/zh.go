package output

import "github.com/spoorhq/spoor/i18n"

func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			"unknown --format %q (use table, csv, json or markdown)": "未知的 --format %q（请用 table、csv、json 或 markdown）",
			"this result has no %s form; use --format json":          "这个结果没有 %s 形式；请用 --format json",
			// format.go: durations
			"%sms":    "%s毫秒",
			"%ss":     "%s秒",
			"%sm":     "%s分钟",
			"%sm %ss": "%s分%s秒",
			"%sh":     "%s小时",
			"%sh %sm": "%s小时%s分",
			"%sd":     "%s天",
			"%sd %sh": "%s天%s小时",
		}
	})
}
