package importers

import (
	"time"

	"github.com/spoorhq/spoor/i18n"
)

// Outliers are a few events lying far before or after the bulk of the
// others: a test event months before launch, a device with its clock in
// the future. They stretch every chart's range and make each day look
// anomalous, so --dry-run warns of them and spoor doctor gives the
// --from/--to that leaves them out.
type Outliers struct {
	Before      int64  `json:"before"`                 // events far before the bulk
	BeforeFirst int64  `json:"before_first,omitempty"` // the earliest of them, epoch ms
	After       int64  `json:"after"`                  // events far after the bulk
	AfterLast   int64  `json:"after_last,omitempty"`   // the latest of them, epoch ms
	BulkFrom    int64  `json:"bulk_from"`              // first and last event of the bulk, epoch ms
	BulkTo      int64  `json:"bulk_to"`
	From        string `json:"from,omitempty"` // --from that leaves out those before (display timezone)
	To          string `json:"to,omitempty"`   // --to that leaves out those after

	loc *time.Location // the zone of From and To, for Text
}

// outlierMinGap: a gap shorter than a day is the rhythm of the week, not
// a stray event.
const outlierMinGap = 24 * time.Hour / time.Millisecond

// minBulk is the fewest events that make a bulk to stand apart from: of
// three events, none is "far from the rest".
const minBulk = 5

// maxOutliers bounds the stray events looked for (the search is
// quadratic in it): "a few" events, however large the data.
const maxOutliers = 1000

// FindOutliers looks at sorted epoch ms times for at most 1% of them (at
// least one, at most maxOutliers) at either end that stand apart: each end
// cut off is separated from the rest by a gap of a day or more that is
// wider than the whole span of what remains, so the stray events are
// further from the bulk than the bulk is long. Of the cuts that qualify,
// the one leaving the narrowest bulk wins. Dates are given in loc. It
// returns nil when there are none.
func FindOutliers(t []int64, loc *time.Location) *Outliers {
	n := len(t)
	if n < minBulk+1 {
		return nil
	}
	maxOut := min(max(1, n/100), maxOutliers)
	gap := int64(outlierMinGap)
	lo, hi := 0, n-1 // the bulk is t[lo..hi]
	for b := 0; b <= maxOut; b++ {
		for a := 0; a+b <= maxOut && n-a-b >= minBulk; a++ {
			l, h := a, n-1-b
			span := t[h] - t[l]
			if a > 0 && (t[l]-t[l-1] < gap || t[l]-t[l-1] <= span) {
				continue
			}
			if b > 0 && (t[h+1]-t[h] < gap || t[h+1]-t[h] <= span) {
				continue
			}
			if span < t[hi]-t[lo] {
				lo, hi = l, h
			}
		}
	}
	if lo == 0 && hi == n-1 {
		return nil
	}
	o := &Outliers{Before: int64(lo), After: int64(n - 1 - hi), BulkFrom: t[lo], BulkTo: t[hi], loc: loc}
	if lo > 0 {
		o.BeforeFirst = t[0]
		o.From = time.UnixMilli(t[lo]).In(loc).Format(time.DateOnly)
	}
	if hi < n-1 {
		o.AfterLast = t[n-1]
		o.To = time.UnixMilli(t[hi]).In(loc).Format(time.DateOnly)
	}
	return o
}

// Text describes the outliers in a sentence in l with the flag that
// leaves them out.
func (o *Outliers) Text(l i18n.Lang) string {
	day := func(ms int64) string { return time.UnixMilli(ms).In(o.loc).Format(time.DateOnly) }
	days := func(ms int64) int64 { return ms / int64(outlierMinGap) }
	var before, after string
	switch {
	case o.Before == 1:
		before = l.T("%d event lies far before the rest (earliest %s, %d days before the bulk starts on %s): --from %s leaves it out",
			o.Before, day(o.BeforeFirst), days(o.BulkFrom-o.BeforeFirst), day(o.BulkFrom), o.From)
	case o.Before > 1:
		before = l.T("%d events lie far before the rest (earliest %s, %d days before the bulk starts on %s): --from %s leaves them out",
			o.Before, day(o.BeforeFirst), days(o.BulkFrom-o.BeforeFirst), day(o.BulkFrom), o.From)
	}
	switch {
	case o.After == 1:
		after = l.T("%d event lies far after the rest (latest %s, %d days after the bulk ends on %s): --to %s leaves it out",
			o.After, day(o.AfterLast), days(o.AfterLast-o.BulkTo), day(o.BulkTo), o.To)
	case o.After > 1:
		after = l.T("%d events lie far after the rest (latest %s, %d days after the bulk ends on %s): --to %s leaves them out",
			o.After, day(o.AfterLast), days(o.AfterLast-o.BulkTo), day(o.BulkTo), o.To)
	}
	if before != "" && after != "" {
		return l.T("%s; %s", before, after)
	}
	return before + after
}
