package routine

import (
	"slices"
	"time"

	"github.com/vasteras/civicbus/schemas"
)

// tracker is what the model remembers of one home's recent activations. A
// sensor counts as a sign of presence from its start to its end: a person
// on a seat pressure mat for two hours is not inactive.
type tracker struct {
	acts   []schemas.SensorActivation // by StartedAt, pruned to keep
	maxEnd time.Time                  // latest end (or start) seen
	last   schemas.SensorActivation   // the latest started
	seen   map[string]time.Time       // sensor id → latest start
}

// keep is how far back the tracker keeps activations: a night and a day.
const keep = 36 * time.Hour

func newTracker() *tracker { return &tracker{seen: map[string]time.Time{}} }

// observe records a, in any order.
func (tr *tracker) observe(a schemas.SensorActivation) {
	i, _ := slices.BinarySearchFunc(tr.acts, a.StartedAt, func(x schemas.SensorActivation, t time.Time) int {
		return x.StartedAt.Compare(t)
	})
	tr.acts = slices.Insert(tr.acts, i, a)
	if e := end(a); e.After(tr.maxEnd) {
		tr.maxEnd = e
	}
	if !a.StartedAt.Before(tr.last.StartedAt) {
		tr.last = a
	}
	if a.StartedAt.After(tr.seen[a.SensorID]) {
		tr.seen[a.SensorID] = a.StartedAt
	}
}

// prune forgets activations that started before now − keep.
func (tr *tracker) prune(now time.Time) {
	cut := now.Add(-keep)
	i := 0
	for i < len(tr.acts) && tr.acts[i].StartedAt.Before(cut) {
		i++
	}
	tr.acts = slices.Delete(tr.acts, 0, i)
}

// quietSince is the last moment at or before now when a sensor was
// active, and whether the resident is presumed out: the latest activation
// is the entrance door and has ended.
func (tr *tracker) quietSince(now time.Time) (since time.Time, away bool) {
	since = tr.maxEnd
	if since.After(now) {
		since = now
	}
	return since, isDoor(tr.last) && end(tr.last).Before(now)
}

// rooms lists the distinct rooms other than the bedroom whose sensors
// started in [from, to].
func (tr *tracker) rooms(from, to time.Time) []schemas.Room {
	var rs []schemas.Room
	for _, a := range tr.between(from, to) {
		if a.Room != schemas.RoomBedroom && !slices.Contains(rs, a.Room) {
			rs = append(rs, a.Room)
		}
	}
	return rs
}

// upSince reports whether a sensor outside the bedroom started in
// [from, to]: the resident is up.
func (tr *tracker) upSince(from, to time.Time) bool {
	for _, a := range tr.between(from, to) {
		if a.Room != schemas.RoomBedroom {
			return true
		}
	}
	return false
}

// doors lists the starts of entrance-door activations in [from, to].
func (tr *tracker) doors(from, to time.Time) []time.Time {
	var ts []time.Time
	for _, a := range tr.between(from, to) {
		if isDoor(a) {
			ts = append(ts, a.StartedAt)
		}
	}
	return ts
}

// between is the activations that started in [from, to].
func (tr *tracker) between(from, to time.Time) []schemas.SensorActivation {
	lo, _ := slices.BinarySearchFunc(tr.acts, from, func(x schemas.SensorActivation, t time.Time) int {
		return x.StartedAt.Compare(t)
	})
	hi := lo
	for hi < len(tr.acts) && !tr.acts[hi].StartedAt.After(to) {
		hi++
	}
	return tr.acts[lo:hi]
}

// end is when a stopped: EndedAt, or StartedAt when the sensor reports
// onsets only or is still active.
func end(a schemas.SensorActivation) time.Time {
	if a.EndedAt.After(a.StartedAt) {
		return a.EndedAt
	}
	return a.StartedAt
}

// isDoor reports whether a is the entrance door: a contact sensor in the
// entrance or on the main door.
func isDoor(a schemas.SensorActivation) bool {
	return a.SensorKind == schemas.SensorContact && (a.Room == schemas.RoomEntrance || a.Object == "main-door")
}

// nightOf is the start of the night t falls in. A night runs from 15:00 to
// 15:00 the next day, wall clock in loc, so that one night holds a whole
// sleep and the following wake-up.
func nightOf(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	a := time.Date(l.Year(), l.Month(), l.Day(), 15, 0, 0, 0, loc)
	if l.Before(a) {
		a = a.AddDate(0, 0, -1)
	}
	return a
}
