package importers

import (
	"context"
	"testing"
)

// TestGenericPropertiesObject: a generic JSON record's top-level
// "properties" object holds the event's properties (as spoor sample writes
// them), so its keys lose the "properties." prefix — unless a top-level
// field already has that name.
func TestGenericPropertiesObject(t *testing.T) {
	db := newDB(t)
	p := writeFile(t, "e.jsonl", `{"user_id":"u1","event":"buy","time":"2026-01-01T00:00:00Z","plan":"top","properties":{"city":"北京","price":12.5,"plan":"inner","item":{"sku":"a1"}}}
`)
	if _, err := ImportFile(context.Background(), db, p, Options{}); err != nil {
		t.Fatal(err)
	}
	got := stored(t, db)
	want := `{"city":"北京","item.sku":"a1","plan":"top","price":12.5,"properties.plan":"inner"}`
	if len(got) != 1 || got[0].Props != want {
		t.Fatalf("props %+v, want %s", got, want)
	}
}
