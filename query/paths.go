package query

import (
	"context"
	"sort"

	"github.com/spoorhq/spoor/i18n"
)

// PathsQuery is a paths analysis (docs/semantics.md#paths): what users do after the first
// From event in range, or what they did before the first To event. The
// date range is Common.From / Common.To (JSON "from" / "to"); the anchor
// events are "from_event" / "to_event".
type PathsQuery struct {
	Common
	From       string `json:"from_event,omitempty" toml:"from_event,omitempty"`
	To         string `json:"to_event,omitempty" toml:"to_event,omitempty"`
	Depth      int    `json:"depth,omitempty" toml:"depth,omitempty"`             // steps after (before) the anchor; default 4
	Top        int    `json:"top,omitempty" toml:"top,omitempty"`                 // full paths and transitions per step listed; default 10
	SessionGap string `json:"session_gap,omitempty" toml:"session_gap,omitempty"` // default 30m; "0" disables sessions
	NoCollapse bool   `json:"no_collapse,omitempty" toml:"no_collapse,omitempty"` // keep immediate repeats
}

// MaxPathDepth is the deepest path supported: a path is interned as a
// fixed array of event ids (anchor, steps, end marker) so counting one
// costs no allocation.
const MaxPathDepth = 15

// Path markers shown as steps.
const (
	PathEnd   = "(end)"   // the session ended before the depth (--from)
	PathStart = "(start)" // the session started less than depth steps before (--to)
)

type pathKey [MaxPathDepth + 1]int32

// Step codes besides event ids in a pathKey.
const (
	pathStepNone  = -1
	pathStepEnd   = -2
	pathStepStart = -3
)

// PathsResult is the prefix tree, the top full paths and the top
// transitions per step. Users counts the users who did the anchor event.
type PathsResult struct {
	Direction     string           `json:"direction"` // "from" or "to"
	Event         string           `json:"event"`     // the anchor event
	Depth         int              `json:"depth"`
	SessionGapSec float64          `json:"session_gap_seconds"` // 0: no sessions
	Collapse      bool             `json:"collapse"`
	Users         int64            `json:"users"`
	DistinctPaths int              `json:"distinct_paths"`
	Paths         []Path           `json:"paths"`
	Tree          *PathNode        `json:"tree"`
	Transitions   []PathTransition `json:"transitions"`
	By            string           `json:"by,omitempty"`
	Breakdown     []PathsGroup     `json:"breakdown,omitempty"` // with --by, most users first
}

// PathsGroup is the paths of one --by group: the users whose anchor event
// (their first one in range) carries Value. Shares are of the group's users.
type PathsGroup struct {
	Value         string           `json:"value"`
	Users         int64            `json:"users"`
	DistinctPaths int              `json:"distinct_paths"`
	Paths         []Path           `json:"paths"`
	Tree          *PathNode        `json:"tree"`
	Transitions   []PathTransition `json:"transitions"`
}

// Path is one full path in time order: the anchor first for --from and
// last for --to, with (end) or (start) where the session stopped early.
type Path struct {
	Steps []string `json:"steps"`
	Users int64    `json:"users"`
	Share Num      `json:"share"`
}

// PathNode is a node of the prefix tree. The root is the anchor event; for
// --to the tree grows backwards in time, each child being the event just
// before its parent. Share is of the users at the root.
type PathNode struct {
	Event    string      `json:"event"`
	Users    int64       `json:"users"`
	Share    Num         `json:"share"`
	Children []*PathNode `json:"children,omitempty"`

	index map[string]*PathNode // children by event, while building
}

// PathTransition is a move between consecutive events, in time order. Step
// k is the k-th move away from the anchor: after it for --from, before it
// for --to.
type PathTransition struct {
	Step  int    `json:"step"`
	From  string `json:"from"`
	To    string `json:"to"`
	Users int64  `json:"users"`
	Share Num    `json:"share"`
}

// Paths computes a paths analysis.
func (d *Dataset) Paths(ctx context.Context, q PathsQuery) (*PathsResult, error) {
	p, err := d.planPaths(ctx, q)
	if err != nil {
		return nil, err
	}
	ranges := d.personRanges()
	parts := make([]map[groupedPath]int64, len(ranges))
	err = eachRange(ctx, ranges, func(part, lo, hi int) error {
		parts[part] = map[groupedPath]int64{}
		return p.scan(ctx, parts[part], lo, hi)
	})
	if err != nil {
		return nil, err
	}
	return p.assemble(q, parts...), nil
}

// assemble builds the result, and with --by the breakdown, from the
// counts of distinct paths.
func (p *pathsPlan) assemble(q PathsQuery, parts ...map[groupedPath]int64) *PathsResult {
	all := map[pathKey]int64{}
	groups := map[int32]map[pathKey]int64{}
	for _, part := range parts {
		for k, n := range part {
			all[k.path] += n
			if p.s.By != nil {
				if groups[k.code] == nil {
					groups[k.code] = map[pathKey]int64{}
				}
				groups[k.code][k.path] += n
			}
		}
	}
	r := p.result(all)
	if p.s.By == nil {
		return r
	}
	r.By, r.Breakdown = q.By, make([]PathsGroup, 0, len(groups))
	for code, counts := range groups {
		g := p.result(counts)
		r.Breakdown = append(r.Breakdown, PathsGroup{Value: codeLabel(p.s.By, int(code)), Users: g.Users,
			DistinctPaths: g.DistinctPaths, Paths: g.Paths, Tree: g.Tree, Transitions: g.Transitions})
	}
	sort.Slice(r.Breakdown, func(i, j int) bool {
		a, b := r.Breakdown[i], r.Breakdown[j]
		if a.Users != b.Users {
			return a.Users > b.Users
		}
		return a.Value < b.Value
	})
	return r
}

// groupedPath is a path counted for the --by code of its anchor event (0
// without --by).
type groupedPath struct {
	code int32
	path pathKey
}

// pathsPlan is a validated paths query.
type pathsPlan struct {
	s        *Scope
	backward bool // --to
	anchor   int32
	name     string
	depth    int
	top      int
	gap      int64 // ms; 0: no sessions
	collapse bool
}

func (d *Dataset) planPaths(ctx context.Context, q PathsQuery) (*pathsPlan, error) {
	p, err := planPathsOptions(q)
	if err != nil {
		return nil, err
	}
	if err := d.CheckEvent(p.name); err != nil {
		return nil, err
	}
	p.anchor, _ = d.EventID(p.name)
	if p.s, err = d.Resolve(ctx, q.Common); err != nil {
		return nil, err
	}
	return p, nil
}

// planPathsOptions checks and resolves what needs no data: the anchor,
// depth, top and session gap.
func planPathsOptions(q PathsQuery) (*pathsPlan, error) {
	if (q.From == "") == (q.To == "") {
		return nil, i18n.Errorf("paths need exactly one anchor: --from EVENT (what users do after it) or --to EVENT (what they did before it)")
	}
	p := &pathsPlan{name: q.From, backward: q.To != "", depth: q.Depth, top: q.Top, collapse: !q.NoCollapse}
	if p.backward {
		p.name = q.To
	}
	if p.depth == 0 {
		p.depth = 4
	}
	if p.depth < 1 || p.depth > MaxPathDepth {
		return nil, i18n.Errorf("--depth %d is out of range: paths support 1 to %d steps", q.Depth, MaxPathDepth)
	}
	if p.top == 0 {
		p.top = 10
	}
	if p.top < 0 {
		return nil, i18n.Errorf("--top %d must be positive", q.Top)
	}
	gap := q.SessionGap
	if gap == "" {
		gap = "30m"
	}
	g, err := ParseDuration(gap)
	if err != nil {
		return nil, i18n.Errorf("--session-gap: %w", err)
	}
	p.gap = g
	return p, nil
}

// PathsPlan is a paths query checked without its data, for a backend that
// counts the paths where the events are (package chquery): the anchor
// event, the steps and the session gap each path is cut to.
type PathsPlan struct {
	Anchor   string
	Backward bool  // --to: paths lead up to the anchor
	Depth    int   // steps besides the anchor
	GapMs    int64 // a longer gap ends the session; 0: no sessions
	Collapse bool  // immediate repeats count once
}

// PlanPaths checks q as Dataset.Paths does, except for its names (the
// backend's to check).
func PlanPaths(q PathsQuery) (PathsPlan, error) {
	p, err := planPathsOptions(q)
	if err != nil {
		return PathsPlan{}, err
	}
	return PathsPlan{Anchor: p.name, Backward: p.backward, Depth: p.depth, GapMs: p.gap, Collapse: p.collapse}, nil
}

// scan adds the path of every person in lo..hi-1 who did the anchor event.
// Events failing --where are not part of any path and do not keep a
// session alive.
func (p *pathsPlan) scan(ctx context.Context, counts map[groupedPath]int64, lo, hi int) error {
	d, s := p.s.D, p.s
	for u := lo; u < hi; u++ {
		if err := stopped(ctx, lo, u); err != nil {
			return err
		}
		if !s.Person(u) {
			continue
		}
		first, end := int(d.Start[u]), int(d.Start[u+1])
		at := -1
		for i := first; i < end; i++ {
			t := d.Time[i]
			if t < s.From {
				continue
			}
			if t >= s.To {
				break
			}
			if d.Event[i] == p.anchor && s.Match(i) {
				at = i
				break
			}
		}
		if at < 0 {
			continue
		}
		var key pathKey
		for i := range key {
			key[i] = pathStepNone
		}
		key[0] = p.anchor
		n := 1 // entries in key: the anchor and the steps so far
		prev, last := p.anchor, d.Time[at]
		step := 1
		if p.backward {
			step = -1
		}
		for i := at + step; i >= first && i < end && n <= p.depth; i += step {
			t := d.Time[i]
			if !s.InRange(t) {
				break // times are ordered, so every further event is out too
			}
			if !s.Match(i) {
				continue
			}
			gap := t - last
			if p.backward {
				gap = last - t
			}
			if p.gap > 0 && gap > p.gap {
				break
			}
			last = t
			// The anchor counts for collapse: from view, "view view cart"
			// is view, cart.
			if p.collapse && d.Event[i] == prev {
				continue
			}
			key[n] = d.Event[i]
			prev = d.Event[i]
			n++
		}
		if n <= p.depth {
			key[n] = pathStepEnd
			if p.backward {
				key[n] = pathStepStart
			}
		}
		k := groupedPath{path: key}
		if s.By != nil {
			k.code = s.By.Codes[at]
		}
		counts[k]++
	}
	return nil
}

func (p *pathsPlan) stepName(code int32) string {
	switch code {
	case pathStepEnd:
		return PathEnd
	case pathStepStart:
		return PathStart
	}
	return p.s.D.Names[code]
}

// result builds the tree, the ranked paths and the transitions from the
// count of each distinct path.
func (p *pathsPlan) result(counts map[pathKey]int64) *PathsResult {
	r := &PathsResult{Direction: "from", Event: p.name, Depth: p.depth, SessionGapSec: float64(p.gap) / 1000, Collapse: p.collapse}
	if p.backward {
		r.Direction = "to"
	}
	keys := make([]pathKey, 0, len(counts))
	for k, n := range counts {
		keys = append(keys, k)
		r.Users += n
	}
	r.DistinctPaths = len(keys)
	names := func(k pathKey) []string {
		var out []string
		for _, c := range k {
			if c == pathStepNone {
				break
			}
			out = append(out, p.stepName(c))
		}
		return out
	}
	share := func(n int64) Num { return Ratio(n, r.Users) }
	named := make(map[pathKey][]string, len(keys))
	for _, k := range keys {
		named[k] = names(k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if counts[keys[i]] != counts[keys[j]] {
			return counts[keys[i]] > counts[keys[j]]
		}
		return lessSteps(named[keys[i]], named[keys[j]])
	})
	for i, k := range keys {
		if i == p.top {
			break
		}
		steps := named[k]
		if p.backward {
			steps = reversedSteps(steps)
		}
		r.Paths = append(r.Paths, Path{Steps: steps, Users: counts[k], Share: share(counts[k])})
	}
	r.Tree = &PathNode{Event: p.name, Users: r.Users, Share: share(r.Users)}
	type edge struct {
		step     int
		from, to string
	}
	moves := map[edge]int64{}
	for _, k := range keys {
		n := counts[k]
		steps := named[k]
		node := r.Tree
		for i := 1; i < len(steps); i++ {
			node = node.child(steps[i])
			node.Users += n
			e := edge{i, steps[i-1], steps[i]}
			if p.backward {
				e.from, e.to = e.to, e.from
			}
			moves[e] += n
		}
	}
	r.Tree.finish(share)
	all := make([]PathTransition, 0, len(moves))
	for e, n := range moves {
		all = append(all, PathTransition{Step: e.step, From: e.from, To: e.to, Users: n, Share: share(n)})
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.Step != b.Step {
			return a.Step < b.Step
		}
		if a.Users != b.Users {
			return a.Users > b.Users
		}
		if a.From != b.From {
			return a.From < b.From
		}
		return a.To < b.To
	})
	perStep := map[int]int{}
	for _, tr := range all {
		if perStep[tr.Step] < p.top {
			r.Transitions = append(r.Transitions, tr)
			perStep[tr.Step]++
		}
	}
	if r.Paths == nil {
		r.Paths = []Path{}
	}
	if r.Transitions == nil {
		r.Transitions = []PathTransition{}
	}
	return r
}

func (n *PathNode) child(event string) *PathNode {
	if c, ok := n.index[event]; ok {
		return c
	}
	if n.index == nil {
		n.index = map[string]*PathNode{}
	}
	c := &PathNode{Event: event}
	n.index[event] = c
	n.Children = append(n.Children, c)
	return c
}

// finish sets shares and orders children by users, then name.
func (n *PathNode) finish(share func(int64) Num) {
	n.Share = share(n.Users)
	n.index = nil
	sort.Slice(n.Children, func(i, j int) bool {
		a, b := n.Children[i], n.Children[j]
		if a.Users != b.Users {
			return a.Users > b.Users
		}
		return a.Event < b.Event
	})
	for _, c := range n.Children {
		c.finish(share)
	}
}

func lessSteps(a, b []string) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

func reversedSteps(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}
