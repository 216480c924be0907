package cli

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/store"
)

func TestPropsGolden(t *testing.T) {
	shop, edu := exShopDB(t), exEduDB(t)
	exGolden(t, "props_table", "props", "--db", shop, "--format", "table", "--top", "3")
	exGolden(t, "props_purchase_json", "props", "purchase", "--db", shop, "--format", "json", "--top", "2")
	exGolden(t, "props_edu_table", "props", "--db", edu, "--format", "table")
	exGolden(t, "props_edu_event_markdown", "props", "首次付费", "--db", edu, "--format", "markdown", "--top", "0")
}

// TestPropsAgainstNaive recounts every key and value of a sample from the
// stored JSON of each event and compares with spoor props --top 0.
func TestPropsAgainstNaive(t *testing.T) {
	shop := exShopDB(t)
	for _, event := range []string{"", "view_item"} {
		args := []string{"props", "--db", shop, "--format", "json", "--top", "0"}
		if event != "" {
			args = append(args, event)
		}
		code, out, errs := exRun(t, args...)
		if code != 0 {
			t.Fatal(errs)
		}
		var got PropList
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		db, err := store.Open(shop, store.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.SQL.QueryContext(context.Background(), `SELECT n.name, coalesce(e.props, '{}') FROM events e JOIN event_names n ON n.id = e.event_id`)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		counts := map[string]map[string]int{}
		for rows.Next() {
			var name, props string
			rows.Scan(&name, &props)
			if event != "" && name != event {
				continue
			}
			total++
			var m map[string]any
			dec := json.NewDecoder(strings.NewReader(props))
			dec.UseNumber()
			if err := dec.Decode(&m); err != nil {
				t.Fatal(err)
			}
			for k, v := range m {
				if counts[k] == nil {
					counts[k] = map[string]int{}
				}
				s, ok := v.(string)
				if !ok {
					b, _ := json.Marshal(v)
					s = string(b)
				}
				counts[k][s]++
			}
		}
		rows.Close()
		db.Close()
		if got.Events != total || len(got.Properties) != len(counts) {
			t.Fatalf("%q: %d events, %d keys; naive %d events, %d keys", event, got.Events, len(got.Properties), total, len(counts))
		}
		for i, p := range got.Properties {
			if i > 0 && (got.Properties[i-1].Events < p.Events || got.Properties[i-1].Events == p.Events && got.Properties[i-1].Key > p.Key) {
				t.Fatalf("keys out of order at %s", p.Key)
			}
			want := counts[p.Key]
			sum := 0
			for _, n := range want {
				sum += n
			}
			if p.Events != sum || p.Distinct != len(want) || len(p.Top) != len(want) {
				t.Fatalf("%q %s: %+v; naive %v", event, p.Key, p, want)
			}
			if !sort.SliceIsSorted(p.Top, func(a, b int) bool {
				return p.Top[a].Count > p.Top[b].Count || p.Top[a].Count == p.Top[b].Count && p.Top[a].Value < p.Top[b].Value
			}) {
				t.Fatalf("%s: values out of order: %v", p.Key, p.Top)
			}
			for _, v := range p.Top {
				if want[v.Value] != v.Count {
					t.Fatalf("%q %s=%s: %d, naive %d", event, p.Key, v.Value, v.Count, want[v.Value])
				}
			}
		}
	}
}

func TestPropsErrors(t *testing.T) {
	shop := exShopDB(t)
	code, _, errs := exRun(t, "props", "purchse", "--db", shop)
	if code != 1 || !strings.Contains(errs, "closest known: purchase") {
		t.Errorf("unknown event: exit %d %q", code, errs)
	}
	if code, _, errs := exRun(t, "props", "a", "b", "--db", shop); code != 2 {
		t.Errorf("two events: exit %d %q", code, errs)
	}
	if code, _, errs := exRun(t, "props", "--top", "-1", "--db", shop); code != 2 {
		t.Errorf("--top -1: exit %d %q", code, errs)
	}
}
