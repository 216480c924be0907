package attribution

import (
	"encoding/csv"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// SpendRow is one line of a spend file: what a touch value cost on a day.
type SpendRow struct {
	Touch string
	Day   string // YYYY-MM-DD
	Cost  float64
}

// MaxSpendRows bounds a spend file: a year of daily costs for over two
// thousand campaigns. Memory and time stay small whatever file is given.
const MaxSpendRows = 1_000_000

// ReadSpend reads a spend file: CSV with three columns, the touch value, the
// day (YYYY-MM-DD) and the cost (a number, 0 or more). A first line whose
// cost is not a number is a header and skipped. name is the file's name for
// messages, which give the line and what to fix.
func ReadSpend(r io.Reader, name string) ([]SpendRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	var out []SpendRow
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, i18n.Errorf("spend file %s line %d: %v (it is CSV: touch value, date YYYY-MM-DD, cost)", name, pe.Line, pe.Err)
			}
			return nil, i18n.Errorf("spend file %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != 3 {
			return nil, i18n.Errorf("spend file %s line %d: %d columns; want 3: touch value, date YYYY-MM-DD, cost", name, line, len(rec))
		}
		touch, dayText, costText := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1]), strings.TrimSpace(rec[2])
		cost, cerr := strconv.ParseFloat(costText, 64)
		if first && cerr != nil {
			continue // a header
		}
		if cerr != nil || math.IsNaN(cost) || math.IsInf(cost, 0) || cost < 0 {
			return nil, i18n.Errorf("spend file %s line %d: cost %q is not a number of 0 or more", name, line, costText)
		}
		day, err := time.Parse("2006-01-02", dayText)
		if err != nil {
			return nil, i18n.Errorf("spend file %s line %d: date %q: use YYYY-MM-DD", name, line, dayText)
		}
		if touch == "" {
			return nil, i18n.Errorf("spend file %s line %d: the touch value (first column) is empty", name, line)
		}
		if len(out) == MaxSpendRows {
			return nil, i18n.Errorf("spend file %s has more than %d rows; sum them per touch value and day first", name, MaxSpendRows)
		}
		out = append(out, SpendRow{Touch: touch, Day: day.Format("2006-01-02"), Cost: cost})
	}
	if out == nil {
		return nil, i18n.Errorf("spend file %s has no rows (want CSV: touch value, date YYYY-MM-DD, cost)", name)
	}
	return out, nil
}

// addSpend sums the spend of the days in range per touch value and derives
// the ratios; a value with spend and no credit gets a row of its own.
func (r *Result) addSpend(spend []SpendRow, revenue bool) {
	cost := map[string]float64{}
	for _, s := range spend {
		if r.From == "" || s.Day < r.From || s.Day > r.To {
			r.SpendOutside++
			continue
		}
		cost[s.Touch] += s.Cost
	}
	at := map[string]int{}
	for k, row := range r.Rows {
		at[row.Touch] = k
	}
	for v := range cost {
		if _, ok := at[v]; !ok {
			row := Row{Touch: v, Revenue: query.Undefined}
			if revenue {
				row.Revenue = 0
			}
			at[v] = len(r.Rows)
			r.Rows = append(r.Rows, row)
		}
	}
	for k := range r.Rows {
		row := &r.Rows[k]
		c := cost[row.Touch]
		row.ROI = &ROI{Cost: c, CostPerConversion: query.Undefined, ROAS: query.Undefined, Return: query.Undefined}
		if row.units > 0 {
			row.CostPerConversion = query.Num(c / row.Conversions)
		}
		if revenue && c > 0 {
			row.ROAS = row.Revenue / query.Num(c)
			row.Return = (row.Revenue - query.Num(c)) / query.Num(c)
		}
	}
}
