// Package calendar is the Swedish calendar of public holidays: the
// allmänna helgdagar of lagen (1989:253) that fall on weekdays, plus
// midsummer, Christmas and New Year's Eve, which are days off in practice.
// Days are taken in Europe/Stockholm.
package calendar

import "time"

// Stockholm is the time zone days are taken in.
var Stockholm = mustLoad("Europe/Stockholm")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Easter returns Easter Sunday of year, at midnight in Stockholm (the
// Gregorian computus, Meeus/Jones/Butcher).
func Easter(year int) time.Time {
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

// Holiday reports whether the day of t (in Stockholm) is a public holiday
// or a de facto day off (midsummer, Christmas and New Year's Eve).
func Holiday(t time.Time) bool {
	t = t.In(Stockholm)
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Stockholm)
	md := func(m time.Month, day int) bool { return d.Month() == m && d.Day() == day }
	switch {
	case md(1, 1), md(1, 6), md(5, 1), md(6, 6), md(12, 24), md(12, 25), md(12, 26), md(12, 31):
		return true
	case d.Month() == 6 && d.Day() >= 19 && d.Day() <= 25 && d.Weekday() == time.Friday: // midsummer eve
		return true
	}
	e := Easter(d.Year())
	for _, off := range []int{-2, 1, 39} { // Good Friday, Easter Monday, Ascension Day
		if d.Equal(time.Date(e.Year(), e.Month(), e.Day()+off, 0, 0, 0, 0, Stockholm)) {
			return true
		}
	}
	return false
}

// Workday reports whether the day of t is a weekday that is not a
// holiday: a day the municipality's offices are open.
func Workday(t time.Time) bool {
	wd := t.In(Stockholm).Weekday()
	return wd != time.Saturday && wd != time.Sunday && !Holiday(t)
}
