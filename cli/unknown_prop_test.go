package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestUnknownPropertyNamesTheClosest: a misspelt --by or --where key is an
// error naming the key it probably meant, not a quiet "(none)" or empty
// answer.
func TestUnknownPropertyNamesTheClosest(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	if code, _, errOut := callSpoor(t, "sample", "--events", "2000", "--db", db); code != 0 {
		t.Fatalf("sample: %s", errOut)
	}
	for _, args := range [][]string{
		{"trends", "--by", "devise"},
		{"funnel", "--steps", "view_item,purchase", "--by", "devise"},
		{"retention", "--where", "devise = ios"},
	} {
		code, _, errOut := callSpoor(t, append(args, "--db", db)...)
		if code != 1 || !strings.Contains(errOut, `no event has the property "devise"; closest known: device`) {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	if code, _, errOut := callSpoor(t, "trends", "--by", "device", "--db", db, "--format", "json"); code != 0 {
		t.Fatalf("a known key: exit %d %s", code, errOut)
	}
}
