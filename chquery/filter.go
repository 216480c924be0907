package chquery

import (
	"context"
	"math"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// maxValues bounds the distinct values of a property read to decide a
// comparison (see condition).
const maxValues = 1_000_000

// conditions compiles filter expressions (--where, a step's own) to one SQL
// condition on a row, "1" when there are none.
func (e *Engine) conditions(ctx context.Context, exprs []string) (string, error) {
	var parts []string
	for _, x := range exprs {
		f, err := query.ParseFilter(x)
		if err != nil {
			return "", err
		}
		c, err := e.condition(ctx, f)
		if err != nil {
			return "", err
		}
		parts = append(parts, c)
	}
	if len(parts) == 0 {
		return "1", nil
	}
	return "(" + strings.Join(parts, " AND ") + ")", nil
}

// condition is SQL true exactly where the local engine keeps an event:
// a missing property passes only the negative operators. Equality with
// text compares as text; where the local engine compares numbers or
// text case-insensitively (Filter.Test, with Go's number syntax and case
// folding) the stored values are read once and tested by that same code,
// and the row's value must be one that passed.
func (e *Engine) condition(ctx context.Context, f query.Filter) (string, error) {
	value, has := e.t.Prop(f.Prop)
	return e.test(ctx, f, value, has)
}

// test is SQL true where filter f keeps a value: the SQL value and has
// (whether it is set) of a row, or of a person's latest row that has it.
func (e *Engine) test(ctx context.Context, f query.Filter, value, has string) (string, error) {
	negative := f.Op == "!=" || f.Op == "not in" || f.Op == "is not set"
	switch f.Op {
	case "is set":
		return has, nil
	case "is not set":
		return "NOT " + has, nil
	case "=", "!=", "in", "not in":
		if !anyNumber(f.Values) {
			in := "(" + has + " AND " + value + " IN (" + clickhouse.Strings(f.Values) + "))"
			if negative {
				return "NOT " + in, nil
			}
			return in, nil
		}
	}
	passing, err := e.passing(ctx, f)
	if err != nil {
		return "", err
	}
	in := "0"
	if len(passing) > 0 {
		in = "(" + has + " AND " + value + " IN (" + clickhouse.Strings(passing) + "))"
	}
	if negative {
		return "(NOT " + has + " OR " + in + ")", nil
	}
	return in, nil
}

// passing reads the property's distinct values and keeps those f passes.
func (e *Engine) passing(ctx context.Context, f query.Filter) ([]string, error) {
	// The values read depend on the rows the base table holds: engines
	// that share the cache may see fewer (a day's, up to its end).
	key := strconv.Quote(e.base.From) + " " + strconv.Quote(e.base.Where) + " " + strconv.Quote(f.Prop) + " " + strconv.Quote(f.Op) + " " + strconv.Quote(strings.Join(f.Values, "\x00"))
	e.cache.mu.Lock()
	out, ok := e.cache.passing[key]
	e.cache.mu.Unlock()
	if ok {
		return out, nil
	}
	value, has := e.base.Prop(f.Prop)
	r, err := e.c.Query(ctx, "SELECT DISTINCT "+value+" FROM "+e.base.From+" WHERE "+e.base.Where+" AND "+has+" LIMIT "+strconv.Itoa(maxValues+1))
	if err != nil {
		return nil, err
	}
	if len(r.Rows) > maxValues {
		return nil, i18n.Errorf("filter on %q: the property has more than %d distinct values; compare with = or in instead", f.Prop, maxValues)
	}
	for _, row := range r.Rows {
		num, err := strconv.ParseFloat(row[0], 64)
		if err != nil {
			num = math.NaN()
		}
		if f.Test(row[0], num) {
			out = append(out, row[0])
		}
	}
	e.cache.mu.Lock()
	if e.cache.passing == nil {
		e.cache.passing = map[string][]string{}
	}
	e.cache.passing[key] = out
	e.cache.mu.Unlock()
	return out, nil
}

func anyNumber(vs []string) bool {
	for _, v := range vs {
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return true
		}
	}
	return false
}
