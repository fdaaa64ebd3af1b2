package connectors

import (
	"math"
	"testing"
	"time"
)

// TestProgressArithmetic follows a backfill on a made-up clock: the rate,
// the share done and the time left after each batch, a backlog that grows
// while it is read, a pause, and its end.
func TestProgressArithmetic(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	at := func(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }
	var p progress
	check := func(step string, now time.Time, rate float64, want *Backfill) {
		t.Helper()
		var s Status
		p.fill(now, &s)
		if !near(s.Rate, rate) {
			t.Errorf("%s: rate %.2f, want %.2f", step, s.Rate, rate)
		}
		switch {
		case want == nil && s.Backfill != nil:
			t.Errorf("%s: backfill %+v, want none", step, *s.Backfill)
		case want != nil && s.Backfill == nil:
			t.Errorf("%s: no backfill, want %+v", step, *want)
		case want != nil && (s.Backfill.Done != want.Done || s.Backfill.Total != want.Total ||
			!near(s.Backfill.Percent, want.Percent) || !near(s.Backfill.ETASeconds, want.ETASeconds)):
			t.Errorf("%s: backfill %+v, want %+v", step, *s.Backfill, *want)
		}
	}
	p.observe(at(0), 0, 1000, true)
	check("start", at(0), 0, &Backfill{Done: 0, Total: 1000, Percent: 0, ETASeconds: 0})
	p.observe(at(1), 100, 900, true)
	check("1 s", at(1), 100, &Backfill{Done: 100, Total: 1000, Percent: 10, ETASeconds: 9})
	// 200 more read while 50 arrived: the backlog shrank by 150.
	p.observe(at(2), 300, 750, true)
	check("2 s", at(2), 150, &Backfill{Done: 250, Total: 1000, Percent: 25, ETASeconds: 6})
	// Asked half a second later, with no batch since: the pace falls.
	check("2.5 s", at(2.5), 120, &Backfill{Done: 250, Total: 1000, Percent: 25, ETASeconds: 7.5})
	// A pause longer than the window: nothing is known of the pace.
	check("idle", at(30), 0, &Backfill{Done: 250, Total: 1000, Percent: 25, ETASeconds: 0})
	// The window's count starts at the last sample before it (2 s).
	p.observe(at(31), 1050, 0, true)
	check("end", at(31), 750.0/29, nil)
}

func TestRateWithoutLag(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	var p progress
	for i := range 21 { // 50 records every half second for 10 s
		p.observe(t0.Add(time.Duration(i)*500*time.Millisecond), int64(50*i), 0, false)
	}
	var s Status
	p.fill(t0.Add(10*time.Second), &s)
	if !near(s.Rate, 100) || s.Backfill != nil {
		t.Errorf("rate %.2f backfill %v; want 100 and none", s.Rate, s.Backfill)
	}
	if n := len(p.in.samples); n > 21 {
		t.Errorf("%d samples kept", n)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
