package clickhouse

import "github.com/spoorhq/spoor/i18n"

func init() {
	i18n.Chinese.Add(map[string]string{
		"no cache directory for the local copy of the ClickHouse table (%v); import into a file and spoor push it": "没有缓存目录可存放 ClickHouse 表的本地副本（%v）；请导入到文件，再用 spoor push 推送",
	})
}
