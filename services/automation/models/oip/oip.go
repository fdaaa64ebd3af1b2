package oip

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// DefaultTimeout bounds one call when Client.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// maxResponse bounds the response body read (32 MiB).
const maxResponse = 32 << 20

// Errors. Every error of a call wraps ErrUnavailable: the caller then makes
// no automated decision and refers the step to a person.
var (
	// ErrUnavailable is what every failed call wraps.
	ErrUnavailable = errors.New("oip: model unavailable")
	// ErrTimeout: the model did not answer within the timeout.
	ErrTimeout = fmt.Errorf("%w: timed out", ErrUnavailable)
	// ErrNotReady: the server says the model is not ready (or unknown).
	ErrNotReady = fmt.Errorf("%w: not ready", ErrUnavailable)
	// ErrBadResponse: the answer is not a valid inference response, or
	// lacks an output asked for.
	ErrBadResponse = fmt.Errorf("%w: bad response", ErrUnavailable)
)

// StatusError is a server's error status (4xx or 5xx). The server's error
// text is not kept: it may echo input values.
type StatusError struct {
	Model  string
	Status int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("oip: model %s: server answered %d %s", e.Model, e.Status, http.StatusText(e.Status))
}

// Unwrap makes a StatusError an ErrUnavailable.
func (e *StatusError) Unwrap() error { return ErrUnavailable }

// Client calls models over the Open Inference Protocol's REST binding
// (KServe v2). It is safe for concurrent use; the zero Timeout means
// DefaultTimeout and a nil HTTP means http.DefaultClient.
type Client struct {
	// BaseURL is the server's root, e.g. http://models:8080.
	BaseURL string
	// Timeout bounds each call, on top of the caller's context.
	Timeout time.Duration
	HTTP    *http.Client
}

// Ready reports nil when GET /v2/models/{model}/ready answers 200, and an
// error wrapping ErrNotReady for any other status.
func (c *Client) Ready(ctx context.Context, model string) error {
	resp, cancel, err := c.do(ctx, http.MethodGet, model, "ready", nil)
	if err != nil {
		return err
	}
	defer cancel()
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: model %s: status %d", ErrNotReady, model, resp.StatusCode)
	}
	return nil
}

// Infer sends req to POST /v2/models/{model}/infer and returns the
// response, checked: every output has a name, a datatype, and as many
// data elements as its shape says.
func (c *Client) Infer(ctx context.Context, model string, req Request) (Response, error) {
	if err := req.validate(); err != nil {
		return Response{}, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return Response{}, fmt.Errorf("oip: model %s: encode request: %w", model, err)
	}
	resp, cancel, err := c.do(ctx, http.MethodPost, model, "infer", body)
	if err != nil {
		return Response{}, err
	}
	defer cancel()
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return Response{}, c.callError(model, err)
	}
	if resp.StatusCode != http.StatusOK {
		return Response{}, &StatusError{Model: model, Status: resp.StatusCode}
	}
	var out Response
	if err := json.Unmarshal(raw, &out); err != nil {
		return Response{}, fmt.Errorf("%w: model %s: not JSON of the inference response", ErrBadResponse, model)
	}
	if err := out.validate(); err != nil {
		return Response{}, fmt.Errorf("%w: model %s: %w", ErrBadResponse, model, err)
	}
	return out, nil
}

// InferNamed is Infer for FP64 vectors: each input is sent as a tensor of
// shape [len(data)] under its name, and the outputs asked for are returned
// by name as float64s (an output missing from the response is an error
// wrapping ErrBadResponse). With no outputs named, all are returned.
func (c *Client) InferNamed(ctx context.Context, model string, inputs map[string][]float64, outputs ...string) (map[string][]float64, error) {
	req := Request{}
	for _, name := range slices.Sorted(maps.Keys(inputs)) {
		req.Inputs = append(req.Inputs, FP64(name, inputs[name]))
	}
	for _, name := range outputs {
		req.Outputs = append(req.Outputs, RequestOutput{Name: name})
	}
	resp, err := c.Infer(ctx, model, req)
	if err != nil {
		return nil, err
	}
	got := map[string][]float64{}
	for _, t := range resp.Outputs {
		v, err := t.Floats()
		if err != nil {
			return nil, fmt.Errorf("%w: model %s: %w", ErrBadResponse, model, err)
		}
		got[t.Name] = v
	}
	for _, name := range outputs {
		if _, ok := got[name]; !ok {
			return nil, fmt.Errorf("%w: model %s: no output %s", ErrBadResponse, model, name)
		}
	}
	return got, nil
}

// do sends one request under the client's timeout; the caller closes the
// body and then calls cancel.
func (c *Client) do(ctx context.Context, method, model, verb string, body []byte) (*http.Response, context.CancelFunc, error) {
	if model == "" || strings.ContainsAny(model, "/?#") {
		return nil, nil, errors.New("oip: the model name is empty or has /, ? or #")
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	u := strings.TrimRight(c.BaseURL, "/") + "/v2/models/" + url.PathEscape(model) + "/" + verb
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("oip: model %s: %w", model, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		cancel()
		return nil, nil, c.callError(model, err)
	}
	return resp, cancel, nil
}

// callError classifies a transport error: a deadline is ErrTimeout, the
// rest ErrUnavailable. The URL is left out (it may carry credentials).
func (c *Client) callError(model string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: model %s", ErrTimeout, model)
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w: model %s: %w", ErrUnavailable, model, context.Canceled)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("%w: model %s: %v", ErrUnavailable, model, err)
}
