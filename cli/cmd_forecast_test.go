package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// The sample's daily events get a forecast: 14 days after the data, with
// ordered intervals, a backtest, and the 618 sale as the one anomaly.
func TestForecastCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	if code, _, errs := runCLI(t, "", "sample", "--db", db); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := runCLI(t, "", "forecast", "--db", db, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r struct {
		Period, Horizon int
		Series          []struct {
			Name     string
			Model    string
			Forecast []struct {
				T                             string
				Value, Lo80, Hi80, Lo95, Hi95 float64
			}
			Backtest *struct {
				MASE       float64 `json:"mase"`
				Coverage80 float64
				Points     int
			}
			Anomalies []struct{ T string }
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Period != 7 || r.Horizon != 14 || len(r.Series) != 1 {
		t.Fatalf("period %d horizon %d series %d", r.Period, r.Horizon, len(r.Series))
	}
	s := r.Series[0]
	if len(s.Forecast) != 14 || s.Forecast[0].T != "2026-07-01" || s.Forecast[13].T != "2026-07-14" {
		t.Fatalf("forecast days: %+v", s.Forecast)
	}
	for _, p := range s.Forecast {
		if !(0 <= p.Lo95 && p.Lo95 <= p.Lo80 && p.Lo80 <= p.Value && p.Value <= p.Hi80 && p.Hi80 <= p.Hi95) {
			t.Errorf("intervals out of order: %+v", p)
		}
	}
	if s.Backtest == nil || s.Backtest.Points == 0 || s.Backtest.MASE <= 0 {
		t.Errorf("backtest %+v", s.Backtest)
	}
	if len(s.Anomalies) != 1 || s.Anomalies[0].T != "2026-06-18" {
		t.Errorf("anomalies %+v, want the 618 sale", s.Anomalies)
	}
	if strings.Contains(out, "held_out") {
		t.Error("held_out is in the JSON without --held-out")
	}
	// --held-out adds one entry per held-out interval, which add up to the
	// backtest's points.
	code, out, errs = runCLI(t, "", "forecast", "--db", db, "--format", "json", "--held-out")
	if code != 0 {
		t.Fatalf("--held-out: exit %d: %s", code, errs)
	}
	var h struct {
		Series []struct {
			Backtest struct {
				Points  int
				HeldOut []struct{ Forecasts int } `json:"held_out"`
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &h); err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, ho := range h.Series[0].Backtest.HeldOut {
		sum += ho.Forecasts
	}
	if len(h.Series[0].Backtest.HeldOut) == 0 || sum != h.Series[0].Backtest.Points {
		t.Errorf("--held-out: %d entries, forecasts add up to %d, want the %d points", len(h.Series[0].Backtest.HeldOut), sum, h.Series[0].Backtest.Points)
	}
	for _, f := range []string{"table", "csv", "markdown"} {
		if code, out, errs := runCLI(t, "", "forecast", "--db", db, "--format", f); code != 0 || !strings.Contains(out, "2026-07-14") {
			t.Errorf("--format %s: exit %d %s", f, code, errs)
		}
	}
}

func TestForecastRefusals(t *testing.T) {
	db := sampleDB(t)
	code, _, errs := runCLI(t, "", "forecast", "--db", db, "--last", "10d")
	if code != 1 || !strings.Contains(errs, "10 intervals of history; a forecast needs at least 14") {
		t.Errorf("10 days: exit %d %q", code, errs)
	}
	code, _, errs = runCLI(t, "", "forecast", "--db", db, "--horizon", "5000")
	if code != 2 || !strings.Contains(errs, "out of range") {
		t.Errorf("--horizon 5000: exit %d %q", code, errs)
	}
	// With --by a short value is refused on its own line, the others kept.
	code, out, errs := runCLI(t, "", "forecast", "--db", db, "--by", "device", "--format", "json")
	if code != 0 || !strings.Contains(out, `"name": "ios"`) {
		t.Errorf("--by device: exit %d %s", code, errs)
	}
}
