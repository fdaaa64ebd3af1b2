package snow

import (
	"testing"
	"time"

	"github.com/vasteras/civicbus/schemas"
)

// BenchmarkEvaluateWinters is the 14 winters of SMHI's series (2,975
// decisions).
func BenchmarkEvaluateWinters(b *testing.B) {
	var obs []schemas.WeatherObservation
	for _, file := range []string{"Snodjup_Handsjo.csv", "Rainfall_dygn_Handsjon.csv", "Temperatur_dygn_Ytterhogdal.csv"} {
		obs = append(obs, readSMHI(b, file)...)
	}
	from, to := time.Date(2006, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2020, 4, 30, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		if _, err := EvaluateWinters(Config{}, Area{ID: "a", Priority: true, Salted: true}, obs, from, to); err != nil {
			b.Fatal(err)
		}
	}
}
