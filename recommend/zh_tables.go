package recommend

import "github.com/spoorhq/spoor/i18n"

// The titles and column names of this package's tables in Chinese, for
// the table and Markdown forms (CSV and JSON stay English).
func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			"lift": "提升",
			"Leave-last-item-out on %s: %d users tested of %d, %d items; the hidden item among the top %d": "按 %s 留出最后一个商品评估：%[3]d 个用户中测试了 %[2]d 个，%[4]d 个商品；看隐藏的商品是否在前 %[5]d 名",
			"method":                             "方法",
			"hits":                               "命中数",
			"Top %d %s per user by %s, %d users": "每个用户的前 %d 个 %s（方法 %s），%d 个用户",
			"; items bought (%s) left out":       "；已排除买过的商品（%s）",
			"Items %s together (%d baskets)":     "共同出现的商品（%s，%d 个购物篮）",
			"support":                            "支持度",
			"confidence":                         "置信度",
			"similarity":                         "相似度",
			"item":                               "商品",
			"other":                              "关联商品",
			"together":                           "共同出现",
		}
	})
}
