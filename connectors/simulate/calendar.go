package simulate

import (
	"time"

	"github.com/vasteras/civicbus/internal/calendar"
)

// The Swedish calendar the simulations follow: public holidays
// (internal/calendar) and Västerås's school breaks as a typical year has
// them (läsårstider vary by a few days from year to year).

func dayOf(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, Stockholm)
}

func addDays(d time.Time, n int) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day()+n, 0, 0, 0, 0, Stockholm)
}

// schoolDay reports whether the schools hold lessons (and their kitchens
// cook) on d: a workday outside the breaks of a typical Västerås school
// year — summer (from the Saturday after ISO week 24 to the Sunday before
// ISO week 34), autumn (week 44), Christmas (20 Dec to 7 Jan), sports (week
// 9, Västmanland's) and Easter (Good Friday to the Friday after Easter
// Monday) — nor the day after Ascension Day (klämdag).
func schoolDay(d time.Time) bool {
	if !calendar.Workday(d) {
		return false
	}
	_, week := d.ISOWeek()
	switch {
	case week > 24 && week < 34, week == 44, week == 9:
		return false
	case d.Month() == 12 && d.Day() >= 20, d.Month() == 1 && d.Day() <= 7:
		return false
	}
	e := calendar.Easter(d.Year())
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
	if calendar.Workday(d) && !t.Before(open) && t.Before(shut) {
		return t
	}
	if calendar.Workday(d) && t.Before(open) {
		return open.Add(time.Duration(r.Float64() * float64(8*time.Hour)))
	}
	for d = addDays(d, 1); !calendar.Workday(d); d = addDays(d, 1) {
	}
	return d.Add(8*time.Hour + time.Duration(r.Float64()*float64(8*time.Hour)))
}
