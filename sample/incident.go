package sample

import "github.com/spoorhq/spoor/i18n"

// incident is the online shop with a mobile app release gone wrong: from
// two weeks before the end, users on android with app version 3.2 can no
// longer start checkout (the button does nothing), while every other
// device and version carries on. spoor why on begin_checkout finds the
// pair; it is the planted cause of the why tests.
var incident = &Scenario{
	Name:    "incident",
	Summary: i18n.N("the online shop where android users on app 3.2 stop reaching checkout two weeks before the end"),
	TZ:      ecommerce.TZ,
	Keys:    []string{"app_version", "category", "country", "coupon", "device", "exp_checkout", "items", "page", "price", "product_id", "revenue", "utm_source"},
	user:    incidentShopper,
	weekday: ecommerce.weekday,
	hours:   ecommerce.hours,
	noSale:  true, // one cause at a time
}

// IncidentDays is how long before the end of the range the bug starts.
const IncidentDays = 14

var appVersions = choices("3.0", 0.15, "3.1", 0.3, "3.2", 0.55)

func incidentShopper(g *gen) {
	var broken bool
	setup := func(g *gen) {
		device := g.base[len(g.base)-1].Value // just set: the device
		if device == "web" {
			return
		}
		v := g.pick(appVersions)
		g.set("app_version", v)
		broken = device == "android" && v == "3.2"
	}
	from := g.stop - IncidentDays*day
	shopperWith(g, setup, func() bool { return broken && g.t >= from })
}
