package snow

// Explain describes the model in plain Swedish for decision records and the
// casework UI: the thresholds (the defaults; a municipality configures its
// own), the inputs and how to read the result.
func Explain() string {
	return `Modell: snöröjning och markvärme (snow-clearing) version 1.0.0.

Plogning: nysnön senaste dygnet är det största av två mått: ökningen av snödjupet och nederbörden som fallit vid högst +1 °C (1 mm vatten räknas som 1 cm snö). Plogning beställs vid 5 cm nysnö på prioriterade vägar (huvudgator, bussgator, prioriterade gång- och cykelvägar) och vid 10 cm på övriga vägar, som i många svenska kommuners standard för vinterväghållning.

Halkbekämpning: när vägytan (eller luften, om vägytans temperatur saknas) är mellan −6 och +2 °C och det har kommit nederbörd eller bildas rimfrost (daggpunkten över vägytans temperatur) är det halkrisk. Inom saltvägnätet saltas det ned till −6 °C; utanför saltvägnätet, eller kallare, sandas det. Det som observerats senaste dygnet går först; annars används prognosen för de kommande 24 timmarna (förebyggande halkbekämpning).

Markvärme: på när prognosen för de kommande 24 timmarna visar nederbörd eller rimfrost mellan −6 och +2 °C, annars av för att spara energi. Saknas prognos avgör en människa.

Säkerhet (confidence): 0,5 precis vid gränsen (ett litet mätfel vänder beslutet) och upp till 1 när värdet ligger en hel gräns över den, eller mitt i temperaturintervallet. Ett beslut med låg säkerhet eller med saknade mätvärden går till en människa.

Alla gränser är antaganden som kommunen kan ändra.`
}
