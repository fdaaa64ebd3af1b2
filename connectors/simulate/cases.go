package simulate

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// caseKind is which of a case's events a case scenario sends.
type caseKind int

const (
	caseOpened caseKind = iota
	stepCompleted
	caseClosed
)

// caseWindow bounds a simulated case's life: every case is closed within
// it (the steps' durations are capped so), so the events of a day come from
// the applications of the caseWindow days before it.
const caseWindow = 200

// caseEvent is one event of a simulated case.
type caseEvent struct {
	kind caseKind
	item
}

// cases is a case scenario: the preschool-placement cases of the
// applications of the same seed and volume, one event kind of them.
type cases struct {
	p     params
	want  caseKind
	apps  *applications
	cache map[string][]caseEvent // by the applications' day
}

func newCases(p params, want caseKind) *cases {
	return &cases{p: p, want: want, apps: newApplications(p), cache: map[string][]caseEvent{}}
}

func (c *cases) day(d time.Time) []item {
	var out []item
	for e := addDays(d, -caseWindow); !e.After(d); e = addDays(e, 1) {
		for _, ev := range c.events(e) {
			if ev.kind == c.want && dayOf(ev.at).Equal(d) {
				out = append(out, ev.item)
			}
		}
	}
	for k := range c.cache { // keep only the window
		if k < addDays(d, -caseWindow-1).Format(time.DateOnly) {
			delete(c.cache, k)
		}
	}
	slices.SortStableFunc(out, func(a, b item) int {
		if n := a.at.Compare(b.at); n != 0 {
			return n
		}
		return strings.Compare(a.key, b.key)
	})
	return out
}

// events are the events of the cases of the applications submitted on e.
func (c *cases) events(e time.Time) []caseEvent {
	k := e.Format(time.DateOnly)
	if evs, ok := c.cache[k]; ok {
		return evs
	}
	var evs []caseEvent
	for _, ap := range c.apps.of(e) {
		evs = append(evs, c.timeline(ap)...)
	}
	c.cache[k] = evs
	return evs
}

const caseType = "preschool-placement"

var (
	eService  = map[string]any{"kind": "system", "id": "sim-e-service"}
	residency = map[string]any{"kind": "rule", "id": "sim-preschool-residency-check", "version": "3"}
	queueRule = map[string]any{"kind": "rule", "id": "sim-preschool-queue-priority", "version": "2"}
)

// timeline is the life of the case an application opens. Durations are
// log-normal (as handling times are); people act in office hours:
//
//   - opened by the e-service seconds after the application;
//   - residency-check by a rule within a minute; 6 % are referred to a
//     caseworker, who completes it after a median 1.5 working days;
//   - 1 % are dismissed (a duplicate) and 1 % rejected (not resident in
//     Västerås) by a caseworker after the check;
//   - queue-priority by a rule seconds later;
//   - 5 % are withdrawn by the guardian, after a median 20 days;
//   - placement-offer by a caseworker: about 45 days before the desired
//     start, at least a few days after the application, before the
//     four-month deadline;
//   - guardian-reply through the e-service after a median 4 days (at most
//     30); 3 % decline (withdrawn), the rest accept;
//   - closed as granted by a caseworker about a working day later.
func (c *cases) timeline(ap application) []caseEvent {
	r := newRNG(c.p.seed, "case", ap.id)
	staff := map[string]any{"kind": "person", "id": fmt.Sprintf("sim-staff-%02d", 1+r.IntN(12))}
	l := c.open(r, ap)
	t := l.opened.Add(r.logNormal(40*time.Second, 0.5))
	if r.chance(0.06) {
		t = l.step("residency-check", officeTime(r, l.opened.Add(r.logNormal(36*time.Hour, 0.7))), staff)
	} else {
		t = l.step("residency-check", t, residency)
	}
	switch u := r.Float64(); {
	case u < 0.01:
		return l.close(officeTime(r, t.Add(r.logNormal(24*time.Hour, 0.5))), "dismissed", staff)
	case u < 0.02:
		return l.close(officeTime(r, t.Add(r.logNormal(48*time.Hour, 0.5))), "rejected", staff)
	}
	t = l.step("queue-priority", t.Add(r.logNormal(20*time.Second, 0.5)), queueRule)
	if r.chance(0.05) {
		return l.close(t.Add(min(r.logNormal(20*24*time.Hour, 0.8), 120*24*time.Hour)), "withdrawn", eService)
	}
	offer := ap.desired.Add(-r.logNormal(45*24*time.Hour, 0.3))
	offer = latest(offer, t.Add(r.logNormal(3*24*time.Hour, 0.8)))
	offer = latest(t, earliest(offer, l.deadline.Add(-7*24*time.Hour), l.opened.Add(150*24*time.Hour)))
	t = l.step("placement-offer", officeTime(r, offer), staff)
	t = l.step("guardian-reply", t.Add(min(r.logNormal(4*24*time.Hour, 0.7), 30*24*time.Hour)), eService)
	if r.chance(0.03) {
		return l.close(t.Add(time.Minute), "withdrawn", eService)
	}
	return l.close(officeTime(r, t.Add(r.logNormal(20*time.Hour, 0.5))), "granted", staff)
}

// caseLog collects the events of one case as its timeline makes them.
type caseLog struct {
	seed             int64
	id               string
	opened, deadline time.Time
	evs              []caseEvent
}

// open starts the log of ap's case with its case-opened event: seconds
// after the application, due four months after it or at the desired start
// if that is later.
func (c *cases) open(r rng, ap application) *caseLog {
	l := &caseLog{seed: c.p.seed, id: simID(c.p.seed, "case", ap.id)}
	l.opened = ap.submitted.Add(time.Duration(2+r.IntN(28)) * time.Second)
	l.deadline = latest(ap.desired, time.Date(ap.submitted.Year(), ap.submitted.Month()+4, ap.submitted.Day(), 0, 0, 0, 0, Stockholm))
	l.evs = []caseEvent{{caseOpened, item{at: l.opened, key: l.id, fields: map[string]any{
		"case_id": l.id, "case_type": caseType, "case_type_version": int64(1), "opened_at": rfc(l.opened),
		"org_unit_id": "sim-forskoleplacering", "reference_number": fmt.Sprintf("SIM-BUN %d/%05d", l.opened.Year(), 1+r.IntN(99999)),
		"subject_ref": "school.preschool-application/" + ap.id, "deadline": l.deadline.Format(time.DateOnly), "opened_by": eService,
	}}}}
	return l
}

// step logs stepID completed at at by by, and returns at. A rule's step is
// automated and has a decision_id.
func (l *caseLog) step(stepID string, at time.Time, by map[string]any) time.Time {
	f := map[string]any{"case_id": l.id, "case_type": caseType, "step_id": stepID, "completed_at": rfc(at),
		"completed_by": by, "automated": by["kind"] == "rule"}
	if by["kind"] == "rule" {
		f["decision_id"] = simID(l.seed, "decision", l.id+"/"+stepID)
	}
	l.evs = append(l.evs, caseEvent{stepCompleted, item{at: at, key: l.id + "/" + stepID, fields: f}})
	return at
}

// close logs the case closed, and returns every event of the case.
func (l *caseLog) close(at time.Time, resolution string, by map[string]any) []caseEvent {
	return append(l.evs, caseEvent{caseClosed, item{at: at, key: l.id, fields: map[string]any{
		"case_id": l.id, "case_type": caseType, "closed_at": rfc(at), "resolution": resolution, "closed_by": by}}})
}

func rfc(t time.Time) string { return t.In(Stockholm).Format(time.RFC3339) }

func latest(t time.Time, ts ...time.Time) time.Time {
	for _, u := range ts {
		if u.After(t) {
			t = u
		}
	}
	return t
}

func earliest(t time.Time, ts ...time.Time) time.Time {
	for _, u := range ts {
		if u.Before(t) {
			t = u
		}
	}
	return t
}
