package attribution

import (
	"strconv"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// Tables is the rows as one table, titled with the model and the totals.
func (r *Result) Tables(l i18n.Lang) []output.Table {
	title := l.T("%s attribution of %d %s by %s, lookback %s", l.Text(r.Model), r.Conversions, r.Conversion, r.Touch,
		output.Seconds(r.WindowSeconds).In(l))
	if r.HalfLifeSeconds != nil {
		title += l.T(", half-life %s", output.Seconds(*r.HalfLifeSeconds).In(l))
	}
	if r.From != "" {
		title += l.T(", %s..%s", r.From, r.To)
	}
	t := output.Table{Title: title, Columns: []string{l.T("touch"), l.T("conversions (credited)"), l.T("share"), l.T("revenue"), l.T("users")}}
	spend := len(r.Rows) > 0 && r.Rows[0].ROI != nil
	if spend {
		t.Columns = append(t.Columns, l.T("cost"), l.T("cost_per_conversion"), l.T("roas"), l.T("roi"))
	}
	for _, row := range r.Rows {
		share := query.Undefined
		if r.Conversions > 0 {
			share = query.Num(row.Conversions / float64(r.Conversions))
		}
		cells := []string{row.Touch, amount(query.Num(row.Conversions)), output.Percent(float64(share)), amount(row.Revenue), output.Count(row.Users)}
		if spend {
			cells = append(cells, amount(query.Num(row.Cost)), amount(row.CostPerConversion), ratio(row.ROAS), output.Percent(float64(row.Return)))
		}
		t.Rows = append(t.Rows, cells)
	}
	return []output.Table{t}
}

// amount writes a credited amount with two decimals; "-" when undefined.
func amount(n query.Num) string {
	if !n.Valid() {
		return "-"
	}
	return strconv.FormatFloat(float64(n), 'f', 2, 64)
}

func ratio(n query.Num) string {
	if !n.Valid() {
		return "-"
	}
	return strconv.FormatFloat(float64(n), 'f', 2, 64) + "x"
}
