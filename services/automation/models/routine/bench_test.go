package routine

import "testing"

// BenchmarkObserveCheck measures one Observe and one Check, for one
// resident living the regular synthetic routine, day after day.
func BenchmarkObserveCheck(b *testing.B) {
	m := trained(b, Config{}, days(0, 8))
	var stream []Alarm
	day := 8
	acts := routineDay(day)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i%len(acts) == 0 && i > 0 {
			day++
			acts = routineDay(day)
		}
		a := acts[i%len(acts)]
		m.Observe(a)
		stream = append(stream[:0], m.Check(a.StartedAt)...)
	}
	if len(stream) > 0 {
		b.Logf("alarms on a regular routine: %+v", stream)
	}
}
