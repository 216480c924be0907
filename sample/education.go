package sample

import (
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/store"
)

// education is a Chinese online tutoring business, with Chinese event names
// and property values: parents browse courses, book a trial lesson, sign
// up, buy a first package of lessons, attend weekly and renew — or not.
var education = &Scenario{
	Name:    "education",
	Summary: i18n.N("online tutoring (Chinese names): 试听课 → 注册 → 首次付费 → 续费"),
	TZ:      "Asia/Shanghai",
	Keys:    []string{"channel", "city", "course", "package", "revenue", "teacher"},
	user:    learner,
	// Lessons happen after school on weekdays and all day at the weekend.
	weekday: [7]float64{1.5, 0.75, 0.7, 0.75, 0.7, 0.8, 1.6},
	hours: [2][24]float64{
		{0.05, 0.02, 0.02, 0.02, 0.02, 0.05, 0.2, 0.5, 0.4, 0.4, 0.5, 0.6, 1, 0.8, 0.6, 0.6, 0.9, 1.6, 2.8, 3.6, 3.4, 2.2, 1, 0.3},
		{0.05, 0.02, 0.02, 0.02, 0.02, 0.05, 0.2, 0.7, 1.8, 2.6, 2.7, 2, 1.2, 1.6, 2.4, 2.6, 2.4, 2, 1.8, 2, 1.8, 1.2, 0.6, 0.2},
	},
}

const (
	eduBrowse   = "浏览课程"
	eduTrial    = "试听课"
	eduSignUp   = "注册"
	eduFirstPay = "首次付费"
	eduLesson   = "上课"
	eduHomework = "完成作业"
	eduRenew    = "续费"
)

var (
	eduCities   = choices("北京", 0.22, "上海", 0.22, "广州", 0.16, "深圳", 0.16, "杭州", 0.12, "成都", 0.12)
	eduChannels = choices("抖音", 0.3, "微信", 0.28, "小红书", 0.17, "百度", 0.1, "转介绍", 0.15)
	eduCourses  = choices("少儿英语", 0.4, "数学思维", 0.3, "编程", 0.18, "书法", 0.12)
	eduTeachers = choices("王老师", 0.25, "李老师", 0.25, "张老师", 0.2, "刘老师", 0.15, "陈老师", 0.15)
	eduPackages = []struct {
		name    any
		lessons int
		price   float64
		weight  float64
	}{{"8课时", 8, 1588, 0.35}, {"12课时", 12, 2388, 0.35}, {"24课时", 24, 4488, 0.2}, {"48课时", 48, 8388, 0.1}}
)

func learner(g *gen) {
	g.set("channel", g.pick(eduChannels))
	g.set("city", g.pick(eduCities))
	g.set("course", g.pick(eduCourses))
	for n := 1 + geometric(g, 0.55); n > 0; n-- {
		if !g.event(eduBrowse) {
			return
		}
		g.wait(2*minute, 1)
	}
	if !g.chance(0.72) {
		return
	}
	g.later(1.5)
	teacher := g.pick(eduTeachers)
	if !g.event(eduTrial, store.Prop{Key: "teacher", Value: teacher}) {
		return
	}
	// Some families try a second teacher before deciding.
	if g.chance(0.18) {
		g.later(3)
		teacher = g.pick(eduTeachers)
		if !g.event(eduTrial, store.Prop{Key: "teacher", Value: teacher}) {
			return
		}
	}
	if !g.chance(0.62) {
		return
	}
	g.wait(2*hour, 1.2)
	if !g.event(eduSignUp) {
		return
	}
	if !g.chance(0.52) {
		return
	}
	g.later(2.5)
	dropout := 0.02
	for renewal := 0; g.alive(); renewal++ {
		x := g.r.Float64()
		pk := eduPackages[len(eduPackages)-1]
		for _, p := range eduPackages {
			if x < p.weight {
				pk = p
				break
			}
			x -= p.weight
		}
		name := eduFirstPay
		if renewal > 0 {
			name = eduRenew
		}
		if !g.event(name, store.Prop{Key: "package", Value: pk.name}, store.Prop{Key: "revenue", Value: pk.price}) {
			return
		}
		for l := 0; l < pk.lessons; l++ {
			g.later(2.2)
			if !g.event(eduLesson, store.Prop{Key: "teacher", Value: teacher}) {
				return
			}
			if g.chance(0.68) {
				// Homework is done the same evening or on a later day,
				// at a waking hour.
				g.later(0.4)
				if !g.event(eduHomework) {
					return
				}
			} else {
				// Skipped homework is an early sign of dropping out.
				dropout *= 1.25
			}
			if g.chance(dropout) {
				return
			}
		}
		if !g.chance(0.6) {
			return
		}
		g.wait(1*day, 1)
	}
}
