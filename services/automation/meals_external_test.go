package automation

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/models/oip"
	"github.com/vasteras/civicbus/services/automation/rules"
)

// TestMealOrderByExternalModel: a meal model trained elsewhere, served over
// the Open Inference Protocol by a server in the test, replaces the
// built-in one: it gets the kitchen's portions and weekdays and answers an
// order and a confidence, which become the propose-order decisions (by the
// external model's name and version, completed above the threshold). The
// same server answering too slowly refers every step to a person.
func TestMealOrderByExternalModel(t *testing.T) {
	var slow atomic.Bool
	var asked atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/models/kok-modell/infer", func(w http.ResponseWriter, r *http.Request) {
		var req oip.Request
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		asked.Add(1)
		if slow.Load() {
			<-r.Context().Done()
			return
		}
		in := map[string][]float64{}
		for _, t := range req.Inputs {
			in[t.Name], _ = t.Floats()
		}
		sum := 0.0
		for _, p := range in["portions"] {
			sum += p
		}
		if len(in["portions"]) != len(in["weekday"]) || len(in["day_weekday"]) != 1 {
			http.Error(w, "inputs", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(oip.Response{ModelName: "kok-modell", ModelVersion: "3", Outputs: []oip.Tensor{
			oip.FP64("order_portions", []float64{1.1 * sum / float64(len(in["portions"]))}), oip.FP64("confidence", []float64{0.9})}})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	run := func(timeout string) map[string]schemas.DecisionRecorded {
		b := testenv.Broker(t)
		conn := bus.Connection{Brokers: []string{b.Addr()}}
		var events []any
		var ids []string
		for _, p := range servedDays("kok-stadig", 60, 300, 0.02, rand.New(rand.NewPCG(1, 2))) {
			events = append(events, p)
			ids = append(ids, fmt.Sprintf("00000000-0000-4000-8000-%012d", len(ids)))
		}
		decisions := collect(t, conn, TopicDecision)
		_, stop := startService(t, Config{RulesDir: t.TempDir(), Conn: conn, DB: filepath.Join(t.TempDir(), "a.db"), Meals: true, SettleEvery: 200 * time.Millisecond,
			MealExternal: &rules.ExternalModel{URL: srv.URL, Model: "kok-modell", Version: "3", Timeout: timeout}})
		defer stop()
		publish(t, conn, TopicPortions, ids, events)
		waitFor(t, "10 decisions", func() bool { return len(decisions.distinct()) >= 10 })
		out := map[string]schemas.DecisionRecorded{}
		for _, m := range decisions.distinct() {
			var d schemas.DecisionRecorded
			json.Unmarshal(m.Payload, &d)
			if d.StepID == StepProposeOrder {
				out[d.DecisionID] = d
			}
		}
		return out
	}
	ds := run("30s")
	if len(ds) != 5 || asked.Load() < 5 {
		t.Fatalf("%d proposals, the model asked %d times", len(ds), asked.Load())
	}
	for _, d := range ds {
		n, _ := d.Fields["order_portions"].(float64)
		if d.Outcome != schemas.OutcomeCompleted || d.DecidedBy.ID != "kok-modell" || d.DecidedBy.Version != "3" || n < 300 || n > 340 || !strings.Contains(d.Motivering, "kok-modell") {
			t.Errorf("%s by %s@%s: %v portions: %s", d.Outcome, d.DecidedBy.ID, d.DecidedBy.Version, n, d.Motivering)
		}
	}
	slow.Store(true)
	for _, d := range run("300ms") {
		if d.Outcome != schemas.OutcomeReferred || !strings.Contains(d.Motivering, "svarade inte inom") {
			t.Errorf("a slow model: %s %q", d.Outcome, d.Motivering)
		}
	}
}
