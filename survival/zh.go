package survival

import "github.com/spoorhq/spoor/i18n"

func init() {
	i18n.Chinese.Add(func() map[string]string {
		return map[string]string{
			"survival needs a start event and a target event": "生存分析需要一个起始事件和一个目标事件",
		}
	})
}
