package tui

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/push"
	"github.com/spoorhq/spoor/store"
)

// A push while the workbench is open on its table gives a new key a
// property column: the next look (watchTick) takes an engine on the new
// columns, which reads the key's events, lists the key among the
// properties and asks for a reload of the header's counts. A look with
// nothing new keeps the engine.
func TestRemoteSeesPushedColumns(t *testing.T) {
	path, urls := pushedFixture(t)
	h := remoteHarness(t, urls[0], 100, 30)
	old := h.m.sh.remote.eng
	h.run(h.m.watchTick())
	if h.m.sh.remote.eng != old || h.m.newData {
		t.Fatalf("a look with no push: a new engine %v, new data %v", h.m.sh.remote.eng != old, h.m.newData)
	}
	ctx := context.Background()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginImport(ctx, store.ImportInfo{File: "more", Format: "sample"})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC).UnixMilli()
	if err := tx.Add(ctx, &store.Event{User: "u0001", Name: "purchase", Time: at, Props: []store.Prop{{Key: "coupon", Value: "SPRING"}}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx, store.ImportStats{}); err != nil {
		t.Fatal(err)
	}
	src, _ := clickhouse.ParseURL(urls[0], os.Getenv)
	if _, err := push.Push(ctx, db, clickhouse.NewClient(src), push.Options{}); err != nil {
		t.Fatal(err)
	}
	if values, _, err := old.Values(ctx, "coupon"); err != nil || len(values) != 0 {
		t.Fatalf("the engine opened before the push reads coupon %v, %v: want nothing (the arrays)", values, err)
	}
	h.run(h.m.watchTick())
	eng := h.m.sh.remote.eng
	if eng == old || h.m.sh.eng != eng || !h.m.newData {
		t.Fatalf("after a push added a column: a new engine %v (the tabs' too: %v), new data %v", eng != old, h.m.sh.eng == eng, h.m.newData)
	}
	if !slices.ContainsFunc(h.m.sh.props, func(p named) bool { return p.name == "coupon" && p.count == 1 }) {
		t.Fatalf("properties %v: want coupon on 1 event", h.m.sh.props)
	}
	if values, _, err := eng.Values(ctx, "coupon"); err != nil || !slices.Equal(values, []string{"SPRING"}) {
		t.Fatalf("values of coupon %v, %v", values, err)
	}
}
