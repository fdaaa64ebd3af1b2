package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/vasteras/civicbus/demo"
	"github.com/vasteras/civicbus/demo/replay"
	"github.com/vasteras/civicbus/services"
)

// sensorsConnector is the demo's MQTT connector that the replay feeds.
const sensorsConnector = "home-sensors"

// sensorsWait is how long the replay waits for the sensor connector.
const sensorsWait = 5 * time.Minute

// sensorsReplayed marks, in the demo's directory, that the sensor log was
// replayed: it is replayed once per data dir.
const sensorsReplayed = ".sensors-replayed"

// replaySensors plays the demo's real home log (demo.SensorLog) onto the
// embedded MQTT broker at mqttURL, as fast as the broker takes it, with its
// fortnight moved to end about now, once the home-sensors connector of the
// process at base has subscribed; then it marks dir so that later starts do
// not play it again. It gives up quietly when ctx ends first.
func (c *cli) replaySensors(ctx context.Context, dir, base, mqttURL string) {
	marker := filepath.Join(dir, sensorsReplayed)
	if _, err := os.Stat(marker); err == nil {
		return
	}
	logger := c.logger.With("component", "demo")
	acts, err := replay.Parse(bytes.NewReader(demo.SensorLog()))
	if err != nil || len(acts) == 0 {
		logger.Error("demo: the sensor log does not parse", "err", err)
		return
	}
	wctx, cancel := context.WithTimeout(ctx, sensorsWait)
	defer cancel()
	if !waitSubscribed(wctx, base+services.PathConnectors) {
		if ctx.Err() == nil {
			logger.Info("demo: the sensor connector is not running; the sensor log is not replayed", "connector", sensorsConnector, "waited", sensorsWait)
		}
		return
	}
	cfg := replay.Config{Broker: mqttURL, ResidentID: demo.SensorResident, Start: replay.StartDaysBefore(acts, time.Now()), ClientID: "civicbus-demo-replay"}
	if err := replay.Replay(ctx, cfg, acts); err != nil {
		if !errors.Is(err, context.Canceled) {
			logger.Warn("demo: the sensor log was not replayed", "err", err)
		}
		return
	}
	if err := os.WriteFile(marker, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644); err != nil && !errors.Is(err, fs.ErrNotExist) {
		logger.Warn("demo: cannot mark the sensor log replayed", "err", err)
	}
	logger.Info("demo: a real home's sensor log replayed onto MQTT", "activations", len(acts), "resident", demo.SensorResident)
}

// waitSubscribed polls the connectors' status at url until the sensor
// connector runs (it has subscribed), or ctx ends.
func waitSubscribed(ctx context.Context, url string) bool {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		if sensorsRunning(ctx, url) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
}

func sensorsRunning(ctx context.Context, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var status []struct {
		Connector, State string
	}
	if json.NewDecoder(resp.Body).Decode(&status) != nil {
		return false
	}
	for _, s := range status {
		if s.Connector == sensorsConnector {
			return s.State == "running"
		}
	}
	return false
}
