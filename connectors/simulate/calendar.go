package simulate

import "time"

// The Swedish calendar the simulations follow: public holidays (allmänna
// helgdagar, lagen 1989:253, plus midsummer, Christmas and New Year's Eve,
// which are days off in practice) and Västerås's school breaks as a typical
// year has them (läsårstider vary by a few days from year to year).

// easter returns Easter Sunday of year (the Gregorian computus, Meeus/Jones/
// Butcher).
func easter(year int) time.Time {
	a, b, c := year%19, year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, Stockholm)
}

func dayOf(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, Stockholm)
}

func addDays(d time.Time, n int) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day()+n, 0, 0, 0, 0, Stockholm)
}

// holiday reports whether d is a public holiday or a de facto day off
// (midsummer, Christmas and New Year's Eve).
func holiday(d time.Time) bool {
	d = dayOf(d)
	y := d.Year()
	md := func(m time.Month, day int) bool { return d.Month() == m && d.Day() == day }
	switch {
	case md(1, 1), md(1, 6), md(5, 1), md(6, 6), md(12, 24), md(12, 25), md(12, 26), md(12, 31):
		return true
	case d.Month() == 6 && d.Day() >= 19 && d.Day() <= 25 && d.Weekday() == time.Friday: // midsummer eve
		return true
	}
	e := easter(y)
	for _, off := range []int{-2, 1, 39} { // Good Friday, Easter Monday, Ascension Day
		if d.Equal(addDays(e, off)) {
			return true
		}
	}
	return false
}

// workday reports whether d is a weekday that is not a holiday: a day the
// municipality's offices are open.
func workday(d time.Time) bool {
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday && !holiday(d)
}

// schoolDay reports whether the schools hold lessons (and their kitchens
// cook) on d: a workday outside the breaks of a typical Västerås school
// year — summer (from the Saturday after ISO week 24 to the Sunday before
// ISO week 34), autumn (week 44), Christmas (20 Dec to 7 Jan), sports (week
// 9, Västmanland's) and Easter (Good Friday to the Friday after Easter
// Monday) — nor the day after Ascension Day (klämdag).
func schoolDay(d time.Time) bool {
	if !workday(d) {
		return false
	}
	_, week := d.ISOWeek()
	switch {
	case week > 24 && week < 34, week == 44, week == 9:
		return false
	case d.Month() == 12 && d.Day() >= 20, d.Month() == 1 && d.Day() <= 7:
		return false
	}
	e := easter(d.Year())
	if !d.Before(addDays(e, -2)) && !d.After(addDays(e, 5)) {
		return false
	}
	return !d.Equal(addDays(e, 40))
}

// officeTime moves t into office hours (08:00–16:30 on a workday): a time
// outside them becomes the next workday's opening plus a random part of
// the day, so that people's steps land when people work.
func officeTime(r rng, t time.Time) time.Time {
	t = t.In(Stockholm)
	d := dayOf(t)
	open, shut := d.Add(8*time.Hour), d.Add(16*time.Hour+30*time.Minute)
	if workday(d) && !t.Before(open) && t.Before(shut) {
		return t
	}
	if workday(d) && t.Before(open) {
		return open.Add(time.Duration(r.Float64() * float64(8*time.Hour)))
	}
	for d = addDays(d, 1); !workday(d); d = addDays(d, 1) {
	}
	return d.Add(8*time.Hour + time.Duration(r.Float64()*float64(8*time.Hour)))
}
