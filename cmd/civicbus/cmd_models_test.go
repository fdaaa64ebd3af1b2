package main

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func modelsCLI(args ...string) (string, error) {
	var out syncBuffer
	c := newCLI(&out, &out, func(string) string { return "" }, freeDefaults)
	err := c.cmdModels(context.Background(), args)
	return out.String(), err
}

var demoData = filepath.Join("..", "..", "demo", "data")

// TestModelsEvalMeals: the backtest's figures are printed, and the model
// beats the naive baseline on the demo's simulated year.
func TestModelsEvalMeals(t *testing.T) {
	out, err := modelsCLI("eval", "meals", "--data", demoData)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Log("\n" + out)
	mape := regexp.MustCompile(`MAPE of P50\s+([0-9.]+) %`).FindStringSubmatch(out)
	naive := regexp.MustCompile(`MAPE naive\s+([0-9.]+) %`).FindStringSubmatch(out)
	if mape == nil || naive == nil {
		t.Fatalf("no MAPE figures:\n%s", out)
	}
	m, _ := strconv.ParseFloat(mape[1], 64)
	n, _ := strconv.ParseFloat(naive[1], 64)
	if m <= 0 || m >= n {
		t.Errorf("MAPE %v, naive %v:\n%s", m, n, out)
	}
}

// TestModelsEvalSnow: one line per winter 2006/07–2019/20 and a mean.
func TestModelsEvalSnow(t *testing.T) {
	out, err := modelsCLI("eval", "snow", "--data", demoData)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Log("\n" + out)
	for _, want := range []string{"2006/07", "2019/20", "mean", "plough"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestModelsEvalForecast: Västerås's forecast to 2029 from the demo's 2019
// population.
func TestModelsEvalForecast(t *testing.T) {
	out, err := modelsCLI("eval", "forecast", "--data", demoData)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Log("\n" + out)
	if !regexp.MustCompile(`2029\s+grundskola-6-15\s+\d+\s+\d+\s+\d+`).MatchString(out) {
		t.Errorf("no 2029 row for ages 6-15:\n%s", out)
	}
}

// TestModelsEvalUsage: no verb, no name and an unknown model are usage
// errors; a missing data folder is an error naming the file.
func TestModelsEvalUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"eval"}, {"eval", "weather"}, {"run", "meals"}} {
		var ue usageError
		if _, err := modelsCLI(args...); !errors.As(err, &ue) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	if _, err := modelsCLI("eval", "snow", "--data", t.TempDir()); err == nil || !strings.Contains(err.Error(), "Snodjup_Handsjo.csv") {
		t.Errorf("a missing folder: %v", err)
	}
	if _, err := modelsCLI("eval", "routine", "--data", t.TempDir()); err == nil || !strings.Contains(err.Error(), "OrdonezA_Sensors.txt") {
		t.Errorf("a missing folder: %v", err)
	}
}

// TestModelsEvalRoutine: precision and recall per alarm kind and overall on
// the real home's log with injected anomalies; every injected anomaly is
// found (recall 1.00 overall, as the package measures).
func TestModelsEvalRoutine(t *testing.T) {
	out, err := modelsCLI("eval", "routine", "--data", demoData)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Log("\n" + out)
	m := regexp.MustCompile(`overall\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([0-9.]+)\s+([0-9.]+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no overall line:\n%s", out)
	}
	p, _ := strconv.ParseFloat(m[5], 64)
	r, _ := strconv.ParseFloat(m[6], 64)
	if p < 0.85 || r < 0.99 {
		t.Errorf("overall precision %.2f, recall %.2f", p, r)
	}
	for _, k := range []string{"long-inactivity", "no-morning-activity", "night-wandering", "door-open-at-night", "sensor-silent"} {
		if !strings.Contains(out, k) {
			t.Errorf("no line for %s", k)
		}
	}
}
