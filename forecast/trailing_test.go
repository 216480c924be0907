package forecast

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// anomalies are the indexes the trailing detector flags.
func anomalies(js []Judgement) []int {
	out := []int{}
	for i, j := range js {
		if j.Anomaly {
			out = append(out, i)
		}
	}
	return out
}

func TestTrailingHandChecked(t *testing.T) {
	// Baseline 10, 12, 11, 13, 12, 11, 12: median 12, deviations
	// 2,0,1,1,0,1,0 → MAD 1. A point of 20 scores 0.6745·8/1 = 5.396, its
	// band at 3.5 is 12 ± 3.5/0.6745 = [6.811, 17.189]; 15 scores 2.02 (not
	// anomalous).
	base := []float64{10, 12, 11, 13, 12, 11, 12}
	js := trailing(append(slices.Clone(base), 20), 3.5, 7)
	j := js[7]
	if fmt.Sprint(anomalies(js)) != "[7]" || j.Expected != 12 || math.Abs(j.Scale-1/0.6745) > 1e-12 || math.Abs(j.Score-5.396) > 1e-9 ||
		math.Abs(j.Hi-(12+3.5/0.6745)) > 1e-9 || j.Detector != DetectorTrailing {
		t.Fatalf("spike: %+v", js)
	}
	if js := trailing(append(slices.Clone(base), 15), 3.5, 7); len(anomalies(js)) != 0 || !js[4].Judged || js[3].Judged {
		t.Fatalf("15 is within 3.5 robust z, and point 3 has too little history (MinHistory(7) = 4): %+v", js)
	}
	// A drop to 4 scores 0.6745·(−8) = −5.396.
	js = trailing(append(slices.Clone(base), 4), 3.5, 7)
	if math.Abs(js[7].Score+5.396) > 1e-9 || !js[7].Anomaly {
		t.Fatalf("drop: %+v", js[7])
	}
	// A lower threshold catches 15 too.
	if js := trailing(append(slices.Clone(base), 15), 2, 7); len(anomalies(js)) != 1 {
		t.Fatalf("threshold 2: %+v", js)
	}
}

func TestTrailingWindowOnly(t *testing.T) {
	// With window 4, point 9 sees only 5, 5, 6, 5 (median 5, MAD 0 →
	// MeanAD 0.25): the old values of 100 are forgotten.
	vals := []float64{100, 100, 100, 100, 100, 5, 5, 6, 5, 9}
	js := trailing(vals, 3.5, 4)
	// Point 5 (the fall from 100 to 5, flat baseline) is an anomaly.
	// Point 6 sees 100, 100, 100, 5: median 100, MAD 0, MeanAD 23.75,
	// score −95/(1.253314 · 23.75) = −3.19, not beyond 3.5. Point 9
	// scores (9 − 5)/(1.253314 · 0.25) = 12.77.
	if fmt.Sprint(anomalies(js)) != "[5 9]" {
		t.Fatalf("anomalies at %v, want [5 9]", anomalies(js))
	}
	if last := js[9]; last.Expected != 5 || math.Abs(last.Scale-1.253314*0.25) > 1e-12 || math.Abs(last.Score-4/(1.253314*0.25)) > 1e-9 {
		t.Fatalf("point 9: %+v", last)
	}
}

func TestTrailingFlat(t *testing.T) {
	flat := make([]float64, 40)
	for i := range flat {
		flat[i] = 7
	}
	if js := trailing(flat, 3.5, 14); len(anomalies(js)) != 0 {
		t.Fatalf("flat series: %v", anomalies(js))
	}
	// A perfectly flat baseline: any change is an anomaly, with ±Inf.
	flat[20] = 8
	flat[38] = 6 // more than a window later: the baseline is flat again
	js := trailing(flat, 3.5, 14)
	if fmt.Sprint(anomalies(js)) != "[20 38]" || !math.IsInf(js[20].Score, 1) || !math.IsInf(js[38].Score, -1) || js[20].Lo != 7 || js[20].Hi != 7 {
		t.Fatalf("flat with changes: %+v", js)
	}
	// All zeros, then a real spike: MAD 0 but one earlier non-zero point
	// gives MeanAD = 1/14, so the score is finite and large.
	z := make([]float64, 30)
	z[10], z[20] = 1, 50
	js = trailing(z, 3.5, 14)
	if fmt.Sprint(anomalies(js)) != "[10 20]" || math.IsInf(js[20].Score, 0) {
		t.Fatalf("zeros with spikes: %v", anomalies(js))
	}
}

func TestTrailingShortAndNaN(t *testing.T) {
	// Fewer than MinHistory earlier points: nothing is judged.
	if js := trailing([]float64{1, 1, 100}, 3.5, 14); len(anomalies(js)) != 0 || js[2].Judged {
		t.Fatalf("too short: %v", js)
	}
	if MinHistory(14) != 7 || MinHistory(5) != 3 || MinHistory(2) != 2 {
		t.Fatalf("MinHistory(14) = %d, (5) = %d, (2) = %d", MinHistory(14), MinHistory(5), MinHistory(2))
	}
	// NaN points are skipped, not judged and not in the baseline.
	vals := []float64{10, 11, 10, math.NaN(), 12, 11, 10, 11, 60}
	js := trailing(vals, 3.5, 14)
	if fmt.Sprint(anomalies(js)) != "[8]" || js[3].Judged {
		t.Fatalf("with NaN: %+v", js)
	}
	if len(trailing(nil, 3.5, 14)) != 0 {
		t.Fatal("empty series")
	}
}

// naiveDetect recomputes every point's score from a fresh copy of its
// trailing window with textbook median and MAD.
func naiveDetect(values []float64, window int, threshold float64) []int {
	out := []int{}
	var hist []float64
	for i, x := range values {
		if len(hist) >= MinHistory(window) {
			w := append([]float64{}, hist[max(0, len(hist)-window):]...)
			sort.Float64s(w)
			med := (w[(len(w)-1)/2] + w[len(w)/2]) / 2
			dev := make([]float64, len(w))
			sum := 0.0
			for k, v := range w {
				dev[k] = math.Abs(v - med)
				sum += dev[k]
			}
			sort.Float64s(dev)
			mad := (dev[(len(dev)-1)/2] + dev[len(dev)/2]) / 2
			var z float64
			switch {
			case x == med:
			case mad > 0:
				z = 0.6745 * (x - med) / mad
			case sum > 0:
				z = (x - med) / (1.253314 * sum / float64(len(w)))
			default:
				z = math.Inf(1)
			}
			if math.Abs(z) > threshold {
				out = append(out, i)
			}
		}
		hist = append(hist, x)
	}
	return out
}

func TestTrailingAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		n := rng.IntN(80)
		vals := make([]float64, n)
		for i := range vals {
			// Small integers make ties and MAD = 0 common.
			vals[i] = float64(rng.IntN(1 + rng.IntN(6)))
			if rng.IntN(15) == 0 {
				vals[i] += float64(rng.IntN(40))
			}
		}
		window := 1 + rng.IntN(20)
		th := 1 + 4*rng.Float64()
		if got, want := fmt.Sprint(anomalies(trailing(vals, th, window))), fmt.Sprint(naiveDetect(vals, window, th)); got != want {
			t.Fatalf("window %d threshold %.2f on %v:\n got %s\nwant %s", window, th, vals, got, want)
		}
	}
}

func TestTrailingSyntheticSpikes(t *testing.T) {
	// Daily counts around 1,000 growing 0.2% a day, with a weekly swing
	// of ±4% and ±1% uniform noise: a 40% spike or drop is found, and
	// nothing else is.
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 99))
		vals := make([]float64, 150)
		for i := range vals {
			vals[i] = 1000*(1+0.002*float64(i)) + 40*math.Sin(2*math.Pi*float64(i)/7) + 20*(rng.Float64()-0.5)
		}
		if as := anomalies(trailing(vals, 3.5, 14)); len(as) != 0 {
			t.Fatalf("seed %d: false positives on a quiet series: %v", seed, as)
		}
		spikes := []int{30 + rng.IntN(20), 70 + rng.IntN(20), 120 + rng.IntN(20)}
		vals[spikes[0]] *= 1.4
		vals[spikes[1]] *= 0.6
		vals[spikes[2]] *= 1.4
		if got := fmt.Sprint(anomalies(trailing(vals, 3.5, 14))); got != fmt.Sprint(spikes) {
			t.Fatalf("seed %d: anomalies %s, want %v", seed, got, spikes)
		}
	}
}
