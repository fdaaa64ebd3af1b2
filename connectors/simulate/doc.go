// Package simulate is the simulate connector kind: seeded simulators of the
// Västerås sources that have no real open data (preschool applications,
// the cases they open, the applying children's population-register
// notices, the preschools' places, citizens' snow reports, school
// kitchens' food purchases and lunches), with realistic
// volumes and distributions, every record clearly labelled as simulated.
//
//	name: simulated-preschool-applications   # ce_source /civicbus/connectors/simulated-…
//	kind: simulate
//	topic: school.preschool-application.v1
//	config: {scenario: preschool-applications, seed: 1980, start: 2024-01-01, end: 2024-12-31}
//
// # Contract
//
// Deterministic: the same scenario, seed, volume and period give exactly the
// same records in the same order, on every run and machine; each simulated
// day has its own random source (seeded by the seed, the scenario and the
// date), so a day is the same whatever was read before it. Ids (application,
// case, order) are UUIDv5 or names derived from the seed and the day, so
// event ids are stable too.
//
// Resumable: the position is day/index (the simulated day and how many of
// its records were read); after a restart the day is made again and reading
// goes on after the last record on the bus, so every record reaches the bus
// once. Lag is the simulated days left.
//
// Without follow the period start..end is sent as fast as the bus takes it,
// then Read returns connectors.ErrEndOfInput. With follow every record is
// sent when its simulated time comes, speed simulated seconds per real
// second, paced from the first record read after (re)connecting; without end
// it never stops.
//
// Labelled: every record has _simulated: true and _scenario; ids, unit,
// kitchen, staff, rule and article ids start with sim- or SIM-; the supplier
// is "Simulerad grossist AB (fiktiv)". No record holds a real personal
// identifier: a child's personnummer (the application event requires one)
// is made with a wrong check digit, so it fails the Luhn test every real
// personnummer passes; so does the guardian's. The guardian's e-mail is at
// example.invalid; a snow report has no contact and a stock text.
//
// # Scenarios and where their numbers come from
//
// preschool-applications (school.preschool-application.v1): about 2,200 a
// year at volume 1 — 1,800 new (about 1,700 births a year in Västerås, SCB;
// nine in ten children go to preschool, Skolverket; plus children moving
// in) and 400 transfers. Per day a Poisson count whose mean follows the
// month (a spring peak, March–May a third of the year, for the August
// intake; a summer trough) and the weekday; sent mostly in the evening.
// New children are 12–22 months old at the desired start, which is 4–7
// months ahead (the four-month rule of skollagen 8 kap. 14 §), or, for 60 %
// of those applying January–May, the Monday of week 33 (the August intake).
// The home is one of 20 districts (Centrum, Bäckby, Råby, Skiljebo, Önsta-
// Gryta, Hammarby, Vetterslund, Dingtuna, Skultuna, Tillberga, …) drawn by
// its rough share of young children; 1–5 preferred preschools are drawn
// from 80 simulated ones (sim-fsk-<district>-<n>) in proportion to
// exp(-distance/1.5 km) from home. Hours a week: about 38, or 15 for 7 %.
// The guardian (a synthetic personnummer 22–42 years older than the child)
// and an e-mail come with every application but a realistic few: about
// 3 % leave out the e-mail and 1.5 % the hours (incomplete).
//
// population-register (population.resident-moved-in.v1): each simulated
// application's child's register notice, 30 days before the application
// (so a period 30 days earlier than the applications' covers them), drawn
// from the application's id: 80 % registered in Västerås from birth, the
// rest moved in later from a neighbouring municipality or from abroad;
// about 3 % of the new children are registered in a neighbouring
// municipality instead (residency is then referred).
//
// school-units (school.unit.v1): the 80 simulated preschools on 1 January
// of each year, with their district and places (log-normal around 100,
// 40–200 in sixes; about 8,500 in all, fewer than the municipality's
// 1–5-year-olds, as independent preschools take the rest).
//
// snow-reports (roads.fault-report.v1): citizens' snow and ice reports on
// the simulated snowy days (a third of December–February, a seventh of
// March and November), about 12 a day, 80 % from the demo's snow areas
// Bäckby (1980-422) and Centrum (1980-415).
//
// case-opened, case-step-completed, case-closed (cases.case-opened.v1,
// cases.step-completed.v1, cases.case-closed.v1): one preschool-placement
// case per application of the same seed and volume (subject_ref points at
// it), so three connectors with one seed tell one consistent story. Steps:
// residency-check (a rule, seconds; 6 % referred to a caseworker),
// queue-priority (a rule), placement-offer (a caseworker, about 45 days
// before the desired start), guardian-reply (through the e-service, median
// 4 days); about 90 % granted, the rest withdrawn, dismissed or rejected.
// Durations are log-normal; people act only in office hours on workdays.
// Automated steps carry a decision_id, but no decision records are
// simulated.
//
// meal-purchases (meals.purchase.v1): 60 school kitchens at volume 1
// (sim-kok-<district>-<n>, 120–1,100 lunches a day, log-normal around 350),
// each delivered two or three fixed weekdays, ordering two workdays ahead.
// An order covers the school days until the next delivery: per portion
// amounts of a weekly menu (beef, vegetarian, fish, poultry or pea soup and
// pancakes, pork), milk, bread and spread daily, seasonal vegetables and
// fruit, for 92 % of the pupils, with ±8 % noise, rounded to packs. Prices and
// climate factors are approximations (see articles). No deliveries on
// weekends, public holidays or the school breaks of a typical Västerås year
// (summer from week 25 to week 33, autumn week 44, Christmas 20 Dec–7 Jan,
// sports week 9, Easter).
//
// meal-portions (meals.portions-served.v1): the same kitchens' lunches on
// each school day: planned for 92 % of the pupils, served to 82–96 % (three
// points fewer on Fridays), 5–9 % of them special diets; the gap between
// planned and served is what the food-waste use case looks at.
//
// Volume scales the applications (and so the cases) and the number of
// kitchens.
package simulate

import _ "time/tzdata" // the simulated times are Europe/Stockholm on every machine
