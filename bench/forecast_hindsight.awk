# Hindsight bounds for bench/forecast_accuracy.sh: how low a forecast's
# backtest MASE could go if it knew each held-out window in advance.
# Input: the series, one value per line (complete intervals only); -v m=
# the seasonal period, -v h= the horizon. The origins, horizons and MASE
# scale are forecast.RollingOrigin's. Prints:
#   naive_mase  seasonal naive's MASE on those points (as the backtest's)
#   constant    MASE of the best constant for each window (its median),
#               chosen after seeing the window
#   profile     MASE of the mean of all earlier seasons at each position
#               (the weekly or daily profile), times the factor in
#               0.20..2.99 that fits each window best, chosen after seeing it
#   points
{ y[n++] = $1 + 0 }
function abs(x) { return x < 0 ? -x : x }
# A median of a[0..k-1] (sorted in place): the upper middle value; for an
# even k any value between the two middles has the same absolute error.
function med(a, k,   i, j, t) {
  for (i = 1; i < k; i++) { t = a[i]; for (j = i - 1; j >= 0 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
  return a[int(k/2)]
}
END {
  first = 2 * (m > 2 ? m : 2) + m
  third = int(n / 3); if (3 * m > third) third = 3 * m
  if (n - third > first) first = n - third
  stride = int((n - first + 29) / 30); if (stride < 1) stride = 1
  for (o = first; o < n; o += stride) {
    s = 0; c = 0
    for (t = m; t < o; t++) { s += abs(y[t] - y[t-m]); c++ }
    scale = s / c
    if (scale == 0) continue
    k = 0; delete a
    for (j = 0; j < h && o + j < n; j++) a[k++] = y[o+j]
    v = med(a, k)
    for (j = 0; j < k; j++) {
      s = 0; c = 0
      for (q = 1; (i = o + j - m * (int(j / m) + q)) >= 0; q++) { s += y[i]; c++ }
      pr[j] = s / c
    }
    best = -1
    for (fi = 20; fi < 300; fi++) {
      e = 0
      for (j = 0; j < k; j++) e += abs(y[o+j] - fi / 100 * pr[j])
      if (best < 0 || e < best) best = e
    }
    for (j = 0; j < k; j++) {
      sc += abs(y[o+j] - v) / scale
      sn += abs(y[o+j] - y[o + j - m * (int(j / m) + 1)]) / scale
      pts++
    }
    sp += best / scale
  }
  if (pts) printf "%.3f %.3f %.3f %d\n", sn / pts, sc / pts, sp / pts, pts
}
