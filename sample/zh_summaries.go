package sample

import "github.com/spoorhq/spoor/i18n"

// The scenarios' summaries in Chinese (spoor sample -h lists them).
func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			"online shop: session_start → page_view → view_item → add_to_cart → begin_checkout → purchase":   "网店：session_start → page_view → view_item → add_to_cart → begin_checkout → purchase",
			"B2B tool with a trial: sign_up → create_project → invite_teammate → upgrade":                    "带试用期的 B2B 工具：sign_up → create_project → invite_teammate → upgrade",
			"online tutoring (Chinese names): 试听课 → 注册 → 首次付费 → 续费":                                          "在线辅导（中文事件名）：试听课 → 注册 → 首次付费 → 续费",
			"the online shop where android users on app 3.2 stop reaching checkout two weeks before the end": "同一家网店，但 3.2 版应用的 android 用户在结束前两周开始无法进入结账",
		}
	})
}
