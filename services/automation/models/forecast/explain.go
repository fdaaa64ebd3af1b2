package forecast

// Explain describes the model in plain Swedish for decision records and the
// casework UI: the method, the assumptions and how to read the result.
func Explain() string {
	return `Modell: skolplatsprognos (school-place-forecast) version 1.0.0.

Metod: kohort-komponentmetoden. Utgångsläget är befolkningen per ettårsklass den 31 december basåret. För varje prognosår blir alla ett år äldre, en andel avlider enligt en dödlighetstabell, nettoflyttningen per ålder läggs till och årets födda blir nya nollåringar. Efterfrågan på förskoleplatser är antalet barn 1–5 år och på grundskoleplatser antalet barn 6–15 år (förskoleklass till årskurs 9), i båda fallen den 31 december, gånger den andel som behöver plats.

Antaganden: Antalet födda är antingen ett fast antal födda per kvinna 15–49 år (allmän fruktsamhet) eller medelvärdet av de senaste årens födda. Dödligheten är, om inget annat anges, en utjämnad version av SCB:s livslängdstabell för Sverige 2015–2019 (båda könen); i förskole- och skolåldrarna är den mycket liten. Nettoflyttningen per ålder är en andel av kohorten och/eller ett antal per år, vanligen skattad från de senaste årens befolkningsförändring (residualmetoden). Flyttningar i åldrar som saknar uppgift räknas som noll.

Osäkerhet: Modellen räknar fram många möjliga utvecklingar (1000 om inget annat anges) med ett fast slumpfrö, så att samma indata alltid ger samma resultat. Antalet födda varierar som en slumpvandring med den historiska variationen i födelsetalen och varje års nettoflyttning varierar kring sitt medelvärde. Resultatet anges som P10, P50 och P90: med 80 procents sannolikhet ligger utfallet mellan P10 och P90 om antagandena håller. Intervallet växer med prognosens längd.

Säkerhet (confidence): 1 minus intervallets bredd (P90 − P10) delat med medianen P50, lägst 0. Ett smalt intervall ger en säkerhet nära 1.

Lokalbehov: Om efterfrågan vid P90 överstiger kapaciteten ett år signaleras ett lokalbehov; överstiger även P50 kapaciteten anges behovet som troligt. Gapet är efterfrågan minus antalet platser. Beslutet om nya lokaler fattas av en människa; modellen ger underlaget.`
}
