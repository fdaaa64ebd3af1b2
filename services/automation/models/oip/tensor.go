package oip

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// The Open Inference Protocol's datatypes.
var datatypes = []string{"BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16",
	"INT32", "INT64", "FP16", "FP32", "FP64", "BYTES"}

// Request is an inference request body.
type Request struct {
	ID         string          `json:"id,omitempty"`
	Parameters map[string]any  `json:"parameters,omitempty"`
	Inputs     []Tensor        `json:"inputs"`
	Outputs    []RequestOutput `json:"outputs,omitempty"`
}

// RequestOutput names an output the caller wants.
type RequestOutput struct {
	Name       string         `json:"name"`
	Parameters map[string]any `json:"parameters,omitempty"`
}

// Response is an inference response body.
type Response struct {
	ModelName    string         `json:"model_name"`
	ModelVersion string         `json:"model_version,omitempty"`
	ID           string         `json:"id,omitempty"`
	Parameters   map[string]any `json:"parameters,omitempty"`
	Outputs      []Tensor       `json:"outputs"`
}

// Tensor is an input or output tensor: its data flattened in row-major
// order (nested arrays are accepted on decoding).
type Tensor struct {
	Name       string          `json:"name"`
	Shape      []int64         `json:"shape"`
	Datatype   string          `json:"datatype"`
	Parameters map[string]any  `json:"parameters,omitempty"`
	Data       json.RawMessage `json:"data"`
}

// FP64 is a one-dimensional FP64 tensor. JSON has no NaN or infinity: a
// tensor holding one gets no data, which Infer refuses.
func FP64(name string, data []float64) Tensor {
	raw, err := json.Marshal(data)
	if err != nil {
		raw = nil
	}
	return Tensor{Name: name, Shape: []int64{int64(len(data))}, Datatype: "FP64", Data: raw}
}

// Floats returns the data of a numeric or BOOL tensor as float64s (true is
// 1), flattened.
func (t Tensor) Floats() ([]float64, error) {
	if t.Datatype == "BYTES" {
		return nil, fmt.Errorf("output %s is BYTES, not numbers", t.Name)
	}
	var v any
	if err := json.Unmarshal(t.Data, &v); err != nil {
		return nil, fmt.Errorf("output %s: data is not JSON", t.Name)
	}
	var out []float64
	if err := flatten(v, &out); err != nil {
		return nil, fmt.Errorf("output %s: %w", t.Name, err)
	}
	return out, nil
}

func flatten(v any, out *[]float64) error {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if err := flatten(e, out); err != nil {
				return err
			}
		}
	case float64:
		*out = append(*out, x)
	case bool:
		*out = append(*out, map[bool]float64{false: 0, true: 1}[x])
	default:
		return errors.New("data holds a value that is not a number")
	}
	return nil
}

// elements counts the data's leaf values.
func (t Tensor) elements() (int64, error) {
	var v any
	if err := json.Unmarshal(t.Data, &v); err != nil || v == nil {
		return 0, errors.New("data is missing or not JSON")
	}
	var count func(any) int64
	count = func(v any) int64 {
		if a, ok := v.([]any); ok {
			var n int64
			for _, e := range a {
				n += count(e)
			}
			return n
		}
		return 1
	}
	return count(v), nil
}

// check reports what is wrong with a tensor, naming it, never its data.
func (t Tensor) check(kind string, i int) error {
	if t.Name == "" {
		return fmt.Errorf("%s[%d] has no name", kind, i)
	}
	if !slices.Contains(datatypes, t.Datatype) {
		return fmt.Errorf("%s %s has an unknown datatype", kind, t.Name)
	}
	want := int64(1)
	for _, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("%s %s has a negative dimension", kind, t.Name)
		}
		want *= d
	}
	if n, err := t.elements(); err != nil || n != want {
		return fmt.Errorf("%s %s: data does not match its shape", kind, t.Name)
	}
	return nil
}

func (r Request) validate() error {
	var errs []error
	if len(r.Inputs) == 0 {
		errs = append(errs, errors.New("oip: a request needs inputs"))
	}
	for i, t := range r.Inputs {
		if err := t.check("input", i); err != nil {
			errs = append(errs, fmt.Errorf("oip: %w", err))
		}
	}
	return errors.Join(errs...)
}

func (r Response) validate() error {
	var errs []error
	for i, t := range r.Outputs {
		errs = append(errs, t.check("output", i))
	}
	return errors.Join(errs...)
}
