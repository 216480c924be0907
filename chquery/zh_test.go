package chquery

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// Under Chinese a ClickHouse analysis says in Chinese what the local
// engine says: an unknown event with the closest names, an analysis not
// compiled for ClickHouse, a user the table does not have.
func TestChineseErrors(t *testing.T) {
	f := newFixture(t)
	b := f.load([]query.RawEvent{
		{User: "u1", Event: "view", Time: day0}, {User: "u1", Event: "cart", Time: day0 + 60_000},
	}, time.UTC)
	i18n.Set(i18n.Chinese)
	defer i18n.Set(i18n.English)
	ctx := context.Background()

	_, err := b.single.Funnel(ctx, query.FunnelQuery{Steps: query.FunnelSteps([]string{"veiw", "cart"})})
	if want := `未知事件 "veiw"；最接近的已有事件：view`; err == nil || err.Error() != want {
		t.Errorf("unknown event: %v, want %s", err, want)
	}
	_, err = b.single.Funnel(ctx, query.FunnelQuery{Mode: query.FunnelStrict, Steps: query.FunnelSteps(slices.Repeat([]string{"view"}, 64))})
	if want := "ClickHouse 上暂不支持步骤与排除事件合计超过 63 个的严格顺序漏斗；请把事件复制到本地数据库后再运行"; err == nil || err.Error() != want {
		t.Errorf("a strict funnel of 64 steps: %v, want %s", err, want)
	}
	_, err = b.single.Timeline(ctx, "nobody", time.UTC)
	if err == nil || err.Error() != `未知用户 "nobody"：`+b.single.t.Source.Table+` 中没有以它为用户的事件` {
		t.Errorf("unknown user: %v", err)
	}
}
