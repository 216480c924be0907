package push

import "github.com/spoorhq/spoor/i18n"

func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			"spoor push writes its own table layout; leave out schema=, user=, event= and time= (this URL reads an existing %s table)":                "spoor push 会按自己的表结构写入；请去掉 schema=、user=、event= 和 time=（这个 URL 用于读取已有的 %s 表）",
			"table %s.%s already holds %s events that spoor push did not write; push to a new table (?table=NAME)":                                    "表 %s.%s 中已有 %s 条不是 spoor push 写入的事件；请推送到新表（?table=NAME）",
			"table %s.%s holds events pushed from another spoor database (%s); push this one to a new table (?table=NAME)":                            "表 %s.%s 中的事件来自另一个 spoor 数据库（%s）；请把这个数据库推送到新表（?table=NAME）",
			"table %s.%s holds %d events pushed from this database, more than it has now (%d): was it replaced by an older copy? push to a new table": "表 %s.%s 中有 %d 条从这个数据库推送的事件，比它现在的事件数（%d）还多：数据库是否被旧副本替换了？请推送到新表",
			"%s has no events to push: import a file into it first":                                                                                   "%s 中没有可推送的事件：请先导入文件",
		}
	})
}
