package output

import "github.com/spoorhq/spoor/i18n"

func init() {
	i18n.Chinese.Add(map[string]string{
		"unknown --format %q (use table, csv, json or markdown)": "未知的 --format %q（请用 table、csv、json 或 markdown）",
		"this result has no %s form; use --format json":          "这个结果没有 %s 形式；请用 --format json",
	})
}
