package simulate

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/vasteras/civicbus/internal/calendar"
)

// schoolKitchens is the number of school kitchens that cook (tillagningskök)
// at volume 1: about 60 in Västerås.
const schoolKitchens = 60

// supplier is the one simulated wholesaler; plainly labelled.
const supplier = "Simulerad grossist AB (fiktiv)"

// dish is the main course of a day of the simulated menu.
type dish int

const (
	dishBeef dish = iota
	dishVegetarian
	dishFish
	dishPoultry
	dishPeaSoup // ärtsoppa och pannkakor, every other Thursday
	dishPork
)

// menu is the dish of a school day: beef on Mondays, vegetarian on
// Tuesdays, fish on Wednesdays, poultry or (in even weeks) pea soup and
// pancakes on Thursdays, pork on Fridays.
func menu(d time.Time) dish {
	switch d.Weekday() {
	case time.Monday:
		return dishBeef
	case time.Tuesday:
		return dishVegetarian
	case time.Wednesday:
		return dishFish
	case time.Thursday:
		if _, w := d.ISOWeek(); w%2 == 0 {
			return dishPeaSoup
		}
		return dishPoultry
	}
	return dishPork
}

// article is a simulated article: what a portion needs of it on the days it
// is used. Prices (SEK excl. VAT) are of the order of Swedish wholesale
// prices in 2024; climate factors (kg CO2e per unit) of the order of RISE's
// food climate database. Both are approximations.
type article struct {
	id, name, category, unit string
	perPortion               float64 // units per portion
	pack                     float64 // the order is in whole packs
	price, co2, organic      float64 // SEK per unit, kg CO2e per unit, share organic
	used                     func(d time.Time) bool
}

func on(ds ...dish) func(time.Time) bool {
	return func(d time.Time) bool { return slices.Contains(ds, menu(d)) }
}

func months(ms ...time.Month) func(time.Time) bool {
	return func(d time.Time) bool { return slices.Contains(ms, d.Month()) }
}

func daily(time.Time) bool { return true }

// articles is the simulated assortment: the main courses' proteins and
// sides, milk, bread and spread every day, and seasonal vegetables (root
// vegetables and cabbage October–March, cucumber and tomato April–
// September) and fruit (Swedish apples August–November, oranges December–
// July).
var articles = []article{
	{"SIM-1001", "Nötfärs 10 % fryst", "meat", "kg", 0.055, 2.5, 95, 26, 0.3, on(dishBeef)},
	{"SIM-1002", "Fläskytterfilé", "meat", "kg", 0.06, 2.5, 85, 6, 0.2, on(dishPork)},
	{"SIM-1003", "Kycklingfilé fryst", "poultry", "kg", 0.06, 2.5, 75, 3.5, 0.1, on(dishPoultry)},
	{"SIM-1004", "Torskfilé MSC fryst", "fish", "kg", 0.07, 3, 120, 3, 0, on(dishFish)},
	{"SIM-1005", "Kikärtor kokta", "legumes", "kg", 0.07, 2.5, 28, 0.9, 0.5, on(dishVegetarian)},
	{"SIM-1006", "Gula ärtor torkade", "legumes", "kg", 0.04, 5, 22, 0.7, 0.5, on(dishPeaSoup)},
	{"SIM-1007", "Vetemjöl", "cereals", "kg", 0.03, 2, 12, 0.6, 0.3, on(dishPeaSoup)},
	{"SIM-1008", "Ägg frigående", "eggs", "pcs", 0.5, 30, 2.5, 0.2, 0.5, on(dishPeaSoup)},
	{"SIM-1009", "Potatis fast", "potatoes", "kg", 0.12, 10, 9, 0.15, 0.4, on(dishBeef, dishFish, dishPork)},
	{"SIM-1010", "Pasta penne", "cereals", "kg", 0.05, 5, 18, 1, 0.3, on(dishVegetarian)},
	{"SIM-1011", "Ris långkornigt", "cereals", "kg", 0.04, 5, 25, 2.5, 0.2, on(dishPoultry)},
	{"SIM-1012", "Mjölk 1,5 % bag-in-box", "dairy", "l", 0.15, 10, 11, 1.2, 0.8, daily},
	{"SIM-1013", "Matbröd skivat", "cereals", "kg", 0.03, 1, 40, 0.9, 0.2, daily},
	{"SIM-1014", "Bordsmargarin", "fats", "kg", 0.006, 1, 45, 1.5, 0, daily},
	{"SIM-1020", "Morötter", "vegetables", "kg", 0.03, 5, 12, 0.2, 0.5, months(10, 11, 12, 1, 2, 3)},
	{"SIM-1021", "Vitkål", "vegetables", "kg", 0.02, 5, 14, 0.3, 0.3, months(10, 11, 12, 1, 2, 3)},
	{"SIM-1022", "Gurka", "vegetables", "kg", 0.025, 2, 30, 1, 0.3, months(4, 5, 6, 7, 8, 9)},
	{"SIM-1023", "Tomat", "vegetables", "kg", 0.02, 2, 35, 1.2, 0.3, months(4, 5, 6, 7, 8, 9)},
	{"SIM-1030", "Äpplen svenska", "fruit", "kg", 0.02, 5, 22, 0.3, 0.4, months(8, 9, 10, 11)},
	{"SIM-1031", "Apelsiner", "fruit", "kg", 0.02, 5, 20, 0.6, 0.3, months(12, 1, 2, 3, 4, 5, 6, 7)},
}

// deliveryPatterns are the weekdays a kitchen gets goods; each kitchen has
// one.
var deliveryPatterns = [][]time.Weekday{
	{time.Monday, time.Wednesday, time.Friday},
	{time.Monday, time.Thursday},
	{time.Tuesday, time.Thursday},
	{time.Monday, time.Tuesday, time.Thursday},
}

// kitchen is a simulated school kitchen.
type kitchen struct {
	place
	portions float64 // lunches on a school day, before absence
	days     []time.Weekday
}

// purchases is the meal-purchases scenario.
type purchases struct {
	p        params
	kitchens []kitchen
}

func newPurchases(p params) *purchases { return &purchases{p: p, kitchens: kitchensOf(p)} }

// kitchensOf is the simulated school kitchens: their number scaled by
// volume, their size and delivery days drawn by the seed.
func kitchensOf(p params) []kitchen {
	var out []kitchen
	for _, pl := range spread("sim-kok", max(1, int(math.Round(schoolKitchens*p.volume)))) {
		r := newRNG(p.seed, "kitchen", pl.id)
		out = append(out, kitchen{place: pl,
			portions: min(1100, max(120, 350*math.Exp(0.35*r.NormFloat64()))),
			days:     deliveryPatterns[r.IntN(len(deliveryPatterns))]})
	}
	return out
}

// planned is the lunches a kitchen prepares for, and orders for, on a
// school day: 92 % of its pupils.
func (k kitchen) planned() int { return int(math.Round(k.portions * 0.92)) }

// served is the lunches a kitchen serves on school day d, and how many of
// them are special diets: 82–96 % of its pupils eat (absence, pupils who
// skip lunch; three points fewer on Fridays), 5–9 % of them special diets.
func (k kitchen) served(seed int64, d time.Time) (lunches, special int) {
	r := newRNG(seed, "lunch", k.id, d.Format(time.DateOnly))
	share := r.between(0.82, 0.96)
	if d.Weekday() == time.Friday {
		share -= 0.03
	}
	lunches = int(math.Round(k.portions * share))
	return lunches, int(math.Round(float64(lunches) * r.between(0.05, 0.09)))
}

// day returns the order lines placed on o: kitchens order on workdays, two
// workdays before each delivery; deliveries come on a kitchen's delivery
// weekdays when they are school days, and cover the school days until the
// next delivery.
func (ps *purchases) day(o time.Time) []item {
	if !calendar.Workday(o) {
		return nil
	}
	var out []item
	for _, k := range ps.kitchens {
		for ahead := 1; ahead <= 7; ahead++ {
			d := addDays(o, ahead)
			if k.delivers(d) && orderDay(d).Equal(o) {
				out = append(out, ps.order(k, o, d)...)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b item) int {
		if n := a.at.Compare(b.at); n != 0 {
			return n
		}
		return strings.Compare(a.key, b.key)
	})
	return out
}

func (k kitchen) delivers(d time.Time) bool {
	return slices.Contains(k.days, d.Weekday()) && schoolDay(d)
}

// orderDay is two workdays before d.
func orderDay(d time.Time) time.Time {
	for n := 0; n < 2; {
		d = addDays(d, -1)
		if calendar.Workday(d) {
			n++
		}
	}
	return d
}

// order is the lines of kitchen k's order placed on o for delivery on d.
func (ps *purchases) order(k kitchen, o, d time.Time) []item {
	r := newRNG(ps.p.seed, "order", k.id, d.Format(time.DateOnly))
	at := o.Add(8*time.Hour + time.Duration(r.IntN(6*3600))*time.Second)
	need := make([]float64, len(articles))
	for day := d; ; {
		for i, a := range articles {
			if a.used(day) {
				need[i] += a.perPortion * float64(k.planned())
			}
		}
		if day = nextSchoolDay(day); day.IsZero() || k.delivers(day) {
			break
		}
	}
	orderID := fmt.Sprintf("SIM-PO-%s-%s", strings.TrimPrefix(k.id, "sim-"), d.Format("20060102"))
	var out []item
	for i, a := range articles {
		if need[i] == 0 {
			continue
		}
		qty := round(need[i]*(1+0.08*r.NormFloat64()), a.pack)
		organic := r.chance(a.organic)
		price := a.price * (1 + 0.03*r.NormFloat64())
		if organic {
			price *= 1.25
		}
		line := int64(len(out) + 1)
		out = append(out, item{at: at, key: fmt.Sprintf("%s/%d", orderID, line), fields: map[string]any{
			"order_id": orderID, "line_no": line, "kitchen_id": k.id, "district": districts[k.district].name,
			"ordered_at": rfc(at), "delivery_date": d.Format(time.DateOnly), "supplier": supplier,
			"article_id": a.id, "article_name": a.name, "category": a.category, "quantity": qty, "unit": a.unit,
			"amount_sek": cents(qty * price), "organic": organic, "co2e_kg": cents(qty * a.co2),
		}})
	}
	return out
}

// nextSchoolDay is the first school day after d within three weeks; zero
// when there is none (the summer break).
func nextSchoolDay(d time.Time) time.Time {
	for n := 1; n <= 21; n++ {
		if e := addDays(d, n); schoolDay(e) {
			return e
		}
	}
	return time.Time{}
}

func cents(x float64) float64 { return math.Round(x*100) / 100 }
