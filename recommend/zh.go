package recommend

import "github.com/spoorhq/spoor/i18n"

func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			"nothing to evaluate: no user has two items or more in a row (each test hides a user's last item and asks for it from the ones before)": "无法评估：没有用户连续有两个或以上的物品（每次测试隐去用户的最后一个物品，再用之前的物品去预测它）",
			"name the item property with --item (e.g. --item product_id; spoor props lists the keys)":                                               "请用 --item 指定物品属性（例如 --item product_id；spoor props 可列出属性名）",
			"--item: %w": "--item：%w",
			"--buy: %w":  "--buy：%w",
			"--buy %s: no %s event carries %s, so no item counts as bought; name the event that does (spoor props EVENT lists the keys an event carries)": "--buy %s：没有 %s 事件带 %s，因此没有物品算作已购买；请指定带该属性的事件（spoor props EVENT 可列出事件带的属性）",
			"unknown method %q: use item, sknn or popular": "未知的推荐方法 %q：可用 item、sknn 或 popular",
			"no event in the range carries %s: nothing to learn from (check --item, the date range and --where; spoor props lists the keys)": "时间范围内没有事件带 %s：没有可学习的数据（请检查 --item、时间范围和 --where；spoor props 可列出属性名）",
			"every event in the range with %s has the same value (%s): recommendations need two items or more":                               "时间范围内带 %s 的事件取值都相同（%s）：推荐至少需要两个物品",
			"--co bought: no buy event carries %s; name it with --buy EVENT":                                                                 "--co bought：没有购买事件带 %s；请用 --buy EVENT 指定",
			"--co %q: use viewed (in one session) or bought (by one user)":                                                                   "--co %q：可用 viewed（同一会话内浏览）或 bought（同一用户购买）",
			"no basket holds %s = %s": "没有购物篮包含 %s = %s",
		}
	})
}
