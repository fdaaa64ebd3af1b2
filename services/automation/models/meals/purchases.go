package meals

import (
	"math"

	"github.com/vasteras/civicbus/schemas"
)

// KgPerPortion estimates kilograms per portion by ingredient group from one
// period's purchases (meals.purchase.v1) and portions
// (meals.portions-served.v1) of the same kitchens: the kilograms bought per
// group over the portions planned (served where a row has no plan). Litres
// count as kilograms (milk); pieces are left out, as are kitchens found in
// only one of the two. The result is Input.KgPerPortion; nil when there
// are no portions. Groups are averaged over the period's menus, so a
// proposal for one day is the period's average mix, not that day's dish.
func KgPerPortion(purchases []schemas.Purchase, portions []schemas.PortionsServed) map[schemas.PurchaseCategory]float64 {
	bought := map[string]bool{}
	for _, p := range purchases {
		bought[p.KitchenID] = true
	}
	perKitchen := map[string]bool{}
	total := 0.0
	for _, p := range portions {
		if !bought[p.KitchenID] {
			continue
		}
		perKitchen[p.KitchenID] = true
		if p.PlannedPortions != nil {
			total += float64(*p.PlannedPortions)
		} else {
			total += float64(p.Portions)
		}
	}
	if total == 0 {
		return nil
	}
	out := map[schemas.PurchaseCategory]float64{}
	for _, p := range purchases {
		if !perKitchen[p.KitchenID] || p.Unit == schemas.QuantityPieces {
			continue
		}
		g := p.Category
		if g == "" {
			g = schemas.PurchaseOther
		}
		out[g] += p.Quantity
	}
	for g, kg := range out {
		out[g] = math.Round(kg/total*10000) / 10000
	}
	return out
}
