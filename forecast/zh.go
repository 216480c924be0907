package forecast

import "github.com/spoorhq/spoor/i18n"

func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			"%d intervals since %s, after %d or more with no event; a forecast needs at least %d (two seasons of %d)": "自 %[2]s 起只有 %[1]d 个区间（此前连续 %[3]d 个以上区间没有事件）；预测至少需要 %[4]d 个（%[5]d 的两个周期）",
			"series too short":                           "序列太短",
			"%w: %d points, need %d (two seasons of %d)": "%w：只有 %d 个点，需要 %d 个（%d 的两个周期）",
			"%w: %d points":                              "%w：只有 %d 个点",
			"%d intervals of history; a forecast needs at least %d (two seasons of %d) — widen the range": "历史只有 %d 个区间；预测至少需要 %d 个（%d 的两个周期）——请扩大时间范围",
			"%s; fitted on the history from %s on (after a break in the series)":                          "%s；只用 %s 起的历史拟合（此前序列发生了结构变化）",
			"%s; no weekday pattern: %s days of hours, under the three weeks it needs":                    "%s；未建模星期规律：只有 %s 天的小时数据，不足所需的三周",
			"%s: no forecast": "%s：无法预测",
			"reason":          "原因",
			"%s — %s; %s":     "%s — %s；%s",
			"forecast":        "预测",
			"lo80":            "80%% 下限",
			"hi80":            "80%% 上限",
			"lo95":            "95%% 下限",
			"hi95":            "95%% 上限",
			"%s — past points outside their expected band (anomalies)": "%s — 超出预期区间的历史点（异常）",
			"value":                                  "值",
			"expected":                               "预期值",
			"lo":                                     "下限",
			"hi":                                     "上限",
			"detector":                               "检测方法",
			"%s; recording gap, left out as missing": "%s；记录缺口，按缺失处理",
			"%s (%s)":                                "%s（%s）",
			"too little history for a backtest":      "历史数据太少，无法回测",
			"%s; %d missing held-out intervals not scored": "%s；%d 个缺失的留出区间未计分",
			"backtest MASE %s (MAE %s× seasonal naive's), 80%% interval held %s%% and 95%% held %s%% of %d points (%d origins, up to %d ahead)": "回测 MASE %s（MAE 为季节性朴素预测的 %s 倍），80%% 区间覆盖了 %s%%、95%% 区间覆盖了 %s%%，共 %d 个点（%d 个起点，最多向前 %d 步）",
			"backtest MASE %s, 80%% interval held %s%% and 95%% held %s%% of %d points (%d origins, up to %d ahead)":                            "回测 MASE %s，80%% 区间覆盖了 %s%%、95%% 区间覆盖了 %s%%，共 %d 个点（%d 个起点，最多向前 %d 步）",
			"--horizon %d is out of range (use 1 to %d)":             "--horizon %d 超出范围（请用 1 到 %d）",
			"left out the partly covered first %s %s and last %s %s": "已略去数据不完整的第一期（%[2]s）和最后一期（%[4]s）",
			"left out the partly covered first %s %s":                "已略去数据不完整的第一期（%[2]s）",
			"left out the partly covered last %s %s":                 "已略去数据不完整的最后一期（%[2]s）",
			// words.go
			"seasonal naive":                                         "季节性朴素预测",
			"naive with drift":                                       "带漂移的朴素预测",
			"seasonal median of up to %d seasons":                    "最多 %d 个周期的季节性中位数",
			"%s of the seasonally adjusted log(1+y)":                 "%s（季节调整后的 log(1+y)）",
			"%s of the seasonally adjusted series":                   "%s（季节调整后）",
			"%s of log(1+y) adjusted for the hour and the weekday":   "%s（按小时和星期调整后的 log(1+y)）",
			"%s of the series adjusted for the hour and the weekday": "%s（按小时和星期调整后）",
			"%s of log(1+y)":                                         "%s（log(1+y)）",
			"mean of %s":                                             "平均：%s",
			"trailing (detector)":                                    "近期窗口",
		}
	})
	// Keys that tell two uses of one English word apart.
	i18n.English.Add(func() map[string]string {
		return map[string]string{
			"trailing (detector)": "trailing",
		}
	})
}
