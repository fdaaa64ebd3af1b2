package routine

import (
	"slices"
	"time"

	"github.com/vasteras/civicbus/schemas"
)

// baseline is one resident's learned routine. Offsets are from the start
// of a night (15:00, see nightOf).
type baseline struct {
	nights int // complete training nights
	// sleepFrom and sleepTo bound the sleep span: from the median onset to
	// the earliest wake-up, when the resident slept on most nights.
	sleepFrom, sleepTo time.Duration
	wakeLatest         time.Duration
	wakes              []float64     // each night's wake-up offset, in minutes
	quiet              [24][]float64 // hour of day → each day's longest quiet span that hour, minutes
	wander             []float64     // each night's most rooms within WanderWindow while asleep
	doors              []float64     // each night's entrance-door openings while asleep
	sensors            map[string]sensorBase
}

// sensorBase is what training saw of one sensor.
type sensorBase struct {
	object string
	days   int       // training nights it fired in
	gaps   []float64 // hours between its consecutive activations
}

// sleep is one training night's sleep: the longest span from 18:00 to 15:00
// without a sensor outside the bedroom, ended by one.
type sleep struct {
	night         time.Time
	onset, wakeup time.Duration
}

// learn fits a baseline to one resident's activations acts (sorted by
// start, all before until). It uses the complete nights: those from the
// first whose 18:00 the log covers to the last that ends by until.
func learn(cfg Config, acts []schemas.SensorActivation, until time.Time) (baseline, bool) {
	var sleeps []sleep
	n := nightOf(acts[0].StartedAt, cfg.Location)
	if n.Add(3 * time.Hour).Before(acts[0].StartedAt) {
		n = n.AddDate(0, 0, 1) // the log begins within this night: incomplete
	}
	for ; !n.Add(24 * time.Hour).After(until); n = n.AddDate(0, 0, 1) {
		if s, ok := findSleep(acts, n); ok {
			sleeps = append(sleeps, s)
		}
	}
	if len(sleeps) < cfg.MinTrainingNights {
		return baseline{}, false
	}
	b := baseline{nights: len(sleeps), sensors: map[string]sensorBase{}}
	var onsets, wakes []time.Duration
	for _, s := range sleeps {
		onsets, wakes = append(onsets, s.onset), append(wakes, s.wakeup)
		b.wakes = append(b.wakes, s.wakeup.Minutes())
	}
	b.sleepFrom, b.sleepTo, b.wakeLatest = median(onsets), slices.Min(wakes), slices.Max(wakes)
	for _, s := range sleeps {
		b.learnNight(cfg, acts, s, until)
	}
	b.learnSensors(cfg, acts, sleeps)
	return b, true
}

// findSleep finds night n's sleep in acts.
func findSleep(acts []schemas.SensorActivation, n time.Time) (sleep, bool) {
	cursor, to := n.Add(3*time.Hour), n.Add(24*time.Hour)
	var best sleep
	for _, a := range acts {
		if a.Room == schemas.RoomBedroom || !end(a).After(cursor) {
			continue
		}
		if !a.StartedAt.Before(to) {
			break
		}
		if gap := a.StartedAt.Sub(cursor); gap > best.wakeup-best.onset {
			best = sleep{night: n, onset: cursor.Sub(n), wakeup: a.StartedAt.Sub(n)}
		}
		if e := end(a); e.After(cursor) {
			cursor = e
		}
	}
	return best, best.wakeup > best.onset
}

// learnNight adds night s to b: the rooms visited and the door openings
// within the sleep span, and the longest quiet span in each hour of the day
// that follows, from the wake-up to the next median onset.
func (b *baseline) learnNight(cfg Config, acts []schemas.SensorActivation, s sleep, until time.Time) {
	tr := newTracker()
	for _, a := range acts {
		tr.observe(a)
	}
	from, to := s.night.Add(b.sleepFrom), s.night.Add(b.sleepTo)
	most := 0
	for t := from; !t.After(to); t = t.Add(cfg.Step) {
		most = max(most, len(tr.rooms(maxTime(from, t.Add(-cfg.WanderWindow)), t)))
	}
	b.wander = append(b.wander, float64(most))
	b.doors = append(b.doors, float64(len(tr.doors(from, to))))

	day := newTracker()
	i := 0
	var longest [24]float64
	var sampled [24]bool
	last := minTime(s.night.Add(24*time.Hour+b.sleepFrom), until)
	for t := s.night.Add(s.wakeup); t.Before(last); t = t.Add(cfg.Step) {
		for ; i < len(acts) && !acts[i].StartedAt.After(t); i++ {
			day.observe(acts[i])
		}
		since, away := day.quietSince(t)
		if away {
			continue
		}
		h := t.In(cfg.Location).Hour()
		longest[h], sampled[h] = max(longest[h], t.Sub(since).Minutes()), true
	}
	for h := range longest {
		if sampled[h] {
			b.quiet[h] = append(b.quiet[h], longest[h])
		}
	}
}

// learnSensors records, per sensor, the nights it fired in and the gaps
// between its activations.
func (b *baseline) learnSensors(cfg Config, acts []schemas.SensorActivation, sleeps []sleep) {
	first, last := sleeps[0].night, sleeps[len(sleeps)-1].night
	fired := map[string]map[time.Time]bool{}
	prev := map[string]time.Time{}
	for _, a := range acts {
		s := b.sensors[a.SensorID]
		s.object = a.Object
		if p, ok := prev[a.SensorID]; ok {
			s.gaps = append(s.gaps, a.StartedAt.Sub(p).Hours())
		}
		prev[a.SensorID] = a.StartedAt
		if n := nightOf(a.StartedAt, cfg.Location); !n.Before(first) && !n.After(last) {
			if fired[a.SensorID] == nil {
				fired[a.SensorID] = map[time.Time]bool{}
			}
			fired[a.SensorID][n] = true
		}
		b.sensors[a.SensorID] = s
	}
	for id, s := range b.sensors {
		s.days = len(fired[id])
		b.sensors[id] = s
	}
}

// daily reports whether sensor s fires on at least share of the nights.
func (b *baseline) daily(s sensorBase, share float64) bool {
	return float64(s.days) >= share*float64(b.nights)
}

// inactivityLimit is the longest quiet span tolerated in hour h of the
// day, and the number of training days behind it.
func (b *baseline) inactivityLimit(cfg Config, h int) (time.Duration, int) {
	q := b.quiet[h]
	if len(q) == 0 {
		var all float64
		for _, q := range b.quiet {
			if len(q) > 0 {
				all = max(all, slices.Max(q))
			}
		}
		return max(cfg.MinInactivity, minutes(cfg.InactivitySlack*all)), 0
	}
	return max(cfg.MinInactivity, minutes(cfg.InactivitySlack*slices.Max(q))), len(q)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func minutes(m float64) time.Duration { return time.Duration(m * float64(time.Minute)) }

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
