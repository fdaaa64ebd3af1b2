package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/simulate"
	"github.com/vasteras/civicbus/demo/replay"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/models/forecast"
	"github.com/vasteras/civicbus/services/automation/models/meals"
	"github.com/vasteras/civicbus/services/automation/models/routine"
	"github.com/vasteras/civicbus/services/automation/models/snow"
)

const modelsHelp = `usage: civicbus models eval <name> [--data DIR] [--seed N]

Runs a model's evaluation on the repository's demo data and prints the
figures (the same the model's package documents):

  meals     meal-demand: rolling-origin backtest on a simulated school year
            (connectors/simulate meal-portions, 2024, --seed, default 1980):
            MAPE against the naive same-weekday-last-week forecast, the
            interval's coverage, how often the orders would run short;
            then one kitchen's order proposals for 13-17 Jan 2025, in
            portions and in kg per group (from the year's meal-purchases)
  snow      snow-clearing: the work orders of every winter 2006/07-2019/20
            on SMHI's series in DIR/smhi (snow depth and precipitation at
            Handsjön, air temperature at Ytterhogdal), for a priority area
            in the salted network
  forecast  school-place-forecast: Västerås's ten-year forecast from its
            2019 population in DIR/scb (births per woman from the county's
            0-year-olds, no migration: the demo data has no series, so no
            backtest; that needs the team's county series, see the package)

  routine   resident-routine: precision and recall on the real home
            sensor log in DIR/ordonez (Ordóñez house A, 14 days): trained
            on the first 7 nights, each later complete night run untouched
            and with each of 7 injected anomalies (the same figures as
            go test -v -run Evaluate ./services/automation/models/routine/)

  --data DIR   the demo data folder (default demo/data)
  --seed N     the simulation's seed for meals (default 1980)
`

// modelEvals are the models `models eval` knows, by name.
var modelEvals = map[string]func(c *cli, ctx context.Context, data string, seed int64) error{
	"meals":    (*cli).evalMeals,
	"snow":     (*cli).evalSnow,
	"forecast": (*cli).evalForecast,
	"routine":  (*cli).evalRoutine,
}

// cmdModels is `civicbus models eval <name>`.
func (c *cli) cmdModels(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "eval" {
		return usageError{errors.New("models: say eval <name> (civicbus help models)")}
	}
	var data string
	var seed int64
	f := newFlags("models eval", "civicbus models eval <name> [--data DIR] [--seed N]")
	f.StringVar(&data, "data", filepath.Join("demo", "data"), "the demo data `DIR`")
	f.Int64Var(&seed, "seed", 1980, "the meal simulation's `seed`")
	pos, done, err := c.parseInterleaved(f, args[1:])
	if done {
		return err
	}
	if len(pos) != 1 {
		return usageError{errors.New("models eval: name one model: meals, snow, forecast or routine")}
	}
	eval, ok := modelEvals[pos[0]]
	if !ok {
		return usageError{fmt.Errorf("models eval: no evaluation of %q; say meals, snow, forecast or routine", pos[0])}
	}
	return eval(c, ctx, data, seed)
}

// evalRoutine measures the resident-routine model's precision and recall
// on the real home's log with injected anomalies.
func (c *cli) evalRoutine(_ context.Context, data string, _ int64) error {
	file := filepath.Join(data, "ordonez", "OrdonezA_Sensors.txt")
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	raw, err := replay.Parse(f)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	acts := make([]schemas.SensorActivation, len(raw))
	for i, r := range raw {
		if acts[i], err = r.Event("res-ordonez-a"); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
	}
	ev, err := routine.Evaluate(routine.Config{Location: replay.Zone}, acts)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s %s on %s (%d activations): trained on %d nights, %d test nights, each untouched and with each injected anomaly\n",
		routine.Name, routine.Version, file, len(acts), ev.TrainingNights, ev.TestNights)
	w := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "kind\talarms\ttrue\tscenarios\tfound\tprecision\trecall\tmean delay\t")
	for _, k := range append(ev.Kinds, ev.Overall) {
		name := string(k.Kind)
		delay := k.MeanDelay.String()
		if name == "" {
			name, delay = "overall", ""
		}
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%.2f\t%.2f\t%s\t\n", name, k.Alarms, k.Hits, k.Scenarios, k.Found, k.Precision, k.Recall, delay)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "untouched nights: %d, false alarms on them: %d\n", ev.CleanNights, ev.CleanNightAlarms)
	for _, fa := range ev.FalseAlarms {
		fmt.Fprintln(c.stdout, "  false alarm: "+fa)
	}
	return nil
}

// evalMeals backtests the meal-demand model on a simulated year and shows
// the order proposals of one kitchen for the first school week of 2025.
func (c *cli) evalMeals(ctx context.Context, _ string, seed int64) error {
	history, err := simulated[schemas.PortionsServed](ctx, "meal-portions", seed)
	if err != nil {
		return err
	}
	purchases, err := simulated[schemas.Purchase](ctx, "meal-purchases", seed)
	if err != nil {
		return err
	}
	r, err := meals.Backtest(history, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s %s: rolling-origin backtest on the simulated lunches of 2024 (connectors/simulate meal-portions, seed %d)\n", meals.Name, meals.Version, seed)
	w := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "  origins (weeks)\t%d\n  kitchen-days\t%d\n", r.Origins, r.Points)
	fmt.Fprintf(w, "  MAPE of P50\t%.1f %%\n  MAPE naive\t%.1f %%\t(same weekday last week)\n", r.MAPE, r.NaiveMAPE)
	fmt.Fprintf(w, "  P10-P90 coverage\t%.1f %%\t(80 is right)\n", r.Coverage)
	fmt.Fprintf(w, "  orders (P90 up)\tshort on %.1f %% of days\t%+.1f %% of served on average\n", r.Short, r.Excess)
	if r.PlannedPoints > 0 {
		fmt.Fprintf(w, "  kitchens' own plans\tshort on %.1f %% of days\t%+.1f %% of served on average\n", r.PlannedShort, r.PlannedExcess)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return c.mealOrders(history, meals.KgPerPortion(purchases, history))
}

// mealOrders prints the first kitchen's proposals for 13-17 January 2025
// (the first full school week after the Christmas break), in portions and
// in kg per ingredient group.
func (c *cli) mealOrders(history []schemas.PortionsServed, kg map[schemas.PurchaseCategory]float64) error {
	days := []schemas.Date{"2025-01-13", "2025-01-14", "2025-01-15", "2025-01-16", "2025-01-17"}
	out, err := meals.Run(meals.Input{History: history, Days: days, KgPerPortion: kg})
	if err != nil || len(out.Rows) == 0 {
		return err
	}
	fmt.Fprintf(c.stdout, "order proposals of %s, kg per group from the year's purchases (kg per planned portion):\n", out.Rows[0].KitchenID)
	w := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "date\tP10\tP50\tP90\tconfidence\torder\t  kg per group")
	for _, r := range out.Rows[:len(days)] {
		var groups []string
		for _, g := range r.OrderKg {
			groups = append(groups, fmt.Sprintf("%s %.1f", g.Group, g.Kg))
		}
		fmt.Fprintf(w, "%s\t%.0f\t%.0f\t%.0f\t%.2f\t%d\t  %s\n", r.Date, r.P10, r.P50, r.P90, r.Confidence, r.Order, strings.Join(groups, ", "))
	}
	return w.Flush()
}

// simulated is a simulate scenario's records of 2024 decoded as T, the
// scenario's event type.
func simulated[T any](ctx context.Context, scenario string, seed int64) ([]T, error) {
	src, err := simulate.New(simulate.Config{Scenario: scenario, Seed: seed, Start: "2024-01-01", End: "2024-12-31"}, nil)
	if err != nil {
		return nil, err
	}
	var out []T
	for {
		batch, ack, err := src.Read(ctx)
		if errors.Is(err, connectors.ErrEndOfInput) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		for _, r := range batch {
			var p T
			raw, err := json.Marshal(r.Fields)
			if err == nil {
				err = json.Unmarshal(raw, &p)
			}
			if err != nil {
				return nil, fmt.Errorf("models eval meals: a simulated %s record does not fit its event type: %w", scenario, err)
			}
			out = append(out, p)
		}
		if err := ack(ctx, nil); err != nil {
			return nil, err
		}
	}
}

// evalSnow counts the snow model's work orders in every winter of the SMHI
// series.
func (c *cli) evalSnow(_ context.Context, data string, _ int64) error {
	var obs []schemas.WeatherObservation
	for _, name := range []string{"Snodjup_Handsjo.csv", "Rainfall_dygn_Handsjon.csv", "Temperatur_dygn_Ytterhogdal.csv"} {
		o, err := readSMHIFile(filepath.Join(data, "smhi", name))
		if err != nil {
			return err
		}
		obs = append(obs, o...)
	}
	area := snow.Area{ID: "handsjon", Priority: true, Salted: true}
	from, to := time.Date(2006, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2020, 4, 30, 0, 0, 0, 0, time.UTC)
	winters, err := snow.EvaluateWinters(snow.Config{}, area, obs, from, to)
	if err != nil {
		return err
	}
	cfg := snow.DefaultConfig()
	fmt.Fprintf(c.stdout, "%s %s: work orders per winter (1 Oct-30 Apr, decided 06 UTC daily) on SMHI Handsjön/Ytterhogdal, a priority area in the salted network;\n", snow.Name, snow.Version)
	fmt.Fprintf(c.stdout, "plough at >= %.0f cm new snow, salt/sand on a moist surface in %.0f..%+.0f °C, the next day's observation as the forecast\n", cfg.PloughPriorityCm, cfg.IceMinC, cfg.IceMaxC)
	w := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "winter\tdays\tplough\tsalt\tsand\theating on\tmax new snow cm\tincomplete\t")
	var sum snow.WinterCount
	for _, x := range winters {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t%.1f\t%d\t\n", x.Winter, x.Days, x.Plough, x.Salt, x.Sand, x.HeatingOn, x.MaxNewSnowCm, x.Incomplete)
		sum.Plough, sum.Salt, sum.Sand, sum.HeatingOn = sum.Plough+x.Plough, sum.Salt+x.Salt, sum.Sand+x.Sand, sum.HeatingOn+x.HeatingOn
	}
	if n := float64(len(winters)); n > 0 {
		fmt.Fprintf(w, "mean\t\t%.1f\t%.1f\t%.1f\t%.1f\t\t\t\n", float64(sum.Plough)/n, float64(sum.Salt)/n, float64(sum.Sand)/n, float64(sum.HeatingOn)/n)
	}
	return w.Flush()
}

func readSMHIFile(path string) ([]schemas.WeatherObservation, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("models eval snow: %w", err)
	}
	defer f.Close()
	obs, err := snow.ReadSMHI(f)
	if err != nil {
		return nil, fmt.Errorf("models eval snow: %s: %w", filepath.Base(path), err)
	}
	return obs, nil
}

// evalForecast runs the school-place forecast for Västerås from the demo's
// 2019 population alone.
func (c *cli) evalForecast(_ context.Context, data string, _ int64) error {
	path := filepath.Join(data, "scb", "SCB_alderkon_vastmanland_2019.csv")
	pop, women, err := readSCB2019(path, "Västerås")
	if err != nil {
		return err
	}
	countyPop, countyWomen, err := readSCB2019(path, "")
	if err != nil {
		return err
	}
	var women1549 float64
	for a := 15; a <= 49; a++ {
		women1549 += countyWomen[a]
	}
	perWoman := countyPop[0] / women1549
	out, err := forecast.Run(forecast.Input{AreaCode: "1980", BaseYear: 2019, Population: pop, Women: women,
		Births: forecast.BirthsInput{PerWoman: perWoman}, Seed: 2019})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s %s: Västerås (1980) from 31 Dec 2019, births per woman 15-49 %.4f (the county's 0-year-olds / its women 15-49), no migration, %d draws, seed %d\n",
		forecast.Name, forecast.Version, perWoman, out.Draws, out.Seed)
	w := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "year\tage group\tP10\tP50\tP90\tconfidence\t")
	for _, r := range out.Rows {
		fmt.Fprintf(w, "%d\t%s\t%.0f\t%.0f\t%.0f\t%.2f\t\n", r.Year, r.AgeGroup, r.P10, r.P50, r.P90, r.Confidence)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, "The backtest (base 2013, compared with 2023) needs the county series outside the repository:\n  go test -count=1 -v -run Backtest ./services/automation/models/forecast/")
	return nil
}

// readSCB2019 reads SCB's persons by region, age (0-100) and sex at 31 Dec
// 2019: persons and women by age for region, or for the whole file (the
// county) when region is "".
func readSCB2019(path, region string) (pop, women []float64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("models eval forecast: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 4
	pop, women = make([]float64, 101), make([]float64, 101)
	for line := 0; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return pop, women, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("models eval forecast: %s: %w", filepath.Base(path), err)
		}
		if line == 0 || (region != "" && rec[0] != region) {
			continue
		}
		age, errA := strconv.Atoi(rec[1])
		n, errN := strconv.ParseFloat(rec[3], 64)
		if errA != nil || errN != nil || age < 0 || age > 100 {
			return nil, nil, fmt.Errorf("models eval forecast: %s: row %d: age or count is not a number in range", filepath.Base(path), line+1)
		}
		pop[age] += n
		if rec[2] == "kvinnor" {
			women[age] += n
		}
	}
}
