package specfile

import "github.com/spoorhq/spoor/i18n"

func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			"not a spec file: %s is not a regular file":                                                                 "不是分析定义文件：%s 不是普通文件",
			"a spec of %d bytes is too large: spec files are kept under %d KB (a saved analysis is usually under 2 KB)": "分析定义有 %d 字节，太大了：分析定义文件须小于 %d KB（保存的分析通常不到 2 KB）",
			"a spec over %d KB is too large":                                                                            "超过 %d KB 的分析定义太大了",
		}
	})
}
