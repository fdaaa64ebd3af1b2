package schemas

import "time"

// School and elderly-care meals: what is on the menu, how many portions were
// served, how much was wasted (matsvinn) and what was bought. Kitchens are
// identified by the meal-planning system's kitchen id. No personal data.

// Meal is a meal of the day (måltid).
type Meal string

// The meals of the day.
const (
	MealBreakfast Meal = "breakfast"
	MealLunch     Meal = "lunch"
	MealSnack     Meal = "snack"
	MealDinner    Meal = "dinner"
)

// EnumValues lists every Meal value, in schema order.
func (Meal) EnumValues() []string {
	return enumValues(MealBreakfast, MealLunch, MealSnack, MealDinner)
}

// CourseKind says whom a course on the menu is for.
type CourseKind string

// The course kinds.
const (
	CourseStandard    CourseKind = "standard"
	CourseVegetarian  CourseKind = "vegetarian"
	CourseSpecialDiet CourseKind = "special-diet"
)

// EnumValues lists every CourseKind value, in schema order.
func (CourseKind) EnumValues() []string {
	return enumValues(CourseStandard, CourseVegetarian, CourseSpecialDiet)
}

// Allergen is one of the 14 allergens that EU regulation 1169/2011 requires
// a menu to declare.
type Allergen string

// The 14 allergens of EU regulation 1169/2011, annex II.
const (
	AllergenGluten      Allergen = "gluten"
	AllergenCrustaceans Allergen = "crustaceans"
	AllergenEggs        Allergen = "eggs"
	AllergenFish        Allergen = "fish"
	AllergenPeanuts     Allergen = "peanuts"
	AllergenSoy         Allergen = "soy"
	AllergenMilk        Allergen = "milk"
	AllergenNuts        Allergen = "nuts"
	AllergenCelery      Allergen = "celery"
	AllergenMustard     Allergen = "mustard"
	AllergenSesame      Allergen = "sesame"
	AllergenSulphites   Allergen = "sulphites"
	AllergenLupin       Allergen = "lupin"
	AllergenMolluscs    Allergen = "molluscs"
)

// EnumValues lists every Allergen value, in schema order.
func (Allergen) EnumValues() []string {
	return enumValues(AllergenGluten, AllergenCrustaceans, AllergenEggs, AllergenFish,
		AllergenPeanuts, AllergenSoy, AllergenMilk, AllergenNuts, AllergenCelery,
		AllergenMustard, AllergenSesame, AllergenSulphites, AllergenLupin, AllergenMolluscs)
}

// NutrientUnit is the unit of a nutrient amount.
type NutrientUnit string

// The nutrient units meal-planning systems use.
const (
	UnitKJ   NutrientUnit = "kJ"
	UnitKcal NutrientUnit = "kcal"
	UnitG    NutrientUnit = "g"
	UnitMg   NutrientUnit = "mg"
	UnitUg   NutrientUnit = "µg"
)

// EnumValues lists every NutrientUnit value, in schema order.
func (NutrientUnit) EnumValues() []string { return enumValues(UnitKJ, UnitKcal, UnitG, UnitMg, UnitUg) }

// Nutrient is the amount of one nutrient in one portion.
type Nutrient struct {
	// Name is the nutrient's name as the meal-planning system gives it.
	Name string `json:"name" jsonschema:"title=Name,minLength=1,maxLength=100,example=Protein,example=Energi" jsonschema_description:"Name of the nutrient as the meal-planning system gives it, in Swedish (näringsämne)."`
	// Amount is the amount per portion.
	Amount float64 `json:"amount" jsonschema:"title=Amount,minimum=0,example=18.47" jsonschema_description:"Amount per portion, in unit."`
	// Unit is the unit of Amount.
	Unit NutrientUnit `json:"unit" jsonschema:"title=Unit" jsonschema_description:"Unit of amount."`
}

// Course is one dish on a menu.
type Course struct {
	// Label is the menu line the course is served as.
	Label string `json:"label,omitempty" jsonschema:"title=Label,maxLength=100,example=Lunch 1" jsonschema_description:"Menu line the course is served as, e.g. Lunch 1 or Lunch 2 when there are alternatives."`
	// Name is the dish.
	Name string `json:"name" jsonschema:"title=Name,minLength=1,maxLength=300,example=Köttfärslåda med potatis och curry" jsonschema_description:"Name of the dish (maträtt), in Swedish."`
	// Kind says whom the course is for.
	Kind CourseKind `json:"kind,omitempty" jsonschema:"title=Kind,default=standard" jsonschema_description:"standard, vegetarian (vegetariskt) or special-diet (specialkost); absent means standard."`
	// Allergens lists the allergens the dish may contain.
	Allergens []Allergen `json:"allergens,omitempty" jsonschema:"title=Allergens,uniqueItems=true" jsonschema_description:"Allergens the dish may contain (allergener), per EU regulation 1169/2011: milk for mjölkprodukter, gluten for spannmål som innehåller gluten, mustard for senap, fish for fisk."`
	// CO2eKg is the climate impact of one portion.
	CO2eKg *float64 `json:"co2e_kg,omitempty" jsonschema:"title=Climate impact,minimum=0,maximum=20,example=1.55" jsonschema_description:"Climate impact of one portion in kilograms of CO2 equivalents (koldioxidekvivalenter)."`
	// Nutrients lists nutrients per portion.
	Nutrients []Nutrient `json:"nutrients,omitempty" jsonschema:"title=Nutrients" jsonschema_description:"Nutrients in one portion (näringsvärde per portion)."`
}

// Menu is what a kitchen serves at one meal on one day (matsedel).
//
// Subject meals.menu; key kitchen_id, date, meal.
type Menu struct {
	// KitchenID is the kitchen's id.
	KitchenID string `json:"kitchen_id" jsonschema:"title=Kitchen id,pattern=^[A-Za-z0-9._-]+$,minLength=1,maxLength=64,example=vramlosa-skola" jsonschema_description:"Id of the kitchen (tillagningskök or mottagningskök) in the meal-planning system."`
	// Date is the day served.
	Date Date `json:"date" jsonschema:"title=Date,format=date,example=2021-10-01" jsonschema_description:"Day the meal is served."`
	// Meal is the meal of the day.
	Meal Meal `json:"meal" jsonschema:"title=Meal" jsonschema_description:"Meal of the day (måltid): breakfast (frukost), lunch, snack (mellanmål) or dinner (middag)."`
	// Courses lists the dishes offered.
	Courses []Course `json:"courses" jsonschema:"title=Courses,minItems=1" jsonschema_description:"Dishes offered at the meal, alternatives included."`
}

// PortionsServed is the number of portions a kitchen served at one meal
// (serverade portioner).
//
// Subject meals.portions-served; key kitchen_id, date, meal.
type PortionsServed struct {
	// KitchenID is the kitchen's id.
	KitchenID string `json:"kitchen_id" jsonschema:"title=Kitchen id,pattern=^[A-Za-z0-9._-]+$,minLength=1,maxLength=64,example=vramlosa-skola" jsonschema_description:"Id of the kitchen in the meal-planning system."`
	// Date is the day served.
	Date Date `json:"date" jsonschema:"title=Date,format=date,example=2021-10-01" jsonschema_description:"Day the meal was served."`
	// Meal is the meal of the day.
	Meal Meal `json:"meal" jsonschema:"title=Meal" jsonschema_description:"Meal of the day (måltid)."`
	// Portions is the number of portions served.
	Portions int `json:"portions" jsonschema:"title=Portions,minimum=0,maximum=20000,example=571" jsonschema_description:"Number of portions served (serverade portioner), special diets included."`
	// PlannedPortions is the number of portions prepared.
	PlannedPortions *int `json:"planned_portions,omitempty" jsonschema:"title=Planned portions,minimum=0,maximum=20000,example=600" jsonschema_description:"Number of portions the kitchen prepared for, from the order (beställda portioner)."`
	// SpecialDietPortions is the number of special-diet portions.
	SpecialDietPortions *int `json:"special_diet_portions,omitempty" jsonschema:"title=Special-diet portions,minimum=0,maximum=20000,example=34" jsonschema_description:"Number of the portions that were special diets (specialkost)."`
}

// FoodWaste is the food wasted by a kitchen on one day, or at one meal,
// by the three categories Swedish kitchens measure (matsvinn). Weights are
// the kitchen's totals in kilograms, not per pupil.
//
// Subject meals.food-waste; key kitchen_id, date, meal.
type FoodWaste struct {
	// KitchenID is the kitchen's id.
	KitchenID string `json:"kitchen_id" jsonschema:"title=Kitchen id,pattern=^[A-Za-z0-9._-]+$,minLength=1,maxLength=64,example=vramlosa-skola" jsonschema_description:"Id of the kitchen in the meal-planning system."`
	// Date is the day measured.
	Date Date `json:"date" jsonschema:"title=Date,format=date,example=2021-10-01" jsonschema_description:"Day the waste was weighed."`
	// Meal is the meal measured; empty for the whole day.
	Meal Meal `json:"meal,omitempty" jsonschema:"title=Meal" jsonschema_description:"Meal the waste comes from; absent when the weights cover the whole day."`
	// KitchenWasteKg is food that never left the kitchen.
	KitchenWasteKg *float64 `json:"kitchen_waste_kg,omitempty" jsonschema:"title=Kitchen waste,minimum=0,maximum=5000,example=0" jsonschema_description:"Kitchen waste (kökssvinn) in kg: food thrown away in the kitchen before serving, e.g. overproduction and spoilage."`
	// ServingWasteKg is food served out but not taken.
	ServingWasteKg *float64 `json:"serving_waste_kg,omitempty" jsonschema:"title=Serving waste,minimum=0,maximum=5000,example=6" jsonschema_description:"Serving waste (serveringssvinn) in kg: food put out for serving that nobody took."`
	// PlateWasteKg is food left on plates.
	PlateWasteKg *float64 `json:"plate_waste_kg,omitempty" jsonschema:"title=Plate waste,minimum=0,maximum=5000,example=9.02" jsonschema_description:"Plate waste (tallrikssvinn) in kg: food the diners took and left."`
	// TotalWasteKg is the sum of the categories weighed.
	TotalWasteKg float64 `json:"total_waste_kg" jsonschema:"title=Total waste,minimum=0,maximum=5000,example=15.02" jsonschema_description:"Total food waste in kg: the sum of the categories that were weighed. A kitchen that weighs only plate waste sends that as the total and leaves the other categories out."`
	// Diners is the number of people who ate.
	Diners *int `json:"diners,omitempty" jsonschema:"title=Diners,minimum=0,maximum=20000,example=571" jsonschema_description:"Number of pupils or guests who ate (ätande), for waste per diner."`
}

// PurchaseCategory is the food group of a purchased article.
type PurchaseCategory string

// The food groups purchases are reported by.
const (
	PurchaseMeat       PurchaseCategory = "meat"
	PurchasePoultry    PurchaseCategory = "poultry"
	PurchaseFish       PurchaseCategory = "fish"
	PurchaseDairy      PurchaseCategory = "dairy"
	PurchaseEggs       PurchaseCategory = "eggs"
	PurchaseVegetables PurchaseCategory = "vegetables"
	PurchaseFruit      PurchaseCategory = "fruit"
	PurchasePotatoes   PurchaseCategory = "potatoes"
	PurchaseCereals    PurchaseCategory = "cereals"
	PurchaseLegumes    PurchaseCategory = "legumes"
	PurchaseFats       PurchaseCategory = "fats"
	PurchaseBeverages  PurchaseCategory = "beverages"
	PurchaseOther      PurchaseCategory = "other"
)

// EnumValues lists every PurchaseCategory value, in schema order.
func (PurchaseCategory) EnumValues() []string {
	return enumValues(PurchaseMeat, PurchasePoultry, PurchaseFish, PurchaseDairy,
		PurchaseEggs, PurchaseVegetables, PurchaseFruit, PurchasePotatoes, PurchaseCereals,
		PurchaseLegumes, PurchaseFats, PurchaseBeverages, PurchaseOther)
}

// QuantityUnit is the unit a purchased quantity is counted in.
type QuantityUnit string

// The purchase units: kilograms, litres and pieces (styck).
const (
	QuantityKg     QuantityUnit = "kg"
	QuantityLitre  QuantityUnit = "l"
	QuantityPieces QuantityUnit = "pcs"
)

// EnumValues lists every QuantityUnit value, in schema order.
func (QuantityUnit) EnumValues() []string {
	return enumValues(QuantityKg, QuantityLitre, QuantityPieces)
}

// Purchase is one line of a kitchen's food order (livsmedelsinköp).
//
// Subject meals.purchase; key order_id, line_no.
type Purchase struct {
	// OrderID is the order's id in the ordering system.
	OrderID string `json:"order_id" jsonschema:"title=Order id,pattern=^[A-Za-z0-9._-]+$,minLength=1,maxLength=64,example=PO-2024-004711" jsonschema_description:"Id of the order in the ordering system (e-handel)."`
	// LineNo is the line's number within the order.
	LineNo int `json:"line_no" jsonschema:"title=Line number,minimum=1,example=3" jsonschema_description:"Number of the line within the order; with order_id the event's key."`
	// KitchenID is the ordering kitchen.
	KitchenID string `json:"kitchen_id" jsonschema:"title=Kitchen id,pattern=^[A-Za-z0-9._-]+$,minLength=1,maxLength=64,example=vramlosa-skola" jsonschema_description:"Id of the kitchen that ordered, as in the meal-planning system."`
	// OrderedAt is when the order was placed.
	OrderedAt time.Time `json:"ordered_at,omitzero" jsonschema:"title=Ordered at,example=2024-09-30T09:15:00+02:00" jsonschema_description:"When the order was placed (RFC 3339)."`
	// DeliveryDate is the day of delivery.
	DeliveryDate Date `json:"delivery_date" jsonschema:"title=Delivery date,format=date,example=2024-10-02" jsonschema_description:"Day the goods are (or were) delivered (leveransdag)."`
	// Supplier is the supplier's name.
	Supplier string `json:"supplier,omitempty" jsonschema:"title=Supplier,maxLength=200,example=Martin och Servera" jsonschema_description:"Name of the supplier (leverantör) under the municipality's procurement contract."`
	// ArticleID is the supplier's article number.
	ArticleID string `json:"article_id" jsonschema:"title=Article id,minLength=1,maxLength=64,example=112233" jsonschema_description:"The supplier's article number (artikelnummer)."`
	// ArticleName is the article's name.
	ArticleName string `json:"article_name" jsonschema:"title=Article name,minLength=1,maxLength=300,example=Nötfärs 10 % fryst" jsonschema_description:"Name of the article as the supplier gives it."`
	// Category is the article's food group.
	Category PurchaseCategory `json:"category,omitempty" jsonschema:"title=Category" jsonschema_description:"Food group (livsmedelsgrupp) of the article, for climate and cost follow-up."`
	// Quantity is the amount ordered, in Unit.
	Quantity float64 `json:"quantity" jsonschema:"title=Quantity,exclusiveMinimum=0,maximum=100000,example=25" jsonschema_description:"Amount ordered, in unit."`
	// Unit is the unit of Quantity.
	Unit QuantityUnit `json:"unit" jsonschema:"title=Unit" jsonschema_description:"Unit of quantity: kg, l (litre) or pcs (styck)."`
	// AmountSEK is the line's price.
	AmountSEK *float64 `json:"amount_sek,omitempty" jsonschema:"title=Amount,minimum=0,example=1987.5" jsonschema_description:"Price of the line in Swedish kronor, excluding VAT (exklusive moms)."`
	// Organic is true for organic goods.
	Organic bool `json:"organic,omitempty" jsonschema:"title=Organic" jsonschema_description:"True for organic (ekologisk) goods."`
	// CO2eKg is the line's climate impact.
	CO2eKg *float64 `json:"co2e_kg,omitempty" jsonschema:"title=Climate impact,minimum=0,example=650" jsonschema_description:"Climate impact of the whole line in kilograms of CO2 equivalents."`
}
