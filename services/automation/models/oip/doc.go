// Package oip calls external models over the Open Inference Protocol
// (KServe v2 REST, also spoken by Triton, Seldon MLServer and OpenVINO
// Model Server): GET /v2/models/{name}/ready and POST
// /v2/models/{name}/infer with {"inputs":[{"name","shape","datatype",
// "data"}]} → {"outputs":[…]}. It lets the automation service use a model
// that a data scientist serves elsewhere, next to the in-process models
// (forecast, meals, snow, routine). Stdlib only.
//
// Client.Infer sends a Request and checks the Response (every output
// named, typed, with data matching its shape); Client.InferNamed maps
// named FP64 vectors in and named outputs out; Client.Ready asks whether a
// model is loaded. Each call is bounded by Client.Timeout (DefaultTimeout
// 10 s) within the caller's context.
//
// Failure contract: every failed call — timeout (ErrTimeout), an error
// status (*StatusError), a model not ready (ErrNotReady), an unreachable
// server, a response that is not valid (ErrBadResponse) — wraps
// ErrUnavailable. The caller then makes no automated decision: it refers
// the step to a person (a decision record with no automated outcome and
// the reason "modellen svarade inte"), and never falls back to a guess. A
// request the client refuses before sending (data not matching its shape,
// NaN, a bad model name) is a programming error and does not wrap
// ErrUnavailable; it goes to a person too. Errors name the model, the
// tensor and the status, never input data, the server's error text
// (which may echo the input) or the URL (which may carry credentials).
//
// Tested against an OIP server inside the test (httptest speaking the
// protocol's JSON): go test -count=1 -v ./services/automation/models/oip/
package oip
