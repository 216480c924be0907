package segment

import (
	"context"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// The last event of this timeline is z's, 2026-03-31 12:00 UTC, so
// "in 30d" is [03-02, 04-01), "in 14d" is [03-18, 04-01) and "within 7d"
// is [03-25, 04-01).
const basics = `
a 2026-02-15T10:00 purchase revenue=20
a 2026-03-10T09:00 purchase revenue=10 country=CN
a 2026-03-20T09:00 purchase revenue=5
a 2026-03-25T09:00 view_item category=shoes
b 2026-02-01T08:00 signup country=CN
b 2026-03-01T23:59 purchase
b 2026-03-20T10:00 purchase
b 2026-03-21T10:00 page_view country=US
c 2026-03-05T10:00 purchase
c 2026-03-06T10:00 purchase
c 2026-03-07T10:00 refund
d 2026-03-02T00:00 purchase
d 2026-03-30T10:00 purchase revenue=8
e 2026-03-25T00:00 signup
e 2026-03-26T10:00 view_item category=shoes
e 2026-03-27T10:00 view_item category=shoes
e 2026-03-28T10:00 view_item category=shoes
f 2026-03-17T23:00 view_item category=shoes
f 2026-03-20T10:00 view_item category=shoes
f 2026-03-21T10:00 view_item category=shoes
f 2026-03-22T10:00 view_item category=bags
g 2026-03-24T23:59:59 signup
z 2026-03-31T12:00 page_view country=US
`

func TestEmptyDataset(t *testing.T) {
	d := query.NewDataset(nil, time.UTC)
	if st := Stages(d, 30); len(st) != 0 {
		t.Errorf("stages %v", st)
	}
	if rep, err := Churn(context.Background(), d, ChurnOptions{}); err != nil || len(rep.Users) != 0 {
		t.Errorf("churn %+v %v", rep, err)
	}
	if _, _, err := RFM(context.Background(), d, RFMOptions{Revenue: "revenue"}); err == nil {
		t.Error("RFM on no data: want an error")
	}
}
