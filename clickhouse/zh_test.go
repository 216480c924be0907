package clickhouse_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
)

// Under Chinese the URL's mistakes, the server's refusals and an
// unreachable server read in Chinese; the exception still carries its
// code for IsCode, and the URL's % escapes print as written.
func TestChineseErrors(t *testing.T) {
	i18n.Set(i18n.Chinese)
	defer i18n.Set(i18n.English)

	for raw, want := range map[string]string{
		"clickhouse://h/db":                "ClickHouse URL 中没有表名：请加上 ?table=TABLE",
		"clickhouse://h:99999/db?table=t":  `ClickHouse 端口 "99999" 不是有效的端口号（HTTP 端口通常为 8123）`,
		"clickhouse://h/db?table=t-1":      `表名 "t-1" 含有 spoor 不接受的字符（ClickHouse 名称只能由字母、数字和 _ 组成，且不能以数字开头）`,
		"clickhouse://a:b%zz@h/db?table=t": "ClickHouse URL 格式有误（% 后面不是 %XX 形式的转义：请把 % 写成 %25）；格式为 clickhouse://USER:PASSWORD@HOST:PORT/DATABASE?table=TABLE",
	} {
		if _, err := clickhouse.ParseURL(raw, nil); err == nil || err.Error() != want {
			t.Errorf("ParseURL(%s): %v, want %s", raw, err, want)
		}
	}

	auth := "Code: 516, e.displayText() = DB::Exception: default: Authentication failed"
	url, _ := fakeServer(t, &auth)
	_, err := open(t, url).Query(context.Background(), "SELECT 1")
	if err == nil || !strings.Contains(err.Error(), `上的 ClickHouse 拒绝了用户 "default"：用户名或密码错误`) || !clickhouse.IsCode(err, clickhouse.CodeAuthFailed) {
		t.Errorf("a refused password: %v", err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = open(t, "clickhouse://"+addr+"/db?table=t").Query(context.Background(), "SELECT 1")
	if want := "无法连接 " + addr + " 上的 ClickHouse：连接被拒绝（服务器是否在运行？这是它的 HTTP 端口吗？默认端口为 8123）"; err == nil || err.Error() != want {
		t.Errorf("a closed port: %v, want %s", err, want)
	}
}
