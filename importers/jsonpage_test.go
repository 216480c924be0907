package importers

import (
	"strings"
	"testing"
)

// API pages and pretty-printed objects: events read, and what is not a
// page or is broken is said so.
func TestPagesAndStreams(t *testing.T) {
	ev := func(id, user, name, ts string) string {
		return `{"id":"` + id + `","distinct_id":"` + user + `","event":"` + name + `","timestamp":"` + ts + `","properties":{"p":1}}`
	}
	e1, e2, e3 := ev("i1", "u1", "view", "2024-03-01T09:00:00Z"), ev("i2", "u1", "buy", "2024-03-01T09:01:00Z"), ev("i3", "u2", "view", "2024-03-01T09:02:00Z")
	cases := []struct {
		name, text string
		events     int
		err        string
	}{
		{"compact page", `{"next":null,"results":[` + e1 + `,` + e2 + `]}`, 2, ""},
		{"pages back to back, fields after results", "{\n  \"next\": \"https://x.test/?p=2\",\n  \"results\": [\n    " + e1 + ",\n    " + e2 + "\n  ],\n  \"extra\": {\"a\": [1, 2]}\n}\n{\"results\": [" + e3 + "], \"next\": null}\n", 3, ""},
		{"empty page", `{"next": null, "results": []}`, 0, "no JSON objects"},
		{"page cut short", `{"next": null, "results": [` + e1 + `,`, 0, "broken JSON"},
		{"second page without results", `{"results":[` + e1 + `]}` + "\n" + `{"next": null}`, 0, `page 2 has no "results" array`},
		{"pretty-printed objects", "{\n  \"id\": \"i1\", \"distinct_id\": \"u1\", \"event\": \"view\",\n  \"timestamp\": \"2024-03-01T09:00:00Z\"\n}\n{\n  \"id\": \"i2\", \"distinct_id\": \"u2\",\n  \"event\": \"view\", \"timestamp\": \"2024-03-01T09:01:00Z\"\n}\n", 2, ""},
		{"pretty-printed object cut short", "{\n  \"id\": \"i1\",\n", 0, "broken JSON in object 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := newDB(t)
			res, err := ImportFile(bg, db, writeFile(t, "p.json", c.text), Options{})
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				if e, _, _ := counts(t, db); e != 0 {
					t.Fatalf("%d events stored from a refused file", e)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Imported != int64(c.events) || res.Rejected != 0 || res.Format != "posthog" {
				t.Fatalf("%+v", res)
			}
		})
	}
}

// isPage takes only objects whose fields up to "results" are a page's;
// JSON Lines of events are never pages, whatever fields they hold.
func TestIsPage(t *testing.T) {
	for text, want := range map[string]bool{
		`{"next": "u", "results": [{"event": "e"}]}`:        true,
		`{"count": 3, "previous": null, "results": []}`:     true,
		"{\n\"results\":\n[\n{":                             true,
		`{"event": "search", "results": [{"id": 1}]}`:       false,
		`{"results": [1, 2]}`:                               false,
		`{"next": {"a": 1}, "results": [{}]}`:               false,
		`{"results": "none"}`:                               false,
		`[{"next": null, "results": []}]`:                   false,
		`{"next": "u", "results": [{"event": "e"}]} trail`:  true,
		`{"distinct_id": "d", "event": "e", "results": []}`: false,
	} {
		if got := isPage([]byte(text)); got != want {
			t.Errorf("isPage(%s) = %v, want %v", text, got, want)
		}
	}
}
