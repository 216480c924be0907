package query

import "github.com/spoorhq/spoor/i18n"

// PathCount is one distinct path and how many users took it, as a backend
// that walks each person's events where they are (package chquery)
// counts it: Steps are the events away from the anchor in walking order
// (after it for --from; before it, latest first, for --to), Early is set
// when the session or the range ended before the depth ((end) or
// (start)), and By is the --by value on the anchor event (HasBy false:
// the event lacks the property).
type PathCount struct {
	Steps []string
	Early bool
	By    string
	HasBy bool
	Users int64
}

// PathsFromCounts builds the result of q from counted paths, as
// Dataset.Paths builds it from its own counts.
func PathsFromCounts(q PathsQuery, counts []PathCount) (*PathsResult, error) {
	p, err := planPathsOptions(q)
	if err != nil {
		return nil, err
	}
	// Names are numbered as a Dataset numbers its events, the anchor first.
	d := newDataset(nil, []string{p.name}, nil)
	intern := func(name string) int32 {
		id, ok := d.byName[name]
		if !ok {
			id = int32(len(d.Names))
			d.byName[name] = id
			d.Names = append(d.Names, name)
		}
		return id
	}
	p.s = &Scope{D: d}
	values := map[string]int32{} // --by value to its code
	if q.By != "" {
		p.s.By = &Prop{Key: q.By}
	}
	part := make(map[groupedPath]int64, len(counts))
	for _, c := range counts {
		if len(c.Steps) > p.depth || (len(c.Steps) < p.depth) != c.Early {
			return nil, i18n.Errorf("paths: a counted path has %d steps (early end %v) for depth %d", len(c.Steps), c.Early, p.depth)
		}
		var k groupedPath
		for i := range k.path {
			k.path[i] = pathStepNone
		}
		k.path[0] = p.anchor
		for i, name := range c.Steps {
			k.path[i+1] = intern(name)
		}
		if c.Early {
			k.path[len(c.Steps)+1] = pathStepEnd
			if p.backward {
				k.path[len(c.Steps)+1] = pathStepStart
			}
		}
		if p.s.By != nil && c.HasBy {
			code, ok := values[c.By]
			if !ok {
				p.s.By.Values = append(p.s.By.Values, c.By)
				code = int32(len(p.s.By.Values))
				values[c.By] = code
			}
			k.code = code
		}
		part[k] += c.Users
	}
	return p.assemble(q, part), nil
}
