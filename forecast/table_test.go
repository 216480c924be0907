package forecast

import (
	"sort"
	"testing"
)

// TestBenchTable backtests every series bench/forecast_accuracy.sh writes
// (SPOOR_FORECAST_SERIES, SPOOR_FORECAST_ONLY as TestEachCandidateAlone)
// in one process and logs each row's mase, rel_mae and coverage as the
// table prints them, with README's verdict (mase and rel_mae below 1,
// cov80 within 70–90%) and the count of rows that miss it: the quick way
// to measure a change of method on the whole table before re-running the
// script (the command adds the imports and the JSON, not other figures).
func TestBenchTable(t *testing.T) {
	series := benchSeries(t)
	names := make([]string, 0, len(series))
	for name := range series {
		names = append(names, name)
	}
	sort.Strings(names)
	misses := 0
	for _, name := range names {
		y, m, h := readBenchSeries(t, series[name])
		bt, ok := RollingOrigin(y, m, h)
		if !ok {
			t.Errorf("%s: no backtest", name)
			continue
		}
		verdict := ""
		if bt.MASE >= 1 || bt.RelMAE >= 1 || bt.Coverage80 < 0.7 || bt.Coverage80 > 0.9 {
			verdict, misses = " MISS", misses+1
		}
		t.Logf("%-24s mase %.3f rel_mae %.3f naive %.3f cov80 %.1f%% (%d/%d) cov95 %.1f%%%s",
			name, bt.MASE, bt.RelMAE, bt.NaiveMASE, 100*bt.Coverage80, int(bt.Coverage80*float64(bt.Points)+0.5), bt.Points, 100*bt.Coverage95, verdict)
	}
	t.Logf("%d of %d rows miss the bar", misses, len(names))
}
