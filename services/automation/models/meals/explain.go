package meals

// Explain describes the model in plain Swedish for decision records and the
// casework UI: the method, the assumptions and how to read the result.
func Explain() string {
	return `Modell: måltidsprognos (meal-demand) version 1.0.0.

Metod: säsongsmodell per kök och veckodag. För varje kök används de senaste 40 serverade dagarna (åtta skolveckor). Nivån är medelvärdet av serverade portioner; varje veckodag får en faktor, veckodagens medelvärde delat med nivån (till exempel färre ätande på fredagar). Prognosen för en dag är nivån gånger veckodagens faktor. Vilka dagar köket lagar mat kommer från skolkalendern; lov och helgdagar prognostiseras inte.

Osäkerhet: förhållandet mellan serverat och modellens värde under samma 40 dagar ger P10, P50 och P90. Med 80 procents sannolikhet hamnar utfallet mellan P10 och P90 om de kommande dagarna liknar de senaste.

Beställningsförslag: P90 avrundat uppåt, så att portionerna räcker nio dagar av tio. Om kilo per portion per livsmedelsgrupp är kända (från recept eller inköp) anges beställningen också i kilo per grupp, annars i portioner. Köket fattar beslutet om beställningen; modellen ger underlaget.

Säkerhet (confidence): 1 minus intervallets bredd (P90 − P10) delat med P50, lägst 0.

Kök med färre än 10 serverade dagar får ingen prognos; deras beställning görs av en människa.`
}
