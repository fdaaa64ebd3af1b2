package oip

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// server is a small Open Inference Protocol server (KServe v2 REST): model
// "doubler" returns each FP64 input doubled as output "<name>_x2" and the
// sum of all as "total" (shape [1, 1], nested data as some servers send
// it); "slow" answers after the client has given up; "broken" answers 500
// with an error echoing its input, as a careless server might; "loading"
// is not ready; any other model is 404.
func server(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/models/{name}/ready", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("name") {
		case "doubler", "slow", "broken":
			w.WriteHeader(http.StatusOK)
		case "loading":
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})
	mux.HandleFunc("POST /v2/models/{name}/infer", func(w http.ResponseWriter, r *http.Request) {
		var req Request
		if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&req) != nil {
			http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
			return
		}
		switch r.PathValue("name") {
		case "doubler":
			resp := Response{ModelName: "doubler", ModelVersion: "1", ID: req.ID}
			total := 0.0
			for _, in := range req.Inputs {
				v, err := in.Floats()
				if err != nil || in.Datatype != "FP64" {
					http.Error(w, `{"error":"input not FP64"}`, http.StatusBadRequest)
					return
				}
				for i := range v {
					total += v[i]
					v[i] *= 2
				}
				out := FP64(in.Name+"_x2", v)
				resp.Outputs = append(resp.Outputs, out)
			}
			resp.Outputs = append(resp.Outputs, Tensor{Name: "total", Shape: []int64{1, 1}, Datatype: "FP64", Data: json.RawMessage(`[[` + jsonNum(total) + `]]`)})
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(resp)
		case "slow":
			<-r.Context().Done()
		case "broken":
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"error":"cannot score input 199001011234"}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"unknown model"}`))
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func jsonNum(x float64) string { b, _ := json.Marshal(x); return string(b) }

func TestInferNamed(t *testing.T) {
	c := &Client{BaseURL: server(t).URL + "/", Timeout: 5 * time.Second}
	if err := c.Ready(context.Background(), "doubler"); err != nil {
		t.Fatal(err)
	}
	got, err := c.InferNamed(context.Background(), "doubler",
		map[string][]float64{"snow_depth_cm": {1.5, 3}, "air_temperature_c": {-2}}, "snow_depth_cm_x2", "total")
	if err != nil {
		t.Fatal(err)
	}
	if v := got["snow_depth_cm_x2"]; len(v) != 2 || v[0] != 3 || v[1] != 6 {
		t.Errorf("snow_depth_cm_x2 = %v", v)
	}
	if v := got["total"]; len(v) != 1 || v[0] != 2.5 {
		t.Errorf("total = %v, want [2.5]", v)
	}
	if _, err := c.InferNamed(context.Background(), "doubler", map[string][]float64{"a": {1}}, "missing"); !errors.Is(err, ErrBadResponse) {
		t.Errorf("a missing output: %v, want ErrBadResponse", err)
	}
}

// TestFailuresGoToAPerson: a timeout, a server error, an unknown or
// unready model and an unreachable server all wrap ErrUnavailable (the
// caller refers the step to a person); no error repeats what the server
// said about the input.
func TestFailuresGoToAPerson(t *testing.T) {
	srv := server(t)
	c := &Client{BaseURL: srv.URL, Timeout: 200 * time.Millisecond}
	in := map[string][]float64{"x": {1}}
	cases := []struct {
		model string
		want  error
	}{{"slow", ErrTimeout}, {"broken", ErrUnavailable}, {"nosuch", ErrUnavailable}}
	for _, tc := range cases {
		_, err := c.InferNamed(context.Background(), tc.model, in)
		if !errors.Is(err, tc.want) || !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: %v, want %v", tc.model, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "199001011234") {
			t.Errorf("%s: the error repeats the server's text: %v", tc.model, err)
		}
	}
	var se *StatusError
	if _, err := c.InferNamed(context.Background(), "broken", in); !errors.As(err, &se) || se.Status != 500 {
		t.Errorf("broken: %v, want a StatusError 500", err)
	}
	for _, m := range []string{"loading", "nosuch"} {
		if err := c.Ready(context.Background(), m); !errors.Is(err, ErrNotReady) {
			t.Errorf("ready %s: %v, want ErrNotReady", m, err)
		}
	}
	srv.Close()
	if err := c.Ready(context.Background(), "doubler"); !errors.Is(err, ErrUnavailable) || strings.Contains(err.Error(), srv.URL) {
		t.Errorf("a closed server: %v", err)
	}
}

// TestRequestChecked: a request whose data does not fit its shape, or
// holds NaN, is refused before it is sent; errors name the tensor.
func TestRequestChecked(t *testing.T) {
	c := &Client{BaseURL: server(t).URL}
	bad := Request{Inputs: []Tensor{{Name: "x", Shape: []int64{3}, Datatype: "FP64", Data: json.RawMessage(`[1,2]`)}}}
	if _, err := c.Infer(context.Background(), "doubler", bad); err == nil || !strings.Contains(err.Error(), "input x") || errors.Is(err, ErrUnavailable) {
		t.Errorf("shape mismatch: %v", err)
	}
	nan := 0.0
	if _, err := c.InferNamed(context.Background(), "doubler", map[string][]float64{"y": {nan / nan}}); err == nil || !strings.Contains(err.Error(), "input y") {
		t.Errorf("NaN: %v", err)
	}
	if _, err := c.InferNamed(context.Background(), "a/b", map[string][]float64{"y": {1}}); err == nil {
		t.Error("a model name with / accepted")
	}
}
