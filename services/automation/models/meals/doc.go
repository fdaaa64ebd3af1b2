// Package meals is the meal-demand model ("meal-demand" 1.0.0, issue 7):
// how many portions each school kitchen will serve on each coming school
// day, with an 80 % interval, and an order proposal, so that kitchens cook
// less food that nobody eats (matsvinn). It is a pure library (stdlib and
// schemas); the automation service feeds it meals.portions-served.v1 and
// the school calendar's days and publishes the proposals.
//
// Method (Run): per kitchen, the latest Window served days (default 40,
// eight school weeks) give a level (their mean) and a factor per weekday
// (the weekday's mean over the level): forecast = level × factor. The
// quantiles of served/forecast over the same days, each residual widened by
// √((n+1)/(n−1)) for the n days of its weekday, give P10, P50 and P90. The
// order is P90 rounded up (short on about one day in ten), and in kg per
// ingredient group when Input.KgPerPortion is given: KgPerPortion derives
// it from a period's purchases and portions (kg and litres bought per
// planned portion, the period's average menu); without purchases the order
// is in portions only. Confidence is
// 1 − (P90 − P10)/P50, floored at 0 (forecast.Confidence). Kitchens with
// fewer than MinHistory served days are listed in Output.Skipped and left
// to a person. Days to forecast come from the caller (the school calendar):
// breaks and holidays are simply not asked for. Explain gives all of this
// in Swedish.
//
// # Figures on the demo's simulated year
//
// Backtest, rolling origin at the first school day of every ISO week, on
// connectors/simulate's meal-portions scenario for 2024 (seed 1980, 60
// kitchens, 174 school days):
//
//	36 origins, 10,440 kitchen-days
//	MAPE of P50 4.2 %, naive same-weekday-last-week 5.3 %
//	P10–P90 covers 77.7 % of the days
//	order (P90 up) short on 10.0 % of the days, on average 6.6 % above what was served
//	the simulated kitchens' own plans: short on 23.9 % of the days, 4.3 % above
//
// KgPerPortion on the same year's meal-purchases (per planned portion):
// dairy 0.150 l (the simulation buys 0.15), potatoes 0.072, vegetables
// 0.048, cereals 0.047, meat 0.023, fruit 0.020, legumes 0.019, fish 0.014,
// fats 0.006, poultry 0.006 kg; eggs, bought in pieces, are left out.
//
// The simulated share of pupils eating is uniform 82–96 % each day (three
// points fewer on Fridays), so about 4 % is the best any model can do; the
// gain over the baseline is the noise that one week's value carries and a
// mean of eight does not. Real kitchens have menu effects (popular dishes)
// that this model does not see. Reproduce with
//
//	go test -count=1 -v -run 'Backtest|KgPerPortion' ./services/automation/models/meals/
//	civicbus models eval meals
//
// Speed: a week's forecast for the 60 kitchens from a year of history
// (10,440 rows) takes about 40 ms, the whole backtest about 45 ms, on the
// 2-core test machine (go test -run X -bench . ./services/automation/models/meals/).
package meals
