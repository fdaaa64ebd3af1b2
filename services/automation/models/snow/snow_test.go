package snow

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas"
)

func f(v float64) *float64 { return &v }

var at = time.Date(2024, 1, 15, 6, 0, 0, 0, time.UTC)

func day(h int, o schemas.WeatherObservation) schemas.WeatherObservation {
	o.ObservedAt = at.Add(time.Duration(h) * time.Hour)
	return o
}

// TestPloughThresholds: 6 cm of new snow ploughs a priority road and not a
// local street (10 cm); the rise in snow depth counts even when little
// precipitation was measured, and snow of the day before At−24 h does not.
func TestPloughThresholds(t *testing.T) {
	obs := []schemas.WeatherObservation{
		day(-48, schemas.WeatherObservation{SnowDepthCm: f(0)}),
		day(-24, schemas.WeatherObservation{SnowDepthCm: f(20)}),
		day(0, schemas.WeatherObservation{SnowDepthCm: f(26), Period: schemas.PeriodDay, PrecipitationMm: f(1), AirTemperatureC: f(-12)}),
	}
	for _, c := range []struct {
		priority bool
		plough   bool
	}{{true, true}, {false, false}} {
		out, err := Decide(Config{}, Input{Area: Area{ID: "plogomrade-1", Priority: c.priority}, At: at, Observations: obs})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Missing) != 1 || out.Missing[0] != "forecasts" {
			t.Errorf("missing %v, want only the forecasts", out.Missing)
		}
		if out.NewSnowCm == nil || *out.NewSnowCm != 6 {
			t.Fatalf("new snow %v, want 6", out.NewSnowCm)
		}
		got := len(out.Actions) > 0 && out.Actions[0].Kind == schemas.SnowPloughing
		if got != c.plough {
			t.Errorf("priority %v: actions %+v, want plough %v", c.priority, out.Actions, c.plough)
		}
		if got && (out.Actions[0].Confidence <= 0.5 || !strings.Contains(out.Actions[0].Reason, "6 cm nysnö")) {
			t.Errorf("plough %+v", out.Actions[0])
		}
	}
}

// TestPrecipitationAsSnow: without snow depth, 7 mm at −1 °C is 7 cm of
// snow; the same at +4 °C is rain and no snow.
func TestPrecipitationAsSnow(t *testing.T) {
	for _, c := range []struct {
		airC float64
		want float64
	}{{-1, 7}, {4, 0}} {
		obs := []schemas.WeatherObservation{day(0, schemas.WeatherObservation{Period: schemas.PeriodDay, PrecipitationMm: f(7), AirTemperatureC: f(c.airC)})}
		out, err := Decide(Config{}, Input{Area: Area{ID: "a", Priority: true}, At: at, Observations: obs})
		if err != nil {
			t.Fatal(err)
		}
		if *out.NewSnowCm != c.want {
			t.Errorf("%v °C: new snow %v, want %v", c.airC, *out.NewSnowCm, c.want)
		}
	}
}

// TestAntiSlipAndHeating: a moist road near 0 °C is salted in the salted
// network and sanded outside it or below −6 °C; heating goes on for a
// forecast of snow at −1 °C, off for dry cold, and is left to a person
// without a forecast.
func TestAntiSlipAndHeating(t *testing.T) {
	wet := func(c float64) []schemas.WeatherObservation {
		return []schemas.WeatherObservation{day(-1, schemas.WeatherObservation{Period: schemas.PeriodDay, PrecipitationMm: f(0.5), AirTemperatureC: f(5), RoadSurfaceTemperatureC: f(c)})}
	}
	for _, c := range []struct {
		salted  bool
		surface float64
		want    schemas.SnowClearingKind
	}{{true, -1, schemas.SnowSalting}, {false, -1, schemas.SnowSanding}, {true, -8, ""}, {true, -5.5, schemas.SnowSalting}, {true, 3, ""}} {
		out, err := Decide(Config{}, Input{Area: Area{ID: "a", Salted: c.salted}, At: at, Observations: wet(c.surface)})
		if err != nil {
			t.Fatal(err)
		}
		var got schemas.SnowClearingKind
		if len(out.Actions) > 0 {
			got = out.Actions[len(out.Actions)-1].Kind
		}
		if got != c.want {
			t.Errorf("salted %v at %v °C: %q, want %q", c.salted, c.surface, got, c.want)
		}
		if out.Heating.On || out.Heating.Confidence != 0 || len(out.Missing) == 0 {
			t.Errorf("no forecast: heating %+v missing %v", out.Heating, out.Missing)
		}
	}
	fc := func(c, snow float64) []schemas.WeatherForecast {
		return []schemas.WeatherForecast{{Source: "smhi-pmp3g", LocationID: "a", IssuedAt: at, ValidAt: at.Add(6 * time.Hour), AirTemperatureC: f(c), SnowfallCm: f(snow)}}
	}
	for _, c := range []struct {
		airC, snow float64
		on         bool
	}{{-1, 2, true}, {-15, 2, false}, {-1, 0, false}} {
		out, err := Decide(Config{}, Input{Area: Area{ID: "a"}, At: at, Forecasts: fc(c.airC, c.snow)})
		if err != nil {
			t.Fatal(err)
		}
		if out.Heating.On != c.on || out.Heating.Confidence == 0 {
			t.Errorf("forecast %v °C, %v cm: heating %+v, want on %v", c.airC, c.snow, out.Heating, c.on)
		}
	}
}

// TestValidate: every problem at once, fields named.
func TestValidate(t *testing.T) {
	_, err := Decide(Config{IceMinC: 3, IceMaxC: 1}, Input{Observations: []schemas.WeatherObservation{{}}})
	for _, want := range []string{"area.id", "at is zero", "observations[0]", "ice_min_c"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func readSMHI(t testing.TB, file string) []schemas.WeatherObservation {
	t.Helper()
	fh, err := os.Open(testenv.Root(t) + "/demo/data/smhi/" + file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	obs, err := ReadSMHI(fh)
	if err != nil {
		t.Fatal(err)
	}
	return obs
}

// TestSMHIWinters: on SMHI's real series (snow depth and precipitation at
// Handsjön, mean air temperature at Ytterhogdal) a priority road would
// have been ploughed on a plausible number of days each winter: more than
// none and fewer than one day in four, with most decision days complete.
func TestSMHIWinters(t *testing.T) {
	var obs []schemas.WeatherObservation
	for _, file := range []string{"Snodjup_Handsjo.csv", "Rainfall_dygn_Handsjon.csv", "Temperatur_dygn_Ytterhogdal.csv"} {
		got := readSMHI(t, file)
		if len(got) < 4000 || got[0].StationID == "" {
			t.Fatalf("%s: %d observations, first %+v", file, len(got), got[0])
		}
		obs = append(obs, got...)
	}
	from, to := time.Date(2006, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2020, 4, 30, 0, 0, 0, 0, time.UTC)
	winters, err := EvaluateWinters(Config{}, Area{ID: "handsjon", Priority: true, Salted: true}, obs, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(winters) != 14 {
		t.Fatalf("%d winters, want 14 (2006/07 to 2019/20)", len(winters))
	}
	for _, w := range winters {
		t.Logf("%+v", w)
		if w.Incomplete > w.Days/3 {
			continue // a station out of order most of the winter
		}
		if w.Plough < 3 || w.Plough > w.Days/4 {
			t.Errorf("winter %s: %d plough days of %d", w.Winter, w.Plough, w.Days)
		}
		if w.HeatingOn == 0 || w.HeatingOn > w.Days/2 {
			t.Errorf("winter %s: heating on %d days of %d", w.Winter, w.HeatingOn, w.Days)
		}
	}
}

func TestExplainNamesVersion(t *testing.T) {
	if !strings.Contains(Explain(), Version) || !strings.Contains(Explain(), "5 cm") {
		t.Error("Explain lacks the version or the plough threshold")
	}
}
