package segment

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

// TestHeldIsTheDocumentedRule: the groups were computed outside spoor,
// with Python's hashlib, from the rule Held documents:
//
//	int.from_bytes(sha256(b"promo\0" + user).digest()[:8], "big") / 2**64 < 0.3
func TestHeldIsTheDocumentedRule(t *testing.T) {
	var held []string
	for i := 1; i <= 20; i++ {
		u := fmt.Sprint("u", i)
		if Held("promo", u, 0.3) {
			held = append(held, u)
		}
	}
	if want := []string{"u1", "u5", "u17", "u18", "u20"}; !slices.Equal(held, want) {
		t.Errorf("held out %v, want %v", held, want)
	}
	// Stable: the same answer every time; and the share is the fraction.
	n := 0
	for i := 0; i < 100_000; i++ {
		u := fmt.Sprint("user-", i)
		h := Held("spring", u, 0.1)
		if h != Held("spring", u, 0.1) {
			t.Fatalf("%s changed group", u)
		}
		if h {
			n++
		}
	}
	// 10% of 100000 has a standard deviation of about 95.
	if n < 9_600 || n > 10_400 {
		t.Errorf("%d of 100000 held out at 10%%", n)
	}
	// A larger fraction only adds people: everyone held at 10% is held at 20%.
	for i := 0; i < 1000; i++ {
		u := fmt.Sprint("user-", i)
		if Held("spring", u, 0.1) && !Held("spring", u, 0.2) {
			t.Fatalf("%s held at 10%% but not at 20%%", u)
		}
	}
}

func holdoutDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func users(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprint("u", i))
	}
	return out
}

// TestReExportKeepsSplits: a second export with a larger holdout keeps
// everyone's first group and their first export's time; only the people
// new in it are split, by the same rule at its own fraction. An export
// that is not recorded still leaves the control group out.
func TestReExportKeepsSplits(t *testing.T) {
	ctx := context.Background()
	db := holdoutDB(t)
	t0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	keep1, e1, err := RecordExport(ctx, db, "promo", users(1, 20), 0.3, "purchase", t0)
	if err != nil {
		t.Fatal(err)
	}
	held1 := []string{"u1", "u5", "u17", "u18", "u20"}
	if e1.Treated != 15 || e1.Control != 5 || len(keep1) != 15 || slices.ContainsFunc(keep1, func(u string) bool { return slices.Contains(held1, u) }) {
		t.Fatalf("first export: %+v, kept %v", e1, keep1)
	}
	// u11..u20 again and u21..u40 new, at 90%: the old keep their group.
	t1 := t0.Add(48 * time.Hour)
	keep2, e2, err := RecordExport(ctx, db, "promo", users(11, 40), 0.9, "", t1)
	if err != nil {
		t.Fatal(err)
	}
	wantKeep := []string{}
	for _, u := range users(11, 40) {
		n := 0
		fmt.Sscanf(u, "u%d", &n)
		if n <= 20 && !slices.Contains(held1, u) || n > 20 && !Held("promo", u, 0.9) {
			wantKeep = append(wantKeep, u)
		}
	}
	if !slices.Equal(keep2, wantKeep) || e2.Treated != len(wantKeep) || e2.Control != 30-len(wantKeep) {
		t.Fatalf("second export kept %v (%+v), want %v", keep2, e2, wantKeep)
	}
	ex, err := Exports(ctx, db, "promo")
	if err != nil || len(ex) != 2 || ex[0].At != t0.UnixMilli() || ex[0].Goal != "purchase" || ex[1].Holdout != 0.9 || ex[1].Goal != "" {
		t.Fatalf("exports %+v %v", ex, err)
	}
	as, err := Assignments(ctx, db, "promo")
	if err != nil || len(as) != 40 {
		t.Fatalf("%d assignments, %v", len(as), err)
	}
	for _, a := range as {
		n := 0
		fmt.Sscanf(a.User, "u%d", &n)
		wantAt := t0.UnixMilli()
		if n > 20 {
			wantAt = t1.UnixMilli()
		}
		if a.At != wantAt || a.Control != (slices.Contains(held1, a.User) || n > 20 && !slices.Contains(wantKeep, a.User)) {
			t.Errorf("assignment %+v", a)
		}
	}
	// Not recorded: the recorded control and the new people the last
	// fraction (90%) holds out are left out; nothing is written.
	keep3, last, err := Unrecorded(ctx, db, "promo", users(1, 50))
	if err != nil || last == nil || last.ID != e2.ID {
		t.Fatal(last, err)
	}
	for _, u := range users(1, 50) {
		n := 0
		fmt.Sscanf(u, "u%d", &n)
		want := n <= 40 && slices.Contains(append(keep1, keep2...), u) || n > 40 && !Held("promo", u, 0.9)
		if slices.Contains(keep3, u) != want {
			t.Errorf("unrecorded export: %s kept %v", u, !want)
		}
	}
	if as2, _ := Assignments(ctx, db, "promo"); len(as2) != 40 {
		t.Errorf("an unrecorded export wrote assignments: %d", len(as2))
	}
	// No export: Unrecorded keeps everyone.
	if keep, last, err := Unrecorded(ctx, db, "other", users(1, 3)); err != nil || last != nil || len(keep) != 3 {
		t.Errorf("no export: %v %v %v", keep, last, err)
	}
	// Deleting the audience forgets its splits.
	if err := Audiences.Save(ctx, db, "promo", "did purchase", false); err != nil {
		t.Fatal(err)
	}
	if err := Audiences.Delete(ctx, db, "promo"); err != nil {
		t.Fatal(err)
	}
	if ex, _ := Exports(ctx, db, "promo"); len(ex) != 0 {
		t.Errorf("exports after delete: %v", ex)
	}
	if _, _, err := RecordExport(ctx, db, "x", users(1, 2), 1, "", t0); err == nil {
		t.Error("a 100% holdout was accepted")
	}
}

// TestConversionsHandChecked: the export at day 10, 12:00, a 3-day window.
// Goal events count strictly after the export and up to exactly 3 days
// later; the same person's goal before, at the instant and after the
// window does not count; people with no events count as not converted.
func TestConversionsHandChecked(t *testing.T) {
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC).UnixMilli()
	later := at + 86_400_000 // u6 was assigned a day later
	ev := func(u string, t int64) query.RawEvent { return query.RawEvent{User: u, Event: "purchase", Time: t} }
	d := query.NewDataset([]query.RawEvent{
		ev("u1", at+1),                            // treated, converted
		ev("u2", at),                              // treated, at the export's instant: no
		ev("u2", at-1000),                         // before: no
		ev("u3", at+3*86_400_000),                 // treated, the window's last instant: yes
		ev("u4", at+3*86_400_000+1),               // treated, after the window: no
		ev("u5", at+3600_000),                     // control, converted
		ev("u6", at+3600_000),                     // control, assigned later: before its export, no
		ev("u6", later+4*86_400_000),              // after its window: no
		{User: "u7", Event: "view", Time: at + 1}, // control, another event: no
		{User: "u9", Event: "view", Time: later + 86_400_000},
	}, time.UTC)
	as := []Assignment{
		{"u1", false, at}, {"u2", false, at}, {"u3", false, at}, {"u4", false, at},
		{"u5", true, at}, {"u6", true, later}, {"u7", true, at}, {"u8", false, at}, // u8: no events
	}
	tr, co, open, err := Conversions(context.Background(), d, as, "purchase", 3*86_400_000)
	if err != nil {
		t.Fatal(err)
	}
	if tr != (Outcome{5, 2}) || co != (Outcome{3, 1}) {
		t.Errorf("treated %+v, control %+v; want 5/2 and 3/1", tr, co)
	}
	// The data ends at u6's later+4d: every window closed.
	if open != 0 {
		t.Errorf("%d open windows", open)
	}
	// 30 days: u4 and u6 convert too; u2, u7 and u8 have not, and their
	// windows run past the data's end.
	if tr, co, open, _ = Conversions(context.Background(), d, as, "purchase", 30*86_400_000); open != 3 || tr.Converted != 3 || co.Converted != 2 {
		t.Errorf("30d window: %d open, %+v, %+v", open, tr, co)
	}
	if _, _, _, err := Conversions(context.Background(), d, as, "purchse", 1); err == nil {
		t.Error("unknown goal accepted")
	}
}
