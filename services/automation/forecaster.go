package automation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/middleware"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/models/forecast"
)

// The forecast's topics.
const (
	TopicPopulation = "population.population-by-age.v1"
	TopicForecast   = "school.place-forecast.v1"
)

// forecastSettle is how long an area's population must be quiet before it
// is forecast: a file of population rows arrives as a burst.
const forecastSettle = 3 * time.Second

// project keeps the population by age of each area and year.
func (s *Service) projectPopulation(msg *message.Message) error {
	var p schemas.PopulationByAge
	if err := json.Unmarshal(msg.Payload, &p); err != nil {
		return middleware.Permanent(errors.New("automation: not a population-by-age event"))
	}
	year := 0
	if len(p.ReferenceDate) >= 4 {
		fmt.Sscanf(string(p.ReferenceDate[:4]), "%d", &year)
	}
	if year == 0 || p.Age < 0 || p.Age > 120 {
		return middleware.Permanent(errors.New("automation: a population-by-age event without a year or with an age out of range"))
	}
	return s.store.putPopulation(msg.Context(), p.AreaCode, year, p.Age, string(p.Sex), p.Persons)
}

// forecastLoop forecasts each area whose population changed and has been
// quiet for forecastSettle, and publishes the rows.
func (s *Service) forecastLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		areas, err := s.store.settledAreas(ctx, forecastSettle)
		if err != nil {
			s.cfg.Logger.Warn("forecast: read areas", "err", err)
			continue
		}
		for _, a := range areas {
			if err := s.forecastArea(ctx, a); err != nil {
				s.cfg.Logger.Warn("forecast not made", "area", a, "err", err)
			}
		}
	}
}

// forecastArea runs the school-place forecast from the area's latest
// population and publishes its rows. Births are taken as the children aged
// 0 at the base date (the year's births less those who died or moved), and
// net migration as none: the demo has one year of population, not the
// series the model can estimate migration from (see the model's package).
func (s *Service) forecastArea(ctx context.Context, area string) error {
	year, pop, women, err := s.store.population(ctx, area)
	if err != nil {
		return err
	}
	if year == 0 || pop[0] == 0 {
		return s.store.forecastDone(ctx, area)
	}
	capacity, err := s.store.capacity(ctx, area)
	if err != nil {
		return err
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%d", area, year)
	in := forecast.Input{
		AreaCode: area, BaseYear: year, Population: pop, Women: women,
		Births: forecast.BirthsInput{History: []float64{pop[0]}}, Seed: h.Sum64(),
	}
	if len(capacity) > 0 {
		in.Capacity = capacity
	}
	out, err := forecast.Run(in)
	if err != nil {
		return err
	}
	var msgs []*message.Message
	for _, r := range out.Rows {
		ev := schemas.PlaceForecast{
			AreaCode: r.AreaCode, BaseYear: out.BaseYear, Year: r.Year, AgeGroup: r.AgeGroup,
			P10: round1(r.P10), P50: round1(r.P50), P90: round1(r.P90), Capacity: r.Capacity,
			Confidence: r.Confidence, ModelID: forecast.Name, ModelVersion: forecast.Version,
		}
		js, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		// The id covers the values too: a forecast remade on corrected
		// data is a new event (the dataset keeps the latest per key).
		id := uuid.NewSHA1(forecastNamespace, js).String()
		m := message.NewMessage(id, js)
		m.Metadata.Set(bus.MetadataPartitionKey, area)
		msgs = append(msgs, m)
	}
	if err := s.pub.Publish(TopicForecast, msgs...); err != nil {
		return err
	}
	s.cfg.Logger.Info("school-place forecast published", "area", area, "base_year", year, "rows", len(msgs))
	if len(out.Needs) > 0 {
		if err := s.openPremisesNeed(ctx, out); err != nil {
			return err
		}
	}
	return s.store.forecastDone(ctx, area)
}

var forecastNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte(schemas.SchemaID("school.place-forecast", 1)))

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }
