package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/clickhouse/chtest"
)

// User lists on a pushed table come in the local engine's order, also
// with identity stitching: a person is placed by the local id of the
// user it is stitched to, which neither the person's name nor its first
// event gives. Here a-user's events begin (as the anonymous a1) before
// b's, but a-user is first seen at the identify after b: locally b is
// listed first.
func TestClickHouseListsInLocalOrder(t *testing.T) {
	c := chtest.Get(t)
	dir := t.TempDir()
	events := filepath.Join(dir, "events.jsonl")
	os.WriteFile(events, []byte(strings.Join([]string{
		`{"type":"track","event":"view","anonymousId":"a1","timestamp":"2024-03-01T10:00:00Z"}`,
		`{"type":"track","event":"view","anonymousId":"b","timestamp":"2024-03-01T10:01:00Z"}`,
		`{"type":"identify","anonymousId":"a1","userId":"a-user","timestamp":"2024-03-01T10:02:00Z"}`,
		`{"type":"track","event":"buy","userId":"a-user","timestamp":"2024-03-01T10:03:00Z"}`,
		`{"type":"track","event":"view","anonymousId":"c","timestamp":"2024-03-01T10:04:00Z"}`,
		`{"type":"track","event":"buy","anonymousId":"b","timestamp":"2024-03-01T10:05:00Z"}`,
	}, "\n")+"\n"), 0o644)
	db := filepath.Join(dir, "local.db")
	if code, _, stderr := runCLI(t, "", "import", "--db", db, events); code != 0 {
		t.Fatal(stderr)
	}
	name := c.NewDatabase(t)
	for _, url := range []string{c.URL(0, name, "table=one"), c.URL(1, name, "table=two&cluster="+chtest.ClusterName)} {
		if code, out, stderr := runCLI(t, "", "push", "--db", db, "--to", url); code != 0 {
			t.Fatalf("push: %d %s %s", code, out, stderr)
		}
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"segment", "preview", "did view", "--users"}, "user\nb\na-user\nc\n"},
			{[]string{"funnel", "--steps", "view,buy", "--in-progress-at", "1"}, "user\nc\n"},
			{[]string{"retention", "--start", "view", "--return", "buy", "--period", "day", "--users", "2024-03-01:0"}, "user\nb\na-user\nc\n"},
			{[]string{"segment", "stages", "--users"}, "user,stage\nb,"},
		} {
			args := append(tc.args, "--format", "csv")
			lc, local, lerr := runCLI(t, "", append(args, "--db", db)...)
			rc, remote, rerr := runCLI(t, "", append(args, "--db", url)...)
			if lc != 0 || rc != 0 || local != remote || !strings.HasPrefix(local, tc.want) {
				t.Errorf("%s on %s:\nlocal (%d) %s%s\nclickhouse (%d) %s%s\nwant it to begin %q", args, url, lc, local, lerr, rc, remote, rerr, tc.want)
			}
		}
	}
}
