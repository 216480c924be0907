package sample

import (
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/store"
)

// saas is a B2B reporting tool with a 14-day trial: sign up, activate by
// creating a first project, invite teammates, upgrade — or let the trial
// expire and fade away. Paying teams get a monthly invoice; some of them
// use the product less and less and then cancel.
var saas = &Scenario{
	Name:    "saas",
	Summary: i18n.N("B2B tool with a trial: sign_up → create_project → invite_teammate → upgrade"),
	TZ:      "UTC",
	Keys:    []string{"company_size", "plan", "platform", "revenue", "template", "utm_source"},
	user:    trialist,
	// Work software: quiet weekends, office hours.
	weekday: [7]float64{0.25, 1, 1.05, 1.05, 1, 0.85, 0.3},
	hours: [2][24]float64{
		{0.1, 0.05, 0.05, 0.05, 0.1, 0.2, 0.5, 1.2, 2.5, 3.5, 3.6, 3.4, 2.4, 3, 3.4, 3.3, 3, 2.4, 1.4, 0.9, 0.8, 0.6, 0.4, 0.2},
		{0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.2, 0.4, 0.8, 1.2, 1.4, 1.4, 1.2, 1.2, 1.2, 1.1, 1, 1, 0.9, 0.9, 0.9, 0.8, 0.5, 0.3},
	},
}

var (
	saasSizes     = choices("1-10", 0.45, "11-50", 0.30, "51-200", 0.17, "201+", 0.08)
	saasPlatforms = choices("web", 0.7, "desktop", 0.22, "mobile", 0.08)
	saasChannels  = choices("google", 0.3, "organic", 0.25, "linkedin", 0.15, "referral", 0.15, "producthunt", 0.1, "partner", 0.05)
	saasTemplates = choices("blank", 0.35, "sales", 0.25, "marketing", 0.2, "finance", 0.12, "product", 0.08)
	sizeFactor    = map[any]float64{"1-10": 0.8, "11-50": 1.1, "51-200": 1.4, "201+": 1.6}
	planPrice     = map[any]float64{"pro": 29, "team": 99}
)

const trialDays = 14

func trialist(g *gen) {
	size := g.pick(saasSizes)
	g.set("company_size", size)
	g.set("plan", "trial")
	g.set("platform", g.pick(saasPlatforms))
	g.set("utm_source", g.pick(saasChannels))
	signup := g.t
	if !g.event("sign_up") {
		return
	}
	expiry := signup + trialDays*day
	plan := any("trial")
	var nextInvoice int64

	// catchUp emits what the calendar does on its own — the trial ending,
	// monthly invoices — between the last visit and the next one.
	catchUp := func(until int64) {
		visit := g.t
		if plan == "trial" && expiry <= until {
			g.t = expiry
			g.event("trial_expired")
			plan = "free"
			g.set("plan", plan)
		}
		for nextInvoice > 0 && nextInvoice <= until && (plan == "pro" || plan == "team") {
			g.t = nextInvoice
			g.event("invoice_paid", store.Prop{Key: "revenue", Value: planPrice[plan]})
			nextInvoice += 30 * day
		}
		g.t = visit
	}

	activated := g.chance(0.62 * sizeFactor[size] / 1.05)
	if !activated {
		// A look around, one or two returns, then nothing: the trial
		// still expires on its own.
		for n := g.r.Intn(3); n > 0 && g.alive(); n-- {
			g.later(2)
			if !g.event("login") {
				break
			}
		}
		if g.t < expiry && expiry < g.stop {
			g.t = expiry
			g.event("trial_expired")
		}
		return
	}
	if g.chance(0.7) {
		g.wait(4*minute, 1)
	} else {
		g.later(1.5)
		catchUp(g.t)
		g.event("login")
		g.wait(2*minute, 1)
	}
	if !g.event("create_project", store.Prop{Key: "template", Value: g.pick(saasTemplates)}) {
		return
	}
	invites := 0
	meanGap := 1.3
	declining := 0 // > 0: sessions left before a paying team cancels
	for g.alive() {
		g.later(meanGap)
		catchUp(g.t)
		if !g.alive() {
			return
		}
		if !saasSession(g, plan, &invites) {
			return
		}
		switch plan {
		case "trial":
			p := (0.04 + 0.07*float64(invites)) * sizeFactor[size]
			if g.t < expiry && g.chance(p) {
				plan = "pro"
				if invites >= 2 || size == "51-200" || size == "201+" {
					plan = "team"
				}
				g.wait(3*minute, 1)
				g.set("plan", plan)
				if !g.event("upgrade", store.Prop{Key: "revenue", Value: planPrice[plan]}) {
					return
				}
				nextInvoice = g.t + 30*day
			}
		case "free":
			// Usage decays after the trial; most never come back.
			meanGap *= 1.35
			if g.chance(0.22) {
				return
			}
		default:
			if declining == 0 && g.chance(0.015) {
				declining = 3 + g.r.Intn(4)
			}
			if declining > 0 {
				// Usage decay before churn: visits thin out, then cancel.
				meanGap *= 1.6
				declining--
				if declining == 0 {
					g.wait(5*minute, 1)
					g.event("cancel_subscription")
					return
				}
			}
		}
	}
}

// saasSession is one working session.
func saasSession(g *gen, plan any, invites *int) bool {
	if !g.event("login") {
		return false
	}
	g.wait(90*second, 1)
	for n := geometric(g, 0.4); n > 0; n-- {
		if !g.event("create_report", store.Prop{Key: "template", Value: g.pick(saasTemplates)}) {
			return false
		}
		g.wait(6*minute, 1)
	}
	if g.chance(0.2) {
		if !g.event("share_dashboard") {
			return false
		}
		g.wait(1*minute, 1)
	}
	if plan != "free" && *invites < 4 && g.chance(0.14) {
		*invites++
		if !g.event("invite_teammate") {
			return false
		}
	}
	return true
}
