package tui

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/experiment"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/specfile"
)

// naiveMember is one user of a variant, found person by person: the
// variant is the only value of prop the user carries, exposure is their
// first event with it, and they convert at their earliest goal event
// within window ms of exposure, inclusive.
type naiveMember struct {
	user      string
	converted bool
	at        int64
	open      bool // not converted, and the window ends after the data
}

func naiveMembers(t *testing.T, d *query.Dataset, prop, goal string, window int64) map[string][]naiveMember {
	t.Helper()
	p, err := d.Prop(context.Background(), prop)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := d.EventID(goal)
	out := map[string][]naiveMember{}
	for u := range d.Users {
		seen := map[string]bool{}
		exposed := int64(-1)
		var v string
		for i := d.Start[u]; i < d.Start[u+1]; i++ {
			if c := p.Codes[i]; c != 0 {
				v = p.Values[c-1]
				seen[v] = true
				if exposed < 0 {
					exposed = d.Time[i]
				}
			}
		}
		if len(seen) != 1 {
			continue
		}
		m := naiveMember{user: d.Users[u], at: math.MaxInt64}
		for i := d.Start[u]; i < d.Start[u+1]; i++ {
			if d.Event[i] == g && d.Time[i] >= exposed && d.Time[i] <= exposed+window && d.Time[i] < m.at {
				m.converted, m.at = true, d.Time[i]
			}
		}
		if !m.converted {
			m.at = 0
			m.open = exposed+window > d.MaxTime
		}
		out[v] = append(out[v], m)
	}
	return out
}

// rowsOf is the naive members as the drill table writes them.
func rowsOf(ms []naiveMember, loc *time.Location) [][]string {
	var rows [][]string
	for _, m := range ms {
		conv, at := "no", ""
		if m.converted {
			conv, at = "yes", time.UnixMilli(m.at).In(loc).Format(stampLayout)
		} else if m.open {
			at = "window open"
		}
		rows = append(rows, []string{m.user, conv, at})
	}
	return rows
}

// drillRows drops the exposure column, which the naive reference checks
// through the conversions it implies.
func drillRows(p *listPage) [][]string {
	var rows [][]string
	for _, r := range p.users.table.Rows {
		rows = append(rows, []string{r[0], r[1], r[3]})
	}
	return rows
}

func topPage(t *testing.T, h *harness) page {
	t.Helper()
	if len(h.m.pages) == 0 {
		t.Fatalf("no page open (status %q)\n%s", h.m.status, h.screen())
	}
	return h.m.pages[len(h.m.pages)-1]
}

func setWeights(t *testing.T, h *harness, v string) {
	t.Helper()
	goRow(t, h, "weights")
	h.keys("<enter>")
	h.send(tea.KeyMsg{Type: tea.KeyCtrlU})
	h.keys(v, "<enter>")
}

// chiSquareP is Pearson's goodness of fit with a p-value for any degrees
// of freedom by numeric integration of the chi-square density, a
// reference independent of the package's incomplete gamma function.
func chiSquareP(observed []int, weights []float64) (chi2, p float64) {
	n, wsum := 0, 0.0
	for i := range observed {
		n += observed[i]
		wsum += weights[i]
	}
	for i, o := range observed {
		e := float64(n) * weights[i] / wsum
		chi2 += (float64(o) - e) * (float64(o) - e) / e
	}
	k := float64(len(observed) - 1)
	lg, _ := math.Lgamma(k / 2)
	density := func(x float64) float64 {
		return math.Exp((k/2-1)*math.Log(x) - x/2 - k/2*math.Ln2 - lg)
	}
	// Simpson's rule from chi2 to far in the tail.
	const steps = 200_000
	hi := chi2 + 400
	h := (hi - chi2) / steps
	sum := density(chi2) + density(hi)
	for i := 1; i < steps; i++ {
		c := 2.0
		if i%2 == 1 {
			c = 4
		}
		sum += c * density(chi2+float64(i)*h)
	}
	return chi2, sum * h / 3
}

func TestExperimentWeightsRow(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("8")
	d := h.m.sh.d
	setWeights(t, h, "90/10")
	q := expTab(h).q
	if !reflect.DeepEqual(q.Weights, []experiment.Weight{{Share: 90}, {Share: 10}}) {
		t.Fatalf("weights %+v after typing 90/10", q.Weights)
	}
	r := h.m.tab().res.(*experimentResult).r
	c, tr := r.Variants[0], r.Variants[1]
	// The engine's own statistic for the same counts, and a reference.
	chi2, p := experiment.ChiSquareGOF([]int{c.Users, tr.Users}, []float64{90, 10})
	if float64(r.SRMChi2) != chi2 || float64(r.SRMP) != p {
		t.Fatalf("SRM chi2 %v p %v, experiment computes %v %v for %d/%d", r.SRMChi2, r.SRMP, chi2, p, c.Users, tr.Users)
	}
	if rc, rp := chiSquareP([]int{c.Users, tr.Users}, []float64{90, 10}); math.Abs(rc-chi2) > 1e-9 || math.Abs(rp-p) > 1e-9 {
		t.Fatalf("reference chi2 %v p %v, engine %v %v", rc, rp, chi2, p)
	}
	if !r.SRMMismatch || c.Users != tr.Users {
		t.Fatalf("an even fixture against 90/10: mismatch %v (%d/%d)", r.SRMMismatch, c.Users, tr.Users)
	}
	h.contains("weights 90/10", "SRM vs 90/10: SAMPLE RATIO MISMATCH (p "+pText(r.SRMP)+"): control 50.0% (want 90.0%)", "treatment 50.0% (want 10.0%)")

	// A split close to the data's gives a p-value inside (0, 1), checked
	// against the reference too.
	setWeights(t, h, "52,48")
	r = h.m.tab().res.(*experimentResult).r
	_, p = chiSquareP([]int{r.Variants[0].Users, r.Variants[1].Users}, []float64{52, 48})
	if math.Abs(float64(r.SRMP)-p) > 1e-9 || r.SRMMismatch {
		t.Fatalf("52/48: p %v, reference %v", r.SRMP, p)
	}
	h.contains("SRM vs 52/48: ok (p " + pText(r.SRMP) + ")")

	// Zero and negative shares: the prompt keeps the CLI's message and
	// stays open; the query is unchanged.
	for _, bad := range []string{"90/0", "50,-50", "ninety/10"} {
		setWeights(t, h, bad)
		part := strings.Split(strings.ReplaceAll(bad, "/", ","), ",")
		want := `cannot read "` + part[len(part)-1] + `" (use e.g. 50,50 or A=90,B=10)`
		if bad == "ninety/10" {
			want = `cannot read "ninety"`
		}
		if h.m.dlg == nil {
			t.Fatalf("%s: the prompt closed", bad)
		}
		h.contains(want)
		h.keys("<esc>")
		if w := expTab(h).q.Weights; !reflect.DeepEqual(w, []experiment.Weight{{Share: 52}, {Share: 48}}) {
			t.Fatalf("%s changed the weights to %+v", bad, w)
		}
	}

	// One weight too many for the variants on screen: the prompt says so
	// in the engine's words, what spoor experiment --weights 50,25,25
	// prints, and stays open.
	setWeights(t, h, "50,25,25")
	want := experiment.Query{Variant: "exp_checkout", Goal: "purchase", Weights: []experiment.Weight{{Share: 50}, {Share: 25}, {Share: 25}}}
	_, err := experiment.Run(context.Background(), d, want)
	if err == nil || !strings.Contains(err.Error(), "3 weights for 2 variants (control, treatment, in this order)") {
		t.Fatalf("engine: %v", err)
	}
	pr, ok := h.m.dlg.(*prompt)
	if !ok || pr.err == nil || strings.Join(strings.Fields(pr.err.Error()), " ") != err.Error() {
		t.Fatalf("prompt %T error %v, want %v", h.m.dlg, pr.err, err)
	}
	h.contains("3 weights for 2 variants (control, treatment, in", "order); give one weight per variant or name them")
	h.keys("<esc>")
	// Named weights must name every variant.
	setWeights(t, h, "control=1,other=1")
	h.contains(`no weight for variant "treatment"`)
	h.keys("<esc>")
	// When the prompt cannot know the variants (the result on screen ran
	// another query, as while a new run is in flight), it takes the
	// weights and the run reports the same error.
	expTab(h).q.Window = "6d"
	setWeights(t, h, "50,25,25")
	if h.m.dlg != nil {
		t.Fatalf("the prompt refused weights it cannot check: %v", h.m.dlg.(*prompt).err)
	}
	want.Window = "6d"
	if _, err = experiment.Run(context.Background(), d, want); err == nil {
		t.Fatal("engine accepts 3 weights for 2 variants")
	}
	if got := h.m.tab().err; got == nil || got.Error() != err.Error() {
		t.Fatalf("tab error %v, want %v", got, err)
	}
	h.contains("3 weights for 2 variants")
	expTab(h).q.Window = ""

	// Named weights, then even again, then d removes them.
	setWeights(t, h, "treatment=1,control=1")
	if h.m.tab().err != nil || !h.m.tab().res.(*experimentResult).r.Variants[0].Control {
		t.Fatalf("named weights: err %v", h.m.tab().err)
	}
	h.contains("weights treatment=1,control=1", "SRM vs treatment=1,control=1: ok (p 1.000)")
	setWeights(t, h, "even")
	if w := expTab(h).q.Weights; w != nil {
		t.Fatalf("even left %+v", w)
	}
	h.contains("SRM vs even: ok (p 1.000): control 50.0% / treatment 50.0%")
	setWeights(t, h, "3/1")
	h.keys("d")
	if w := expTab(h).q.Weights; w != nil {
		t.Fatalf("d left %+v", w)
	}
}

// The weights are part of the saved spec and come back when it is opened.
func TestExperimentWeightsSaveAndReopen(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	h := newHarness(t, 100, 30)
	h.keys("8")
	setWeights(t, h, "90/10")
	h.keys("s", "<enter>")
	b, err := os.ReadFile(filepath.Join(dir, "analyses", "experiment.json"))
	if err != nil {
		t.Fatalf("save wrote nothing: %v (status %q)", err, h.m.status)
	}
	spec, err := specfile.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if w := spec.Query.(*experiment.Query).Weights; !reflect.DeepEqual(w, []experiment.Weight{{Share: 90}, {Share: 10}}) {
		t.Fatalf("saved weights %+v:\n%s", w, b)
	}
	setWeights(t, h, "even")
	h.keys("o", "<enter>")
	if w := expTab(h).q.Weights; !reflect.DeepEqual(w, []experiment.Weight{{Share: 90}, {Share: 10}}) {
		t.Fatalf("reopened weights %+v (status %q)", w, h.m.status)
	}
	h.contains("weights 90/10", "SRM vs 90/10")
}

func TestExperimentDrillToVariantUsers(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("8")
	d := h.m.sh.d
	naive := naiveMembers(t, d, "exp_checkout", "purchase", 7*86_400_000)
	r := h.m.tab().res.(*experimentResult).r
	// Enter on each variant lists exactly its users.
	for i, v := range r.Variants {
		h.keys("l")
		for range i {
			h.keys("j")
		}
		h.keys("<enter>")
		p, ok := topPage(t, h).(*listPage)
		if !ok || p.users == nil {
			t.Fatalf("variant %s opened %T", v.Name, topPage(t, h))
		}
		if got, want := drillRows(p), rowsOf(naive[v.Name], d.Loc); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: %d users listed, naive %d", v.Name, len(got), len(want))
		}
		if len(p.keys) != v.Users {
			t.Fatalf("%s: %d users listed, the result counts %d", v.Name, len(p.keys), v.Users)
		}
		open := 0
		for _, m := range naive[v.Name] {
			if m.open {
				open++
			}
		}
		if open != v.InProgress {
			t.Fatalf("%s: %d in progress, naive %d", v.Name, v.InProgress, open)
		}
		h.contains("Variant "+v.Name+" — "+thousands(v.Users)+" users, "+thousands(v.Conversions)+" converted",
			"user", "converted at", "e export · y copy · esc back")
		h.keys("<esc>")
		if len(h.m.pages) != 0 || h.m.focus != 1 {
			t.Fatalf("esc left %d pages, focus %d", len(h.m.pages), h.m.focus)
		}
		h.keys("<esc>")
	}

	// Treatment, then a user's timeline, then back step by step.
	h.keys("l", "j", "<enter>")
	p := topPage(t, h).(*listPage)
	first := naive["treatment"][0]
	h.contains(first.user)
	h.keys("<enter>")
	tl, ok := topPage(t, h).(*textPage)
	if !ok || tl.title != "Timeline of "+first.user {
		t.Fatalf("enter on %s opened %T %+v", first.user, topPage(t, h), tl)
	}
	lines, err := timeline(context.Background(), h.m.sh.db, first.user)
	if err != nil || !reflect.DeepEqual(tl.lines, lines) {
		t.Fatalf("timeline page is not the user's timeline (%v)", err)
	}
	h.keys("<esc>")
	if topPage(t, h) != page(p) {
		t.Fatalf("esc from the timeline went to %T", topPage(t, h))
	}
	// / filters; typed e and y go to the filter, not to export and copy.
	h.keys("/", "ey")
	if h.m.dlg != nil || p.filter.Value() != "ey" {
		t.Fatalf("typing in the filter: dialog %T, filter %q", h.m.dlg, p.filter.Value())
	}
	h.keys("<esc>")

	// e exports the list as JSON and CSV.
	dir := t.TempDir()
	path := filepath.Join(dir, "treatment.json")
	h.keys("e", "json", "<enter>")
	h.send(tea.KeyMsg{Type: tea.KeyCtrlU})
	h.keys(path, "<enter>")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("export wrote nothing: %v (status %q)", err, h.m.status)
	}
	var objs []struct {
		User      string `json:"user"`
		Converted bool   `json:"converted"`
		At        string `json:"converted_at"`
		Open      bool   `json:"window_open"`
	}
	if err := json.Unmarshal(b, &objs); err != nil {
		t.Fatal(err)
	}
	if len(objs) != len(naive["treatment"]) {
		t.Fatalf("exported %d users, naive %d", len(objs), len(naive["treatment"]))
	}
	for i, o := range objs {
		m := naive["treatment"][i]
		at := ""
		if m.converted {
			at = time.UnixMilli(m.at).In(d.Loc).Format(time.RFC3339)
		}
		if o.User != m.user || o.Converted != m.converted || o.At != at || o.Open != m.open {
			t.Fatalf("exported %+v, naive %+v", o, m)
		}
	}
	csvPath := filepath.Join(dir, "treatment.csv")
	h.keys("e", "csv", "<enter>")
	h.send(tea.KeyMsg{Type: tea.KeyCtrlU})
	h.keys(csvPath, "<enter>")
	if b, err := os.ReadFile(csvPath); err != nil || !strings.HasPrefix(string(b), "user,converted,exposed,converted at\n") ||
		strings.Count(string(b), "\n") != len(naive["treatment"])+1 {
		t.Fatalf("csv export: %v\n%.200s", err, b)
	}
	if topPage(t, h) != page(p) {
		t.Fatal("export closed the users page")
	}

	// y copies the list as Markdown with OSC 52 (written to stderr).
	f, err := os.CreateTemp(dir, "stderr")
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = f
	h.keys("y")
	os.Stderr = saved
	f.Close()
	md, _ := p.users.render("markdown")
	seq, _ := os.ReadFile(f.Name())
	if !strings.Contains(string(seq), base64.StdEncoding.EncodeToString(md)) || !strings.Contains(h.m.status, "copied "+thousands(len(objs))+" users (Variant treatment)") {
		t.Fatalf("copy: status %q, %d bytes written", h.m.status, len(seq))
	}
	h.keys("<esc>")
	if len(h.m.pages) != 0 {
		t.Fatalf("esc left %d pages", len(h.m.pages))
	}
}

// With another goal and a window long enough to reach past the data's
// end, the drill still lists what the counts cover, users in progress
// among them.
func TestExperimentDrillFollowsTheQuery(t *testing.T) {
	h := newHarness(t, 100, 30)
	h.keys("8")
	goRow(t, h, "goal")
	h.keys("<enter>", "add_to_cart", "<enter>")
	goRow(t, h, "window")
	h.keys("<enter>", "other", "<enter>")
	h.send(tea.KeyMsg{Type: tea.KeyCtrlU})
	h.keys("12d", "<enter>")
	naive := naiveMembers(t, h.m.sh.d, "exp_checkout", "add_to_cart", 12*86_400_000)
	h.keys("l", "<enter>")
	p := topPage(t, h).(*listPage)
	if got, want := drillRows(p), rowsOf(naive["control"], h.m.sh.d.Loc); !reflect.DeepEqual(got, want) {
		t.Fatalf("control on add_to_cart within 1d: %d users, naive %d", len(got), len(want))
	}
	conv, open := 0, 0
	for _, m := range naive["control"] {
		if m.converted {
			conv++
		}
		if m.open {
			open++
		}
	}
	v := h.m.tab().res.(*experimentResult).r.Variants[0]
	if v.Conversions != conv || conv == 0 || conv == len(naive["control"]) || open == 0 || v.InProgress != open {
		t.Fatalf("control converts %d (naive %d of %d), %d in progress (naive %d)", v.Conversions, conv, len(naive["control"]), v.InProgress, open)
	}
	h.contains(thousands(open)+" with the window still open", "window open")
}
