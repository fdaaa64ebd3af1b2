package routine

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/vasteras/civicbus/schemas"
)

// check runs every detector for one resident at now.
func (r *resident) check(cfg Config, now time.Time) []Alarm {
	var out []Alarm
	for _, d := range []func(Config, time.Time) (Alarm, bool){
		r.inactivity, r.noMorning, r.wandering, r.doorAtNight,
	} {
		if a, ok := d(cfg, now); ok {
			out = append(out, a)
		}
	}
	return append(out, r.silent(cfg, now)...)
}

// inactivity: in the daytime, after the resident got up, no sensor has
// been active for longer than the hour's limit (the longest quiet span
// seen in that hour of a training day, times InactivitySlack, at least
// MinInactivity). A resident presumed out (the door was the last
// activation) is not alarmed.
func (r *resident) inactivity(cfg Config, now time.Time) (Alarm, bool) {
	b := &r.base
	n := nightOf(now, cfg.Location)
	if !now.Before(n.Add(b.sleepFrom)) && now.Before(n.Add(b.sleepTo)) {
		return Alarm{}, false // asleep
	}
	if now.Before(n.Add(b.sleepFrom)) {
		n = n.AddDate(0, 0, -1) // the evening: the day began in the night before
	}
	morning := n.Add(b.sleepTo - time.Hour)
	since, away := r.track.quietSince(now)
	if away || since.Before(morning) || !r.track.upSince(morning, now) {
		return Alarm{}, false
	}
	h := now.In(cfg.Location).Hour()
	limit, days := b.inactivityLimit(cfg, h)
	quiet := now.Sub(since)
	if quiet <= limit {
		return Alarm{}, false
	}
	return Alarm{
		Kind: schemas.AlarmLongInactivity, From: since, To: now,
		Score: score(b.quiet[h], quiet.Minutes()), Confidence: confidence(days),
		Explanation: fmt.Sprintf("Ingen aktivitet sedan %s (%s). Mellan %02d och %02d har det %s; larmgränsen är %s.",
			clock(since, cfg), span(quiet), h, (h+1)%24, usualQuiet(b.quiet[h]), span(limit)),
		episode: since.UTC().Format(time.RFC3339),
	}, true
}

// noMorning: past the latest wake-up of training plus MorningMargin, no
// sensor outside the bedroom has started since an hour before the earliest
// wake-up.
func (r *resident) noMorning(cfg Config, now time.Time) (Alarm, bool) {
	b := &r.base
	n := nightOf(now, cfg.Location)
	deadline, morning := n.Add(b.wakeLatest+cfg.MorningMargin), n.Add(b.sleepTo-time.Hour)
	if now.Before(deadline) || r.track.upSince(morning, now) {
		return Alarm{}, false
	}
	late := now.Sub(n).Minutes()
	return Alarm{
		Kind: schemas.AlarmNoMorningActivity, From: morning, To: now,
		Score: score(b.wakes, late), Confidence: confidence(b.nights),
		Explanation: fmt.Sprintf("Ingen aktivitet utanför sovrummet sedan %s. Vanligtvis är personen uppe mellan %s och %s.",
			clock(morning, cfg), clock(n.Add(b.sleepTo), cfg), clock(n.Add(b.wakeLatest), cfg)),
		episode: n.UTC().Format(time.RFC3339),
	}, true
}

// wandering: within the median sleep span, sensors in more rooms (outside
// the bedroom) within WanderWindow than on any training night, and at
// least MinWanderRooms.
func (r *resident) wandering(cfg Config, now time.Time) (Alarm, bool) {
	b := &r.base
	n := nightOf(now, cfg.Location)
	from, to := n.Add(b.sleepFrom), n.Add(b.sleepTo)
	if now.Before(from) || !now.Before(to) {
		return Alarm{}, false
	}
	start := maxTime(from, now.Add(-cfg.WanderWindow))
	rooms := r.track.rooms(start, now)
	if len(rooms) < cfg.MinWanderRooms || float64(len(rooms)) <= slices.Max(b.wander) {
		return Alarm{}, false
	}
	return Alarm{
		Kind: schemas.AlarmNightWandering, From: start, To: now,
		Score: score(b.wander, float64(len(rooms))), Confidence: confidence(b.nights),
		Explanation: fmt.Sprintf("Rörelse i %d rum (%s) mellan %s och %s, under sovtiden %s–%s. Vanligtvis högst %.0f rum per halvtimme på natten.",
			len(rooms), roomNames(rooms), clock(start, cfg), clock(now, cfg), clock(from, cfg), clock(to, cfg), slices.Max(b.wander)),
		episode: n.UTC().Format(time.RFC3339),
	}, true
}

// doorAtNight: the entrance door opened within the median sleep span.
func (r *resident) doorAtNight(cfg Config, now time.Time) (Alarm, bool) {
	b := &r.base
	n := nightOf(now, cfg.Location)
	from, to := n.Add(b.sleepFrom), n.Add(b.sleepTo)
	doors := r.track.doors(from, minTime(now, to))
	if len(doors) == 0 {
		return Alarm{}, false
	}
	opened := doors[len(doors)-1]
	usual := 0
	for _, d := range b.doors {
		if d > 0 {
			usual++
		}
	}
	return Alarm{
		Kind: schemas.AlarmDoorOpenAtNight, From: opened, To: opened,
		Score: score(b.doors, float64(len(doors))), Confidence: confidence(b.nights),
		Explanation: fmt.Sprintf("Ytterdörren öppnades %s, under sovtiden %s–%s. Det har hänt %d av %d nätter tidigare.",
			clock(opened, cfg), clock(from, cfg), clock(to, cfg), usual, b.nights),
		episode: opened.UTC().Format(time.RFC3339),
	}, true
}

// silent: a sensor that fired on at least DailyShare of the training
// nights has not fired for longer than SilentAfter and than its longest
// training gap.
func (r *resident) silent(cfg Config, now time.Time) []Alarm {
	b := &r.base
	var out []Alarm
	for _, id := range slices.Sorted(maps.Keys(b.sensors)) {
		s := b.sensors[id]
		last, ok := r.track.seen[id]
		if !ok || !b.daily(s, cfg.DailyShare) {
			continue
		}
		quiet := now.Sub(last)
		if quiet < cfg.SilentAfter || (len(s.gaps) > 0 && quiet.Hours() <= slices.Max(s.gaps)) {
			continue
		}
		out = append(out, Alarm{
			Kind: schemas.AlarmSensorSilent, From: last, To: now,
			Score: score(s.gaps, quiet.Hours()), Confidence: confidence(b.nights),
			Explanation: fmt.Sprintf("Sensorn vid %s har inte löst ut sedan %s, på %s. Tidigare löste den ut %d av %d dygn.",
				objectName(s.object), last.In(cfg.Location).Format("2/1 15:04"), span(quiet), s.days, b.nights),
			episode: id + " " + last.UTC().Format(time.RFC3339),
		})
	}
	return out
}

// usualQuiet says in Swedish how long the training days were quiet at
// most, given their longest quiet spans in minutes.
func usualQuiet(spans []float64) string {
	if len(spans) == 0 {
		return "inte funnits data från inlärningen"
	}
	return fmt.Sprintf("under %d inlärningsdagar varit som längst %s utan aktivitet", len(spans), span(minutes(slices.Max(spans))))
}

// score is one minus the tail probability of x among samples: the
// Laplace-smoothed share (k+1)/(n+2) of samples at least x, times
// max/x when x is beyond every sample (a Pareto tail of index 1), so the
// score keeps growing the further x lies outside the baseline.
func score(samples []float64, x float64) float64 {
	k, most := 0, 0.0
	for _, s := range samples {
		if s >= x {
			k++
		}
		most = max(most, s)
	}
	tail := float64(k+1) / float64(len(samples)+2)
	if x > most && x > 0 && most > 0 {
		tail *= most / x
	}
	return 1 - tail
}

// confidence is n/(n+2): how much n training days or nights weigh
// against a prior worth two.
func confidence(n int) float64 { return float64(n) / float64(n+2) }

// clock is t as HH:MM on the homes' clock.
func clock(t time.Time, cfg Config) string { return t.In(cfg.Location).Format("15:04") }

// span is d in Swedish hours and minutes, "4 h 10 min".
func span(d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h >= 48:
		return fmt.Sprintf("%d dygn %d h", h/24, h%24)
	case h == 0:
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d h %d min", h, m)
}

var roomSv = map[schemas.Room]string{
	schemas.RoomBedroom: "sovrum", schemas.RoomBathroom: "badrum", schemas.RoomKitchen: "kök",
	schemas.RoomLivingRoom: "vardagsrum", schemas.RoomEntrance: "entré", schemas.RoomHallway: "hall",
	schemas.RoomOther: "annat rum",
}

var objectSv = map[string]string{
	"bed": "säng", "seat": "sittdyna", "main-door": "ytterdörr", "fridge": "kylskåp", "toilet": "toalett",
	"basin": "handfat", "shower": "dusch", "cupboard": "köksskåp", "cabinet": "badrumsskåp", "cooktop": "spis",
	"microwave": "mikrovågsugn", "toaster": "brödrost",
}

// objectName is what a sensor watches, in Swedish when known.
func objectName(object string) string {
	if n, ok := objectSv[object]; ok {
		return n
	}
	return object
}

// roomNames is rooms in Swedish, comma separated.
func roomNames(rooms []schemas.Room) string {
	ns := make([]string, len(rooms))
	for i, r := range rooms {
		ns[i] = roomSv[r]
		if ns[i] == "" {
			ns[i] = roomSv[schemas.RoomOther]
		}
	}
	return strings.Join(ns, ", ")
}
