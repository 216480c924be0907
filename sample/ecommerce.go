package sample

import (
	"fmt"
	"math"
	"math/rand"
	"sync"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/store"
)

// ecommerce is an online shop: sessions of browsing, item views, carts,
// checkouts and purchases, with coupons, an A/B test on the checkout page
// (exp_checkout), acquisition channels, devices, repeat buyers and churners.
var ecommerce = &Scenario{
	Name:    "ecommerce",
	Summary: i18n.N("online shop: session_start → page_view → view_item → add_to_cart → begin_checkout → purchase"),
	TZ:      "UTC",
	Keys:    []string{"category", "country", "coupon", "device", "exp_checkout", "items", "page", "price", "product_id", "revenue", "utm_source"},
	user:    shopper,
	// Shoppers browse more at the weekend.
	weekday: [7]float64{1.25, 0.9, 0.85, 0.85, 0.9, 1.0, 1.3},
	hours: [2][24]float64{
		{0.3, 0.15, 0.1, 0.1, 0.1, 0.2, 0.5, 1, 1.4, 1.5, 1.5, 1.7, 2.2, 2, 1.6, 1.5, 1.6, 1.9, 2.3, 2.8, 3, 2.8, 2, 1},
		{0.6, 0.3, 0.2, 0.1, 0.1, 0.2, 0.3, 0.6, 1.1, 1.7, 2.2, 2.4, 2.4, 2.3, 2.3, 2.3, 2.3, 2.4, 2.5, 2.7, 2.8, 2.5, 1.8, 1.1},
	},
}

var (
	shopDevices  = choices("ios", 0.38, "android", 0.32, "web", 0.30)
	shopChannels = choices("organic", 0.34, "google", 0.24, "facebook", 0.14, "email", 0.10, "tiktok", 0.12, "referral", 0.06)
	shopCountry  = choices("US", 0.38, "GB", 0.12, "DE", 0.11, "FR", 0.08, "CN", 0.10, "JP", 0.08, "BR", 0.07, "IN", 0.06)
	shopPages    = choices("home", 0.45, "category", 0.30, "search", 0.15, "deals", 0.10)
	shopCoupons  = choices("SAVE10", 0.5, "WELCOME15", 0.3, "FREESHIP", 0.2)
	shopVariants = []any{"control", "treatment"}
)

var couponDiscount = map[string]float64{"SAVE10": 0.10, "WELCOME15": 0.15, "FREESHIP": 0.03}

type product struct {
	id, category any
	price        float64
	boxedPrice   any
}

// catalog is fixed (its own seed), so a product id always means the same
// category and price whatever the run's seed. Earlier products are the
// popular ones. Built on first use, not in every command's start.
var catalog = sync.OnceValue(func() []product {
	cats := []struct {
		name     string
		lo, hi   float64
		products int
	}{
		{"electronics", 20, 900, 60}, {"fashion", 12, 160, 80}, {"home", 8, 300, 60},
		{"beauty", 6, 90, 40}, {"sports", 10, 250, 40}, {"books", 5, 45, 40},
	}
	r := rand.New(rand.NewSource(7))
	var out []product
	for _, c := range cats {
		for i := 0; i < c.products; i++ {
			// Log-uniform prices: many cheap items, a few expensive ones.
			p := math.Round(c.lo*math.Pow(c.hi/c.lo, r.Float64())) - 0.01
			out = append(out, product{category: c.name, price: p, boxedPrice: p})
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	for i := range out {
		out[i].id = fmt.Sprintf("p%04d", i+1)
	}
	return out
})

// shopper generates one customer: acquired on some day through a channel,
// then sessions whose spacing depends on how engaged they are and stretches
// out over time until they churn.
func shopper(g *gen) { shopperWith(g, nil, nil) }

// shopperWith is shopper with a scenario's own user properties (setup,
// called once the device is known) and a broken checkout: while broken
// reports true a session ends before begin_checkout.
func shopperWith(g *gen, setup func(*gen), broken func() bool) {
	g.set("country", g.pick(shopCountry))
	g.set("device", g.pick(shopDevices))
	if setup != nil {
		setup(g)
	}
	variant := shopVariants[g.r.Intn(2)]
	g.set("exp_checkout", variant)
	treatment := variant == "treatment"

	var meanGap, churn, buyer float64
	switch x := g.r.Float64(); {
	case x < 0.18: // loyal regulars
		meanGap, churn, buyer = 3, 0.06, 1.4
	case x < 0.6:
		meanGap, churn, buyer = 8, 0.22, 1
	default: // one-visit wonders
		meanGap, churn, buyer = 12, 0.65, 0.7
	}
	// The June 18 ("618") sale brings a burst of bargain hunters from a
	// promotion: a spike for trend alerts to find, and users who rarely
	// come back.
	if !g.sc.noSale && g.chance(0.05) && g.onDay(2026, time.June, 18) {
		g.set("utm_source", "promo_618")
		meanGap, churn, buyer = 14, 0.75, 1.2
	} else {
		g.set("utm_source", g.pick(shopChannels))
	}
	refundDue := false
	for g.alive() {
		if refundDue {
			refundDue = false
			if !g.event("refund") {
				return
			}
			g.wait(20*second, 1)
		}
		bought, ok := shopSession(g, treatment, buyer, broken)
		if !ok {
			return
		}
		if bought && g.chance(0.05) {
			refundDue = true
		}
		if g.chance(churn) {
			return
		}
		// Retention decays: each visit makes the next one a little later
		// and a little less likely.
		g.later(meanGap)
		meanGap *= 1.15
		churn = min(churn*1.1, 0.9)
	}
}

// shopSession is one visit; it reports whether it ended in a purchase.
func shopSession(g *gen, treatment bool, buyer float64, broken func() bool) (bought, ok bool) {
	if !g.event("session_start") {
		return false, false
	}
	g.wait(4*second, 0.6)
	for n := 1 + geometric(g, 0.45); n > 0; n-- {
		if !g.event("page_view", store.Prop{Key: "page", Value: g.pick(shopPages)}) {
			return false, false
		}
		g.wait(25*second, 1)
	}
	if !g.chance(0.78) {
		return false, true
	}
	var cart []*product
	products := catalog()
	for n := 1 + geometric(g, 0.4); n > 0; n-- {
		p := &products[int(float64(len(products))*math.Pow(g.r.Float64(), 2.2))]
		if !g.event("view_item", store.Prop{Key: "category", Value: p.category}, store.Prop{Key: "price", Value: p.boxedPrice}, store.Prop{Key: "product_id", Value: p.id}) {
			return false, false
		}
		g.wait(40*second, 0.9)
		if g.chance(0.27 * buyer) {
			if !g.event("add_to_cart", store.Prop{Key: "category", Value: p.category}, store.Prop{Key: "price", Value: p.boxedPrice}, store.Prop{Key: "product_id", Value: p.id}) {
				return false, false
			}
			cart = append(cart, p)
			g.wait(30*second, 1)
		}
	}
	if len(cart) == 0 || !g.chance(min(0.5*buyer, 0.85)) || broken != nil && broken() {
		return false, true
	}
	g.wait(90*second, 1)
	total := 0.0
	for _, p := range cart {
		total += p.price
	}
	var coupon any
	if g.chance(0.22) {
		coupon = g.pick(shopCoupons)
	}
	// Some shoppers leave at checkout and come back to it minutes later, so
	// they start the last funnel steps twice.
	for attempt := 0; attempt < 3; attempt++ {
		props := []store.Prop{{Key: "items", Value: int64(len(cart))}}
		if coupon != nil {
			props = append(props, store.Prop{Key: "coupon", Value: coupon})
		}
		if !g.event("begin_checkout", props...) {
			return false, false
		}
		g.wait(2*minute, 0.8)
		// The experiment: the new checkout page converts a bit better.
		p := 0.56
		if treatment {
			p = 0.64
		}
		if coupon != nil {
			p += 0.1
		}
		if g.chance(p) {
			revenue := total
			if coupon != nil {
				revenue *= 1 - couponDiscount[coupon.(string)]
			}
			props = append(props, store.Prop{Key: "revenue", Value: math.Round(revenue*100) / 100})
			return true, g.event("purchase", props...)
		}
		if !g.chance(0.3) {
			break
		}
		g.wait(6*minute, 1)
	}
	return false, true
}

// geometric draws the number of failures before a success of chance p.
func geometric(g *gen, p float64) int {
	n := 0
	for !g.chance(p) && n < 50 {
		n++
	}
	return n
}
