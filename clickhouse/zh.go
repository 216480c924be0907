package clickhouse

import "github.com/spoorhq/spoor/i18n"

func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			"spoor sql on ClickHouse only reads: %s is not sent (use SELECT, WITH, SHOW, DESCRIBE, EXISTS or EXPLAIN)": "ClickHouse 上的 spoor sql 只读：不会发送 %s（请用 SELECT、WITH、SHOW、DESCRIBE、EXISTS 或 EXPLAIN）",
			// client.go
			"ClickHouse at %s sent no column header for the query":     "%s 上的 ClickHouse 没有返回这条查询的列头",
			"ClickHouse at %s ended its answer in the middle of a row": "%s 上的 ClickHouse 的回答在一行中间就结束了",
			"ClickHouse at %s did not say its version":                 "%s 上的 ClickHouse 没有返回版本号",
			"not an array: %.40q":                                      "不是数组：%.40q",
			"unterminated string in array":                             "数组中的字符串没有结束引号",
			"unexpected %q in array":                                   "数组中出现了意外的 %q",
			// errors.go
			"ClickHouse at %s refused user %q: wrong user name or password (give them in the URL as USER:PASSWORD@HOST, or the password in $%s)":                    "%s 上的 ClickHouse 拒绝了用户 %q：用户名或密码错误（请在 URL 中写成 USER:PASSWORD@HOST，或把密码放在 $%s 中）",
			"the query went over ClickHouse's limits at %s: %s (narrow it, e.g. with --from/--to or --where, or ask the server's administrator to raise the limit)": "查询超出了 %s 上 ClickHouse 的限额：%s（请缩小查询范围，例如用 --from/--to 或 --where，或请服务器管理员调高限额）",
			"ClickHouse at %s refused: %s (the statement writes, or user %q is read-only)":                                                                          "%s 上的 ClickHouse 拒绝执行：%s（该语句会写入数据，或用户 %q 只有只读权限）",
			"the query was cancelled on the server":                                                                                   "查询已在服务器上取消",
			"ClickHouse at %s: %s (code %s)":                                                                                          "%s 上的 ClickHouse：%s（错误码 %s）",
			"%s is ClickHouse's native port, not its HTTP port (usually %s): %s":                                                      "%s 是 ClickHouse 的原生协议端口，不是 HTTP 端口（通常为 %s）：%s",
			"%s answered HTTP %s, not as ClickHouse's HTTP interface does (is it the HTTP port, usually %s?): %s":                     "%s 返回了 HTTP %s，不像 ClickHouse 的 HTTP 接口（这是 HTTP 端口吗？通常为 %s）：%s",
			"cannot reach ClickHouse at %s: connection refused (is the server running, and is that its HTTP port? the default is %s)": "无法连接 %s 上的 ClickHouse：连接被拒绝（服务器是否在运行？这是它的 HTTP 端口吗？默认端口为 %s）",
			"cannot reach ClickHouse at %s: no host is named %s (check the URL's host)":                                               "无法连接 %s 上的 ClickHouse：找不到名为 %s 的主机（请检查 URL 中的主机名）",
			"cannot reach ClickHouse at %s: %v":                                                                                       "无法连接 %s 上的 ClickHouse：%v",
			"lost the connection to ClickHouse at %s: %v":                                                                             "与 %s 上的 ClickHouse 的连接已断开：%v",
			// hosts.go
			"ClickHouse at %s has no cluster %s (see SELECT DISTINCT cluster FROM system.clusters)":                                                                                      "%s 上的 ClickHouse 没有集群 %s（可用 SELECT DISTINCT cluster FROM system.clusters 查看已有集群）",
			"shards= names %d HTTP addresses but cluster %s has %d hosts":                                                                                                                "shards= 列出了 %d 个 HTTP 地址，但集群 %s 有 %d 台主机",
			"ClickHouse at %s is not itself a host of cluster %s, so the hosts' HTTP ports cannot be told: name them with &shards=HOST:PORT,HOST:PORT (in the order of system.clusters)": "%s 上的 ClickHouse 本身不是集群 %s 的主机，无法推断各主机的 HTTP 端口：请用 &shards=HOST:PORT,HOST:PORT 列出（按 system.clusters 中的顺序）",
			// table.go
			"table %s.%s at %s has no column %s that %s has (its columns: %s)": "%[3]s 上的表 %[1]s.%[2]s 缺少 %[5]s应有的列 %[4]s（它的列为：%[6]s）",
			", ":                     "、",
			"a spoor push table":     "spoor push 写入的表",
			"a PostHog events table": "PostHog 事件表",
			"a %s table":             "%s 表",
			"the time column %s is %s: spoor reads a DateTime, Date, DateTime64 or an integer of epoch milliseconds": "时间列 %s 的类型是 %s：spoor 只能读取 DateTime、Date、DateTime64，或以毫秒计的 Unix 时间戳整数",
			"check the name":                           "请检查名称",
			"copy a local database there with: %s":     "可用以下命令把本地数据库复制过去：%s",
			"ClickHouse at %s has no database %s (%s)": "%s 上的 ClickHouse 没有数据库 %s（%s）",
			"ClickHouse at %s has no table %s.%s (%s)": "%s 上的 ClickHouse 没有表 %s.%s（%s）",
			// url.go
			"a ClickHouse data source starts with %s":                                                                                                               "ClickHouse 数据源以 %s 开头",
			"the ClickHouse URL is malformed (%s); the form is %sUSER:PASSWORD@HOST:PORT/DATABASE?table=TABLE":                                                      "ClickHouse URL 格式有误（%s）；格式为 %sUSER:PASSWORD@HOST:PORT/DATABASE?table=TABLE",
			"the ClickHouse URL names no host: %sHOST:PORT/DATABASE?table=TABLE":                                                                                    "ClickHouse URL 中没有主机：%sHOST:PORT/DATABASE?table=TABLE",
			"the ClickHouse port %q is not a port number (the HTTP port is usually %s)":                                                                             "ClickHouse 端口 %q 不是有效的端口号（HTTP 端口通常为 %s）",
			"the ClickHouse URL's parameters do not parse: write them as ?table=TABLE&cluster=NAME, separated by &":                                                 "无法解析 ClickHouse URL 的参数：请写成 ?table=TABLE&cluster=NAME，参数之间用 & 分隔",
			"the ClickHouse URL gives %s twice":                                                                                                                     "ClickHouse URL 中 %s 出现了两次",
			"shards=%s: each shard is HOST:HTTP_PORT, separated by commas":                                                                                          "shards=%s：每个分片写成 HOST:HTTP_PORT，之间用逗号分隔",
			"the ClickHouse URL has an unknown parameter %q (known: table, cluster, schema, user, event, time, shards)":                                             "ClickHouse URL 中有未知参数 %q（可用参数：table、cluster、schema、user、event、time、shards）",
			"the ClickHouse URL names no table: add ?table=TABLE":                                                                                                   "ClickHouse URL 中没有表名：请加上 ?table=TABLE",
			"schema=%s: the known schemas are posthog and spoor (the table spoor push writes); for another table name its columns with user=COL&event=COL&time=COL": "schema=%s：可用的表结构为 posthog 和 spoor（spoor push 写入的表）；其他表请用 user=COL&event=COL&time=COL 指明各列",
			"give either schema=posthog or user=COL&event=COL&time=COL, not both":                                                                                   "schema=posthog 与 user=COL&event=COL&time=COL 只能二选一",
			"a table named by its columns needs all three of user=COL, event=COL and time=COL":                                                                      "按列指定的表需要同时给出 user=COL、event=COL 和 time=COL",
			"the database name %q":       "数据库名 %q",
			"the table name %q":          "表名 %q",
			"the cluster name %q":        "集群名 %q",
			"the user column's name %q":  "用户列名 %q",
			"the event column's name %q": "事件列名 %q",
			"the time column's name %q":  "时间列名 %q",
			"%s has characters spoor does not accept in a ClickHouse name (letters, digits and _, not starting with a digit)": "%s 含有 spoor 不接受的字符（ClickHouse 名称只能由字母、数字和 _ 组成，且不能以数字开头）",
			"a %% that does not start a %%XX escape: write %% as %%25":                                                        "%% 后面不是 %%XX 形式的转义：请把 %% 写成 %%25",
			"the host has a character a host name cannot have":                                                                "主机名中含有不允许的字符",
			"the port is not a number": "端口不是数字",
			"it does not parse as a URL: letters such as @ / ? # in the password are written %%40 %%2F %%3F %%23":      "无法解析为 URL：密码中的 @ / ? # 等字符要写成 %%40 %%2F %%3F %%23",
			"no cache directory for the local copy of the ClickHouse table (%v); import into a file and spoor push it": "没有缓存目录可存放 ClickHouse 表的本地副本（%v）；请导入到文件，再用 spoor push 推送",
		}
	})
}
