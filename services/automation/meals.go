package automation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus/middleware"
	"github.com/vasteras/civicbus/internal/calendar"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/models/meals"
	"github.com/vasteras/civicbus/services/automation/models/oip"
	"github.com/vasteras/civicbus/services/automation/rules"
)

// The meal-order case type. Trigger: meals.portions-served.v1. The
// service keeps each kitchen's lunch portions; once a kitchen's portions
// have been quiet for the settle time (a day's or a backfill's rows arrive
// as a burst), the meal-demand model proposes the order for each of the
// five workdays after the kitchen's latest served day (public holidays
// skipped; school breaks are not on the bus yet, so a kitchen closed for a
// break still gets proposals, which a person approves or not). Each kitchen and
// day is one meal-order case (its id from both, so once however often the
// portions are redelivered or re-sent): propose-order, done by the model
// and completed when its confidence reaches Config.MealThreshold, else
// referred; approve-order, which only a person does (the model refers it
// with its proposal). A kitchen with too short a history gets its case
// with propose-order referred.
const (
	TopicPortions        = "meals.portions-served.v1"
	CaseTypeMealOrder    = "meal-order"
	StepProposeOrder     = "propose-order"
	StepApproveOrder     = "approve-order"
	DefaultMealUnit      = "maltidsservice"
	DefaultMealThreshold = 0.8
	dueKitchen           = "kitchen"
	mealDelegate         = "BUN delegationsordning 2024 punkt 8.2 (beställning av livsmedel)"
)

var mealLegalBasis = []string{
	"Skollagen (2010:800) 10 kap. 10 §",
	"Förvaltningslagen (2017:900) 28 §",
	"Kommunallagen (2017:725) 6 kap. 37 §",
}

// settle is how long a kitchen's or area's data must be quiet before the
// service acts on it.
const settle = 3 * time.Second

// projectPortions keeps a kitchen's lunch portions.
func (s *Service) projectPortions(msg *message.Message) error {
	var p schemas.PortionsServed
	if err := json.Unmarshal(msg.Payload, &p); err != nil {
		return middleware.Permanent(errors.New("automation: not a portions-served event"))
	}
	if p.Meal != "" && p.Meal != schemas.MealLunch {
		return nil // the model forecasts lunches
	}
	if _, err := p.Date.Time(); err != nil || p.KitchenID == "" {
		return middleware.Permanent(errors.New("automation: a portions-served event without a kitchen or a date"))
	}
	return s.store.putPortions(msg.Context(), p.KitchenID, string(p.Date), p.Portions)
}

// proposeOrders opens the meal-order cases of every kitchen whose portions
// have settled.
func (s *Service) proposeOrders(ctx context.Context) {
	ks, err := s.store.settled(ctx, dueKitchen, settle)
	if err != nil {
		s.cfg.Logger.Warn("meal orders: read kitchens", "err", err)
		return
	}
	for _, k := range ks {
		if err := s.proposeKitchen(ctx, k.key); err != nil {
			s.cfg.Logger.Warn("meal order not proposed", "kitchen", k.key, "err", err)
			continue
		}
		if err := s.store.handled(ctx, dueKitchen, k); err != nil {
			s.cfg.Logger.Warn("meal orders", "err", err)
		}
	}
}

// proposeKitchen opens the meal-order cases of one kitchen's next five
// workdays: weekdays that are not public holidays, when no school kitchen
// cooks.
func (s *Service) proposeKitchen(ctx context.Context, kitchen string) error {
	hist, err := s.store.portions(ctx, kitchen, meals.DefaultWindow)
	if err != nil || len(hist) == 0 {
		return err
	}
	last, err := hist[len(hist)-1].Date.Time()
	if err != nil {
		return err
	}
	var days []schemas.Date
	for d := last.AddDate(0, 0, 1); len(days) < 5; d = d.AddDate(0, 0, 1) {
		if calendar.Workday(d) {
			days = append(days, schemas.DateOf(d))
		}
	}
	out, runErr := meals.Run(meals.Input{History: hist, Days: days})
	rows := map[schemas.Date]meals.Row{}
	for _, r := range out.Rows {
		rows[r.Date] = r
	}
	for _, day := range days {
		if err := s.openMealOrder(ctx, kitchen, day, hist, rows[day], runErr); err != nil {
			return err
		}
	}
	s.cfg.Logger.Info("meal orders proposed", "kitchen", kitchen, "from", days[0], "days", len(days))
	return nil
}

var weekdays = [...]string{"söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"}

// openMealOrder opens one kitchen's meal-order case for day with the
// model's row r (zero when the model skipped the kitchen).
func (s *Service) openMealOrder(ctx context.Context, kitchen string, day schemas.Date, hist []schemas.PortionsServed, r meals.Row, runErr error) error {
	key := kitchen + "/" + string(day)
	caseID := CaseID(CaseTypeMealOrder, key)
	version, automated := s.stepAutomated(CaseTypeMealOrder, StepProposeOrder, true)
	ref := "meals.portions-served/" + kitchen
	step := ModelStep{
		CaseID: caseID, CaseType: CaseTypeMealOrder, StepID: StepProposeOrder,
		ModelID: meals.Name, ModelVersion: meals.Version, Threshold: s.cfg.MealThreshold,
		AutomationAllowed: automated, TriggerEventID: "meal-order/" + key,
		Inputs: []schemas.DecisionInput{
			{Name: "portions_served", Ref: ref},
			{Name: "history_days", Value: len(hist)},
			{Name: "latest_served", Value: string(hist[len(hist)-1].Date)},
			{Name: "day", Value: string(day)},
		},
		LegalBasis: mealLegalBasis, DelegationRef: mealDelegate,
	}
	t, _ := day.Time()
	if x := s.cfg.MealExternal; x != nil {
		step.ModelID, step.ModelVersion = x.Model, x.Version
		step.Timeout, _ = time.ParseDuration(x.Timeout)
	}
	answer := func(ctx context.Context) (ModelAnswer, error) {
		if s.cfg.MealExternal != nil {
			return s.externalMealAnswer(ctx, kitchen, day, t, hist)
		}
		if runErr != nil {
			return ModelAnswer{}, runErr
		}
		if r.KitchenID == "" {
			return ModelAnswer{Result: "no-forecast", Motivering: fmt.Sprintf(
				"Köket har %d serverade dagar, färre än de %d modellen behöver för en prognos.", len(hist), meals.MinHistory)}, nil
		}
		return ModelAnswer{
			Result: "order-proposed", Confidence: r.Confidence,
			Fields: map[string]any{"kitchen_id": kitchen, "date": string(day), "order_portions": r.Order, "p10": r.P10, "p50": r.P50, "p90": r.P90},
			Motivering: fmt.Sprintf("Förslag: beställ %d portioner lunch till %s på %s %s. Prognosen är %.0f portioner, med 80 procents sannolikhet mellan %.0f och %.0f, från de senaste %d serverade dagarna och veckodagens mönster. Beställningen är den övre gränsen avrundad uppåt, så att maten räcker nio dagar av tio.",
				r.Order, kitchen, weekdays[t.Weekday()], day, r.P50, r.P10, r.P90, len(hist)),
		}, nil
	}
	now := time.Now()
	propose := DecideByModel(ctx, step, now, answer)
	approve := step
	approve.StepID, approve.AutomationAllowed, approve.Threshold = StepApproveOrder, false, 0
	approval := DecideByModel(ctx, approve, now, func(ctx context.Context) (ModelAnswer, error) {
		a, err := answer(ctx)
		if err == nil {
			a.Result = "approval-needed"
			a.Motivering = "Beställningen ska godkännas av en person i köket. " + a.Motivering
		}
		return a, err
	})
	deadline := t.AddDate(0, 0, -1)
	return s.openCase(ctx, schemas.CaseOpened{
		CaseID: caseID, CaseType: CaseTypeMealOrder, CaseTypeVersion: version, OpenedAt: now,
		OrgUnitID: s.cfg.MealUnit, SubjectRef: ref, Deadline: schemas.DateOf(deadline),
		OpenedBy: &schemas.Actor{Kind: schemas.ActorModel, ID: step.ModelID, Version: step.ModelVersion},
	}, []rules.Decision{propose, approval})
}

// externalMealAnswer asks the external meal model (Config.MealExternal)
// over the Open Inference Protocol for one kitchen's order on day. It sends
// FP64 tensors "portions" (the served days' portions, oldest first),
// "weekday" (their ISO weekdays, 1 = Monday) and "day_weekday" (the
// ordered day's), and reads "order_portions" and "confidence". Any failure
// or timeout is an error: DecideByModel refers the step.
func (s *Service) externalMealAnswer(ctx context.Context, kitchen string, day schemas.Date, t time.Time, hist []schemas.PortionsServed) (ModelAnswer, error) {
	x := s.cfg.MealExternal
	portions := make([]float64, len(hist))
	wd := make([]float64, len(hist))
	for i, h := range hist {
		portions[i] = float64(h.Portions)
		ht, _ := h.Date.Time()
		wd[i] = float64(isoWeekday(ht))
	}
	c := &oip.Client{BaseURL: x.URL}
	out, err := c.InferNamed(ctx, x.Model, map[string][]float64{"portions": portions, "weekday": wd, "day_weekday": {float64(isoWeekday(t))}}, "order_portions", "confidence")
	if err != nil {
		return ModelAnswer{}, err
	}
	order, conf := out["order_portions"], out["confidence"]
	if len(order) != 1 || len(conf) != 1 || !(order[0] >= 0 && order[0] < 1e6) {
		return ModelAnswer{}, errors.New("the external model's answer is not one order and one confidence")
	}
	n := int(math.Ceil(order[0]))
	return ModelAnswer{Result: "order-proposed", Confidence: conf[0],
		Fields: map[string]any{"kitchen_id": kitchen, "date": string(day), "order_portions": n},
		Motivering: fmt.Sprintf("Förslag från modellen %s version %s: beställ %d portioner lunch till %s på %s %s, beräknat från de senaste %d serverade dagarna.",
			x.Model, x.Version, n, kitchen, weekdays[t.Weekday()], day, len(hist))}, nil
}

func isoWeekday(t time.Time) int {
	if t.Weekday() == time.Sunday {
		return 7
	}
	return int(t.Weekday())
}
