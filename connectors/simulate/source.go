package simulate

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vasteras/civicbus/connectors"
)

// item is one simulated record: when it happens, its natural key and its
// fields (JSON types).
type item struct {
	at     time.Time
	key    string
	fields map[string]any
}

// scenario makes the records of one simulated day, sorted by time; the
// same day always gives the same records. It is called from one goroutine.
type scenario interface {
	day(d time.Time) []item
}

// params is what every scenario is built from.
type params struct {
	seed   int64
	volume float64
}

// scenarioFunc builds a scenario.
type scenarioFunc func(p params) scenario

// builtin lists the scenarios of Kind.
var builtin = map[string]scenarioFunc{
	"preschool-applications": func(p params) scenario { return newApplications(p) },
	"case-opened":            func(p params) scenario { return newCases(p, caseOpened) },
	"case-step-completed":    func(p params) scenario { return newCases(p, stepCompleted) },
	"case-closed":            func(p params) scenario { return newCases(p, caseClosed) },
	"meal-purchases":         func(p params) scenario { return newPurchases(p) },
	"meal-portions":          func(p params) scenario { return newPortions(p) },
	"population-register":    func(p params) scenario { return newRegister(p) },
	"school-units":           func(p params) scenario { return newSchoolUnits(p) },
	"snow-reports":           func(p params) scenario { return newSnowReports(p) },
}

// Source is a simulate connector: it implements connectors.Source, Seeker
// and Lagger. Its position is day/index: the simulated day reached and how
// many of that day's records were read, so a restart regenerates the day
// and goes on exactly after the last record on the bus.
type Source struct {
	cfg        Config
	scenario   scenario
	start, end time.Time // end is zero when following without end
	logger     *slog.Logger
	now        func() time.Time

	day   time.Time // the day being read
	idx   int       // records of day already read
	items []item    // day's records; nil until generated

	anchored   bool      // follow: the pacing anchor is set
	anchorSim  time.Time // follow: the simulated time at anchorWall
	anchorWall time.Time

	lag atomic.Int64
}

func newSource(cfg Config, scenarios map[string]scenarioFunc, logger *slog.Logger) (*Source, error) {
	cfg.setDefaults()
	start, end, err := cfg.validate(slices.Sorted(maps.Keys(scenarios)))
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	sc := scenarios[cfg.Scenario](params{seed: cfg.Seed, volume: cfg.Volume})
	return &Source{cfg: cfg, scenario: sc, start: start, end: end, logger: logger, now: time.Now, day: start}, nil
}

// Seek implements connectors.Seeker: position is "" or day/index. A
// position before start (start was moved later) starts at start.
func (s *Source) Seek(position string) error {
	s.day, s.idx, s.items = s.start, 0, nil
	if position == "" {
		return nil
	}
	d, n, ok := strings.Cut(position, "/")
	day, err := time.ParseInLocation(time.DateOnly, d, Stockholm)
	idx, err2 := strconv.Atoi(n)
	if !ok || err != nil || err2 != nil || idx < 0 {
		return fmt.Errorf("simulate: position %q is not day/index", position)
	}
	if !day.Before(s.start) { // a position before start is of another period
		s.day, s.idx = day, idx
	}
	return nil
}

// Connect implements connectors.Source; a following Source paces from the
// first record it reads after it.
func (s *Source) Connect(context.Context) error {
	s.anchored = false
	return nil
}

// Close implements connectors.Source; there is nothing to release.
func (s *Source) Close(context.Context) error { return nil }

// Lag implements connectors.Lagger, in simulated days: those left before
// end, or, when following, before the simulated now.
func (s *Source) Lag() int64 { return s.lag.Load() }

// Read implements connectors.Source: the next records of the simulated
// period, at most BatchSize; with Follow it waits until the first is due.
func (s *Source) Read(ctx context.Context) (connectors.Batch, connectors.AckFunc, error) {
	batch := make(connectors.Batch, 0, min(s.cfg.BatchSize, 64))
	defer s.updateLag()
	for len(batch) < s.cfg.BatchSize {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if !s.end.IsZero() && s.day.After(s.end) {
			if len(batch) > 0 {
				break
			}
			return nil, nil, connectors.ErrEndOfInput
		}
		if s.items == nil && s.anchored { // a day is made only once it has begun
			if wait := s.due(s.day); wait > 0 {
				if len(batch) > 0 {
					break
				}
				if err := sleep(ctx, wait); err != nil {
					return nil, nil, err
				}
				continue
			}
		}
		if s.items == nil {
			s.items = append([]item{}, s.scenario.day(s.day)...) // never nil once made
		}
		if s.idx >= len(s.items) {
			s.day, s.idx, s.items = nextDay(s.day), 0, nil
			continue
		}
		it := s.items[s.idx]
		if wait := s.due(it.at); wait > 0 {
			if len(batch) > 0 {
				break
			}
			if err := sleep(ctx, wait); err != nil {
				return nil, nil, err
			}
			continue
		}
		s.idx++
		batch = append(batch, s.record(it))
	}
	return batch, func(context.Context, error) error { return nil }, nil
}

// due is how long to wait before at is due: zero unless following. The
// first time asked after Connect, at becomes the pacing anchor.
func (s *Source) due(at time.Time) time.Duration {
	if !s.cfg.Follow {
		return 0
	}
	if !s.anchored {
		s.anchored, s.anchorSim, s.anchorWall = true, at, s.now()
		return 0
	}
	ahead := at.Sub(s.simNow())
	if ahead <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(float64(ahead) / s.cfg.Speed))
}

// simNow is the simulated time now, when following.
func (s *Source) simNow() time.Time {
	return s.anchorSim.Add(time.Duration(float64(s.now().Sub(s.anchorWall)) * s.cfg.Speed))
}

func (s *Source) updateLag() {
	last := s.end
	if s.cfg.Follow && s.anchored && (last.IsZero() || s.simNow().Before(last)) {
		last = s.simNow()
	}
	days := int64(0)
	if !last.IsZero() && !s.day.After(last) {
		days = int64(last.Sub(s.day).Hours()/24) + 1
	}
	s.lag.Store(days)
}

// record is the connectors.Record of it, the idx-th of the day, labelled
// as simulated.
func (s *Source) record(it item) connectors.Record {
	f := make(map[string]any, len(it.fields)+2)
	maps.Copy(f, it.fields)
	f["_simulated"] = true
	f["_scenario"] = s.cfg.Scenario
	raw, err := json.Marshal(f)
	if err != nil {
		raw = nil // fields are JSON types; cannot happen
	}
	day := s.day.Format(time.DateOnly)
	return connectors.Record{
		Fields:   f,
		Key:      it.key,
		Position: day + "/" + strconv.Itoa(s.idx),
		Origin:   connectors.Origin{File: "simulate:" + s.cfg.Scenario + ":" + day, Line: s.idx},
		Raw:      raw,
	}
}

func nextDay(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, Stockholm)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
