package forecast

import "github.com/spoorhq/spoor/i18n"

// The titles and column names of this package's tables in Chinese, for
// the table and Markdown forms (CSV and JSON stay English).
func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			"%s: no forecast": "%s：无法预测",
		}
	})
}
