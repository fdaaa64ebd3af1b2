// Package automation is the automation service: it completes routine case
// steps by rule and raises care alarms by model, each lawfully recorded.
//
// Rules (services/automation/rules, YAML in the directory
// CIVICBUS_RULES_DIR names) are evaluated on the events that trigger them;
// every decision — completed, referred to a person, or a field set — is
// published as a cases.decision-recorded.v1 event and kept in the
// service's append-only decision table; a completed step is also announced
// as cases.step-completed.v1 carrying the decision's id. A redelivered event
// gives the same decision ids, and a decision already on record is not
// published again: effectively once. Rules read the population register
// through a projection the service keeps from population.resident-moved-in
// and population.birth-registered events (keyed by a hash of the
// personnummer); a rule whose lookup finds nothing refers its step to a
// person.
//
// The school-place forecast (services/automation/models/forecast) runs for
// each area whose population-by-age events have settled and publishes its
// rows on school.place-forecast.v1, which the open-data service turns into
// the forecast dataset.
//
// The resident-routine model (services/automation/models/routine) reads
// care.sensor-activation.v1 from the start of the topic at every start (its
// baseline is rebuilt from the history, so a restart loses nothing), learns
// each resident's routine from their first week, then raises
// care.alarm.v1 events with a score and a plain-Swedish explanation; each
// alarm has a deterministic id and is raised once.
//
// Models do case steps too, each through DecideByModel (a model that times
// out, fails or is unsure refers the step to a person; one decision record
// either way): every care alarm opens a care-alarm case (carealarm.go); the
// meal-demand model proposes each kitchen's orders as meal-order cases
// (meals.go); the snow-clearing model orders work per area as
// snow-work-order cases with roads.snow-clearing and roads.ground-heating
// events (snow.go); a forecast whose demand exceeds the places opens a
// premises-need case (premises.go). A case type's opened_by opens the
// cases no other system opens, such as a citizen's snow report. The
// rules directory's model-settings give each model's threshold, unit and
// (snow) areas. A rule version whose content changed since it was first
// loaded is refused (checkRuleVersions).
package automation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/middleware"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/models/routine"
	"github.com/vasteras/civicbus/services/automation/models/snow"
	"github.com/vasteras/civicbus/services/automation/rules"
	"github.com/vasteras/civicbus/services/internal/svcbus"
)

// The service's environment, defaults and topics.
const (
	EnvRulesDir     = "CIVICBUS_RULES_DIR"
	DefaultRulesDir = "rules.d"
	ConsumerGroup   = "automation"

	TopicDecision      = "cases.decision-recorded.v1"
	TopicStepCompleted = "cases.step-completed.v1"
	TopicAlarm         = "care.alarm.v1"
	TopicSensor        = "care.sensor-activation.v1"

	// ProjectionRegister is the projection rules name as population-register.
	ProjectionRegister = "population-register"
)

// registerTopics feed the population-register projection.
var registerTopics = []string{"population.resident-moved-in.v1", "population.birth-registered.v1"}

// Config configures Run.
type Config struct {
	// RulesDir holds case types and rules; default DefaultRulesDir. A
	// missing directory means no rules.
	RulesDir string
	// Conn reaches Kafka.
	Conn bus.Connection
	// DB is the state: a SQLite path or a postgres:// URL.
	DB string
	// Routine turns the resident-routine model on (default on in Run's
	// callers; false leaves care.sensor-activation.v1 alone).
	Routine bool
	// RoutineModel configures the resident-routine model (zero fields take
	// its defaults; Location defaults to Europe/Stockholm). Its ReviewBelow
	// is the confidence under which a care alarm's raise-alarm step is
	// referred to a person.
	RoutineModel routine.Config
	// CareUnit is the unit whose inbox gets a care alarm's case when the
	// resident's activations name no care unit; default DefaultCareUnit.
	CareUnit string
	// Forecast turns the school-place forecast on: it keeps the population
	// by age of population.population-by-age.v1 and, when an area's
	// population has settled, publishes its forecast on
	// school.place-forecast.v1. ForecastEvery is how often settled areas
	// are looked for (default 10 s).
	Forecast      bool
	ForecastEvery time.Duration
	// PremisesThreshold is the confidence under which a forecast's
	// premises need goes to a person (default DefaultPremisesThreshold);
	// PremisesUnit the unit whose inbox gets the premises-need cases
	// (default DefaultPremisesUnit). See CaseTypePremisesNeed.
	PremisesThreshold float64
	PremisesUnit      string
	// Placement turns the preschool-placement model on (see
	// ModelPlacement): it proposes a placement for each new preschool
	// application; PlacementThreshold is the confidence under which the
	// proposal says a person must choose (default 0.8). The rules
	// directory's model-settings of preschool-placement turn it on.
	Placement          bool
	PlacementThreshold float64
	// Meals turns the meal-order proposals on (see CaseTypeMealOrder):
	// MealThreshold is the confidence under which propose-order goes to a
	// person (default DefaultMealThreshold), MealUnit the unit whose inbox
	// gets the cases (default DefaultMealUnit).
	Meals         bool
	MealThreshold float64
	MealUnit      string
	// MealExternal, when set, replaces the built-in meal-demand model by
	// one served over the Open Inference Protocol (see externalMealAnswer);
	// the rules directory's model-settings of meal-demand may set it.
	MealExternal *rules.ExternalModel
	// SnowAreas are the areas the snow-clearing model works (see
	// CaseTypeSnowWorkOrder); none turns it off. SnowModel configures the
	// model (zero: its defaults), SnowThreshold is the confidence under
	// which its steps go to a person (default DefaultSnowThreshold),
	// SnowUnit the unit whose inbox gets the cases (default
	// DefaultSnowUnit).
	SnowAreas     []SnowArea
	SnowModel     snow.Config
	SnowThreshold float64
	SnowUnit      string
	// SettleEvery is how often kitchens (and snow areas) whose data has
	// settled are looked for (default 10 s).
	SettleEvery time.Duration
	// Logger; nil discards.
	Logger *slog.Logger
	// Metrics; nil: a private registry.
	Metrics prometheus.Registerer
}

// Service is a running automation service.
type Service struct {
	cfg    Config
	engine *rules.Engine
	store  *store
	pub    message.Publisher
	// register is how far the population-register projection has got
	// (caughtup.go), which the rules that read it wait for.
	register *projectionClock
}

// New loads the rules and opens the state and the publisher.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.RulesDir == "" {
		cfg.RulesDir = DefaultRulesDir
	}
	var engine *rules.Engine
	if _, err := os.Stat(cfg.RulesDir); err == nil {
		if engine, err = rules.Load(cfg.RulesDir); err != nil {
			return nil, fmt.Errorf("automation: %w", err)
		}
		cfg = withSettings(cfg, engine)
	}
	if cfg.MealThreshold == 0 {
		cfg.MealThreshold = DefaultMealThreshold
	}
	if cfg.PlacementThreshold == 0 {
		cfg.PlacementThreshold = 0.8
	}
	if cfg.MealUnit == "" {
		cfg.MealUnit = DefaultMealUnit
	}
	if cfg.SettleEvery <= 0 {
		cfg.SettleEvery = 10 * time.Second
	}
	if cfg.PremisesThreshold == 0 {
		cfg.PremisesThreshold = DefaultPremisesThreshold
	}
	if cfg.PremisesUnit == "" {
		cfg.PremisesUnit = DefaultPremisesUnit
	}
	if cfg.SnowThreshold == 0 {
		cfg.SnowThreshold = DefaultSnowThreshold
	}
	if cfg.SnowUnit == "" {
		cfg.SnowUnit = DefaultSnowUnit
	}
	if cfg.CareUnit == "" {
		cfg.CareUnit = DefaultCareUnit
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = prometheus.NewRegistry()
	}
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	if engine != nil {
		if err := st.checkRuleVersions(ctx, engine); err != nil {
			st.close()
			return nil, fmt.Errorf("automation: %w", err)
		}
	}
	pub, err := svcbus.Publisher(cfg.Conn, "/civicbus/automation", cfg.Logger)
	if err != nil {
		st.close()
		return nil, fmt.Errorf("automation: %w", err)
	}
	s := &Service{cfg: cfg, store: st, pub: pub, register: newProjectionClock(cfg.Conn, ConsumerGroup, registerTopics)}
	if engine != nil {
		s.engine = engine.WithLookups(st, 0)
	}
	n := 0
	if engine != nil {
		n = len(engine.TriggerTopics())
	}
	cfg.Logger.Info("rules loaded", "dir", cfg.RulesDir, "trigger_topics", n)
	return s, nil
}

// Close closes the publisher and the state.
func (s *Service) Close() error { return errors.Join(s.pub.Close(), s.store.close()) }

// Run runs the service until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	s, err := New(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Run(ctx)
}

// Run consumes the trigger and register topics and, with Routine, the
// sensor activations, until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	router, err := svcbus.NewRouter(svcbus.RouterConfig{Conn: s.cfg.Conn, Group: ConsumerGroup, Source: "/civicbus/automation", Metrics: s.cfg.Metrics, Logger: s.cfg.Logger})
	if err != nil {
		return fmt.Errorf("automation: %w", err)
	}
	defer router.Close()
	// One handler per topic, running each part in turn: two subscribers
	// of one group on one topic would split its partitions between them.
	var topics []string
	parts := map[string][]message.NoPublishHandlerFunc{}
	// The topics whose handling reads a projection another topic feeds:
	// taken one event at a time, so as not to run ahead of it.
	paced := map[string]bool{}
	handle := func(_, topic string, h message.NoPublishHandlerFunc) error {
		if parts[topic] == nil {
			topics = append(topics, topic)
		}
		parts[topic] = append(parts[topic], h)
		return nil
	}
	for _, topic := range registerTopics {
		if err := handle("automation:register:"+topic, topic, s.project); err != nil {
			return err
		}
		paced[topic] = true // what is applied of a partition is a prefix (caughtup.go)
	}
	if s.cfg.Forecast {
		if err := handle("automation:forecast:"+TopicPopulation, TopicPopulation, s.projectPopulation); err != nil {
			return err
		}
		if err := handle("automation:forecast:"+TopicSchoolUnit, TopicSchoolUnit, s.projectUnit); err != nil {
			return err
		}
	}
	if s.cfg.Meals {
		if err := handle("automation:meals:"+TopicPortions, TopicPortions, s.projectPortions); err != nil {
			return err
		}
	}
	if s.cfg.Placement {
		for topic, h := range map[string]message.NoPublishHandlerFunc{TopicSchoolUnit: s.projectUnit, TopicEnrolment: s.projectEnrolment, TopicApplication: s.proposePlacement} {
			if topic == TopicSchoolUnit && s.cfg.Forecast {
				continue // the forecast keeps the units already
			}
			if err := handle("automation:placement:"+topic, topic, h); err != nil {
				return err
			}
			if topic == TopicApplication {
				paced[topic] = true // reads the units' places and enrolments
			}
		}
	}
	if len(s.cfg.SnowAreas) > 0 {
		if err := handle("automation:snow:"+TopicObservation, TopicObservation, s.projectObservation); err != nil {
			return err
		}
		if err := handle("automation:snow:"+TopicWeatherForecast, TopicWeatherForecast, s.projectWeatherForecast); err != nil {
			return err
		}
	}
	if err := handle("automation:snow-plan:"+TopicSnowClearing, TopicSnowClearing, s.projectSnowPlan); err != nil {
		return err
	}
	if s.engine != nil {
		for _, topic := range s.engine.TriggerTopics() {
			if err := handle("automation:rules:"+topic, topic, s.decide(topic)); err != nil {
				return err
			}
			paced[topic] = paced[topic] || len(s.engine.Projections(topic)) > 0
		}
	}
	for _, topic := range topics {
		hs := parts[topic]
		h := hs[0]
		if len(hs) > 1 {
			h = func(msg *message.Message) error {
				for _, h := range hs {
					if err := h(msg); err != nil {
						return err
					}
				}
				return nil
			}
		}
		add := router.Handle
		if paced[topic] {
			add = router.HandleOneAtATime
		}
		if err := add("automation:"+topic, topic, h); err != nil {
			return fmt.Errorf("automation: %w", err)
		}
	}
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer func() { cancel(); wg.Wait() }()
	if s.cfg.Forecast {
		every := s.cfg.ForecastEvery
		if every <= 0 {
			every = 10 * time.Second
		}
		wg.Go(func() { s.forecastLoop(ctx, every) })
	}
	if s.cfg.Meals || len(s.cfg.SnowAreas) > 0 {
		wg.Go(func() { s.settleLoop(ctx) })
	}
	if s.cfg.Routine {
		w, err := s.newWatcher()
		if err != nil {
			return err
		}
		wg.Go(func() {
			if err := w.run(ctx); err != nil && ctx.Err() == nil {
				s.cfg.Logger.Error("routine watcher stopped", "err", err)
			}
		})
	}
	if err := router.Run(ctx); err != nil && ctx.Err() == nil {
		return fmt.Errorf("automation: %w", err)
	}
	return nil
}

// project keeps the population-register projection: the latest register
// event per person.
func (s *Service) project(msg *message.Message) error {
	var rec map[string]any
	if err := json.Unmarshal(msg.Payload, &rec); err != nil {
		return middleware.Permanent(errors.New("automation: the event is not a JSON object"))
	}
	key, _ := rec["personnummer"].(string)
	if key == "" {
		return middleware.Permanent(errors.New("automation: a register event without personnummer"))
	}
	if err := s.store.put(msg.Context(), ProjectionRegister, key, rec); err != nil {
		return err
	}
	s.register.note(msg)
	return nil
}

// decide evaluates the rules an event of topic triggers and publishes the
// decisions not already on record, then records them: published before
// recorded, so a crash in between publishes them again (with the same ids)
// rather than never. A case's events share a partition, so its decisions
// come in order.
func (s *Service) decide(topic string) message.NoPublishHandlerFunc {
	readsRegister := slices.Contains(s.engine.Projections(topic), ProjectionRegister)
	return func(msg *message.Message) error {
		var event map[string]any
		if err := json.Unmarshal(msg.Payload, &event); err != nil {
			return middleware.Permanent(errors.New("automation: the event is not a JSON object"))
		}
		ctx := msg.Context()
		if rec, ok := bus.RecordFromCtx(ctx); ok && readsRegister && !s.register.await(ctx, rec.Time) && ctx.Err() == nil {
			s.cfg.Logger.Warn("automation: the population register's projection is behind; deciding on what it holds", "waited", projectionWait, "event", rec.String())
		}
		now := time.Now()
		opens, err := s.engine.Openings(topic, event, now)
		if err != nil {
			return middleware.Permanent(err)
		}
		ds, err := s.engine.Evaluate(ctx, topic, msg.UUID, event, now)
		if err != nil {
			return middleware.Permanent(err)
		}
		// A case this event opens is announced before its decisions.
		for _, c := range opens {
			var mine, rest []rules.Decision
			for _, d := range ds {
				if d.CaseID == c.CaseID {
					mine = append(mine, d)
				} else {
					rest = append(rest, d)
				}
			}
			if err := s.openCase(ctx, c, mine); err != nil {
				return err
			}
			ds = rest
		}
		fresh, err := s.store.unrecorded(ctx, ds)
		if err != nil {
			return err
		}
		if len(fresh) == 0 {
			return nil
		}
		if err := s.publishDecisions(fresh); err != nil {
			return err
		}
		return s.store.recordAll(ctx, fresh)
	}
}

// publishDecisions publishes the decision records of one event in one
// write, then the steps they completed in another.
func (s *Service) publishDecisions(ds []rules.Decision) error {
	var records, steps []*message.Message
	for _, d := range ds {
		payload, err := json.Marshal(d)
		if err != nil {
			return err
		}
		m := message.NewMessage(d.DecisionID, payload)
		m.Metadata.Set(bus.MetadataPartitionKey, d.CaseID)
		records = append(records, m)
		if d.Outcome != schemas.OutcomeCompleted {
			continue
		}
		js, err := json.Marshal(schemas.StepCompleted{
			CaseID: d.CaseID, CaseType: d.CaseType, StepID: d.StepID, CompletedAt: d.DecidedAt,
			CompletedBy: d.DecidedBy, Automated: true, DecisionID: d.DecisionID,
		})
		if err != nil {
			return err
		}
		sm := message.NewMessage(rules.DecisionID("step-completed", 1, d.DecisionID, d.CaseID), js)
		sm.Metadata.Set(bus.MetadataPartitionKey, d.CaseID)
		steps = append(steps, sm)
	}
	if err := s.pub.Publish(TopicDecision, records...); err != nil {
		return err
	}
	if len(steps) == 0 {
		return nil
	}
	return s.pub.Publish(TopicStepCompleted, steps...)
}

// settleLoop acts, every SettleEvery, on the kitchens whose portions have
// settled.
func (s *Service) settleLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.SettleEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if s.cfg.Meals {
			s.proposeOrders(ctx)
		}
		if len(s.cfg.SnowAreas) > 0 {
			s.decideSnow(ctx)
		}
	}
}

// withSettings fills the fields of cfg left zero from the rules
// directory's model-settings.
func withSettings(cfg Config, e *rules.Engine) Config {
	set := func(model string, threshold *float64, unit *string) rules.ModelSettings {
		m, ok := e.Settings(model)
		if !ok {
			return m
		}
		if m.Threshold != nil && *threshold == 0 {
			*threshold = *m.Threshold
		}
		if m.OrgUnit != "" && *unit == "" {
			*unit = m.OrgUnit
		}
		return m
	}
	set(routine.Name, &cfg.RoutineModel.ReviewBelow, &cfg.CareUnit)
	if m := set("meal-demand", &cfg.MealThreshold, &cfg.MealUnit); cfg.MealExternal == nil {
		cfg.MealExternal = m.External
	}
	set("school-place-forecast", &cfg.PremisesThreshold, &cfg.PremisesUnit)
	var none string
	if _, ok := e.Settings(ModelPlacement); ok {
		cfg.Placement = true
		set(ModelPlacement, &cfg.PlacementThreshold, &none)
	}
	if m := set(snow.Name, &cfg.SnowThreshold, &cfg.SnowUnit); len(cfg.SnowAreas) == 0 {
		cfg.SnowAreas = m.Areas
	}
	return cfg
}
