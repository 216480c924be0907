package forecast

import "github.com/spoorhq/spoor/i18n"

// The titles and column names of this package's tables in Chinese, for
// the table and Markdown forms (CSV and JSON stay English).
func init() {
	i18n.Chinese.Add(map[string]string{
		"%s: no forecast": "%s：无法预测",
		"lo80":            "80%% 下限",
		"hi80":            "80%% 上限",
		"lo95":            "95%% 下限",
		"hi95":            "95%% 上限",
		"%s — past points outside their expected band (anomalies)": "%s——落在预期区间之外的历史数据点（异常）",
	})
}
