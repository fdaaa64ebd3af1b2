package calendar

import (
	"testing"
	"time"
)

// TestHolidays: the public holidays and days off of 2024 and 2025 that
// fall on weekdays, with Easter's movable ones, and some ordinary days.
func TestHolidays(t *testing.T) {
	for _, tc := range []struct {
		date    string
		holiday bool
	}{
		{"2024-01-01", true}, {"2024-01-05", false}, {"2024-01-06", true},
		{"2024-03-29", true}, {"2024-03-31", false}, {"2024-04-01", true}, // Good Friday; Easter Sunday is a Sunday; Easter Monday
		{"2024-05-09", true}, {"2024-05-10", false}, // Ascension Day; the day after is a school's klämdag, not a holiday
		{"2024-06-06", true}, {"2024-06-21", true}, {"2024-06-20", false}, // National Day; midsummer eve
		{"2025-04-18", true}, {"2025-04-21", true}, {"2025-05-29", true}, {"2025-06-20", true},
		{"2024-12-24", true}, {"2024-12-27", false}, {"2024-12-31", true},
	} {
		d, err := time.ParseInLocation(time.DateOnly, tc.date, Stockholm)
		if err != nil {
			t.Fatal(err)
		}
		weekday := d.Weekday() != time.Saturday && d.Weekday() != time.Sunday
		if Holiday(d) != tc.holiday || Workday(d) != (weekday && !tc.holiday) {
			t.Errorf("%s: holiday %v workday %v, want holiday %v", tc.date, Holiday(d), Workday(d), tc.holiday)
		}
	}
	// A date given in UTC is the day it is in Stockholm.
	if !Holiday(time.Date(2024, 6, 6, 0, 0, 0, 0, time.UTC)) {
		t.Error("2024-06-06 in UTC is not the National Day")
	}
}
