package automation

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/models/oip"
)

// oipServer is an Open Inference Protocol server (KServe v2 REST) in the
// test: "scorer" answers output "confidence" with its input "x"; "slow"
// never answers before the client gives up; "broken" answers 500 with an
// error that echoes its input, as a careless server might.
func oipServer(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/models/{name}/infer", func(w http.ResponseWriter, r *http.Request) {
		var req oip.Request
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
			return
		}
		switch r.PathValue("name") {
		case "scorer":
			x, _ := req.Inputs[0].Floats()
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(oip.Response{ModelName: "scorer", ModelVersion: "2", Outputs: []oip.Tensor{oip.FP64("confidence", x)}})
		case "slow":
			<-r.Context().Done()
		default:
			http.Error(w, `{"error":"cannot score 19900101-1234"}`, http.StatusInternalServerError)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestDecideByModel: a model answering in time with enough confidence
// completes the step; one that times out, fails, panics, never returns,
// answers below the threshold (or NaN) or without a motivering refers it,
// and so does any answer on a step only a person may do. Every case gives
// exactly one record, with the model's name and version, and no error text
// of the model (which may quote what it read) in the motivering.
func TestDecideByModel(t *testing.T) {
	srv := oipServer(t)
	client := &oip.Client{BaseURL: srv.URL, Timeout: 10 * time.Second}
	external := func(model string, x float64) func(context.Context) (ModelAnswer, error) {
		return func(ctx context.Context) (ModelAnswer, error) {
			out, err := client.InferNamed(ctx, model, map[string][]float64{"x": {x}}, "confidence")
			if err != nil {
				return ModelAnswer{}, err
			}
			return ModelAnswer{Result: "scored", Confidence: out["confidence"][0], Motivering: "Poängsatt av den externa modellen."}, nil
		}
	}
	answer := func(a ModelAnswer) func(context.Context) (ModelAnswer, error) {
		return func(context.Context) (ModelAnswer, error) { return a, nil }
	}
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	for _, tc := range []struct {
		name     string
		model    func(context.Context) (ModelAnswer, error)
		person   bool // a step only a person may do
		want     schemas.DecisionOutcome
		mentions string
	}{
		{"external model, confident", external("scorer", 0.95), false, schemas.OutcomeCompleted, "Poängsatt"},
		{"external model, unsure", external("scorer", 0.5), false, schemas.OutcomeReferred, "under gränsen 0.80"},
		{"external model times out", external("slow", 0.95), false, schemas.OutcomeReferred, "svarade inte inom"},
		{"external model fails", external("broken", 0.95), false, schemas.OutcomeReferred, "kunde inte ge något svar"},
		{"a model that never returns", func(context.Context) (ModelAnswer, error) { <-block; return ModelAnswer{}, nil }, false, schemas.OutcomeReferred, "svarade inte inom"},
		{"a model that panics", func(context.Context) (ModelAnswer, error) { panic("index out of range") }, false, schemas.OutcomeReferred, "kunde inte ge något svar"},
		{"NaN confidence", answer(ModelAnswer{Result: "scored", Confidence: math.NaN(), Motivering: "x"}), false, schemas.OutcomeReferred, "under gränsen"},
		{"no motivering", answer(ModelAnswer{Result: "scored", Confidence: 1}), false, schemas.OutcomeReferred, "inget fullständigt svar"},
		{"a person's step", answer(ModelAnswer{Result: "scored", Confidence: 1, Motivering: "Säker."}), true, schemas.OutcomeReferred, "bara göras av en person"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			timeout := 30 * time.Second // generous: the machine may be loaded
			if tc.mentions == "svarade inte inom" {
				timeout = 300 * time.Millisecond
			}
			step := ModelStep{
				CaseID: CaseID("test", tc.name), CaseType: "test", StepID: "score", ModelID: "scorer", ModelVersion: "2",
				Threshold: 0.8, Timeout: timeout, AutomationAllowed: !tc.person, TriggerEventID: "evt-1",
				LegalBasis: []string{"Förvaltningslagen (2017:900) 28 §"}, DelegationRef: "test",
			}
			d := DecideByModel(context.Background(), step, time.Now(), tc.model)
			if d.Outcome != tc.want || !strings.Contains(d.Motivering, tc.mentions) {
				t.Errorf("%s: %q, want %s mentioning %q", d.Outcome, d.Motivering, tc.want, tc.mentions)
			}
			if d.DecisionID != ModelDecisionID(step) || d.DecidedBy.Kind != schemas.ActorModel || d.DecidedBy.Version != "2" || d.Inputs == nil {
				t.Errorf("record %+v", d)
			}
			if strings.Contains(d.Motivering, "19900101") || strings.Contains(d.Motivering, "index out of range") {
				t.Errorf("the model's error leaked into the motivering: %q", d.Motivering)
			}
			if d.Outcome == schemas.OutcomeCompleted && (d.Confidence == nil || *d.Confidence < step.Threshold) {
				t.Errorf("completed without the confidence: %+v", d)
			}
		})
	}
}
