package forecast

import (
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestEachCandidateAlone backtests every candidate method alone on the
// series bench/forecast_accuracy.sh writes (bench/data/forecast/series/:
// the period and horizon, then a value a line), for docs/forecast.md:
// whether any one of the methods the forecast averages could meet
// the bar where the mean does not. At each origin the method is chosen,
// fitted and calibrated as the backtest does, and the candidate's point
// forecast takes the mean's place; an origin too short to cross-validate
// keeps the one AICc model, as the forecast does. It runs only when
// SPOOR_FORECAST_SERIES names that folder (Tianchi's row takes a minute).
func TestEachCandidateAlone(t *testing.T) {
	series := benchSeries(t)
	names := make([]string, 0, len(series))
	for name := range series {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		y, m, h := readBenchSeries(t, series[name])
		alone := func(me *Method) (Backtest, int) {
			short := 0
			bt, _ := rollingOrigin(y, m, h, func(train []float64, gap []bool) ([]Point, error) {
				c, err := chooseGaps(train, gap, m, h)
				if err != nil {
					return nil, err
				}
				if me != nil && c.Calibrated {
					c.Methods = []Method{*me}
				} else if me != nil {
					short++
				}
				return c.Forecast(h), nil
			})
			return bt, short
		}
		// With the forecast's own methods this is the backtest itself.
		mean, _ := alone(nil)
		if want, _ := RollingOrigin(y, m, h); mean.MASE != want.MASE || mean.Coverage80 != want.Coverage80 || mean.Points != want.Points {
			t.Fatalf("%s: the harness's backtest (mase %v, cov80 %v, %d points) is not RollingOrigin's (%v, %v, %d)",
				name, mean.MASE, mean.Coverage80, mean.Points, want.MASE, want.Coverage80, want.Points)
		}
		t.Logf("%s: the mean of five: mase %.3f, rel_mae %.3f", name, mean.MASE, mean.RelMAE)
		best, bestName := math.Inf(1), ""
		for _, me := range candidates(m, nonNegative(y)) {
			bt, short := alone(&me)
			if bt.Points != mean.Points || bt.Origins != mean.Origins {
				t.Errorf("%s, %s: %d points from %d origins, the mean's %d from %d", name, me, bt.Points, bt.Origins, mean.Points, mean.Origins)
			}
			t.Logf("%s:   %-26s mase %.3f, rel_mae %.3f (%d of %d origins kept the AICc model)", name, me, bt.MASE, bt.RelMAE, short, bt.Origins)
			if bt.MASE < best {
				best, bestName = bt.MASE, me.String()
			}
		}
		t.Logf("%s: best alone %s, mase %.3f", name, bestName, best)
	}
}

// readBenchSeries reads a series file of bench/forecast_accuracy.sh.
func readBenchSeries(t *testing.T, path string) (y []float64, m, h int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(b))
	if len(fields) < 3 {
		t.Fatalf("%s: want the period, the horizon and values", path)
	}
	if m, err = strconv.Atoi(fields[0]); err != nil {
		t.Fatalf("%s: period: %v", path, err)
	}
	if h, err = strconv.Atoi(fields[1]); err != nil {
		t.Fatalf("%s: horizon: %v", path, err)
	}
	for _, s := range fields[2:] {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		y = append(y, v)
	}
	return y, m, h
}
