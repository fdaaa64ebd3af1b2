// Package replay replays a real home's binary-sensor log, the Ordóñez
// "Activities of Daily Living (ADLs) Recognition Using Binary Sensors" data
// set (UCI ML Repository, CC BY 4.0; Ordóñez, de Toledo & Sanchis 2013),
// as MQTT messages at a chosen speed, shaped for the mqtt connector of
// demo/connectors.d/home-sensors.yaml, which turns each into a
// care.sensor-activation.v1 event.
package replay

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/vasteras/civicbus/schemas"
)

// Zone is the time zone of the log's times: the house was in Spain and the
// log covers 28 Nov - 11 Dec 2011, winter time, UTC+1.
var Zone = time.FixedZone("CET", 60*60)

const layout = "2006-01-02 15:04:05"

// Activation is one line of the log: a sensor active from Start to End.
type Activation struct {
	Start, End time.Time
	Location   string // what the sensor watches, as in the log: Bed, Maindoor, ...
	Type       string // the sensor: PIR, Magnetic, Pressure, Flush, Electric
	Place      string // the room: Bedroom, Bathroom, Kitchen, Living, Entrance
}

var fieldSep = regexp.MustCompile(`\t+`)

// Parse reads an Ordóñez sensors file: a header line, a line of dashes, then
// one activation a line, the five columns separated by runs of tabs. Blank
// lines are skipped; a malformed line is an error naming its line number.
func Parse(r io.Reader) ([]Activation, error) {
	sc := bufio.NewScanner(r)
	var acts []Activation
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if n == 1 && strings.HasPrefix(line, "\ufeff") {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		switch {
		case line == "":
			continue
		case n == 1 && strings.HasPrefix(line, "Start time"):
			continue
		case strings.HasPrefix(line, "---"):
			continue
		}
		f := fieldSep.Split(line, -1)
		if len(f) != 5 {
			return nil, fmt.Errorf("replay: line %d: %d columns, want 5 (start, end, location, type, place)", n, len(f))
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		start, err := time.ParseInLocation(layout, f[0], Zone)
		if err != nil {
			return nil, fmt.Errorf("replay: line %d: start time %q: %w", n, f[0], err)
		}
		end, err := time.ParseInLocation(layout, f[1], Zone)
		if err != nil {
			return nil, fmt.Errorf("replay: line %d: end time %q: %w", n, f[1], err)
		}
		if end.Before(start) {
			return nil, fmt.Errorf("replay: line %d: ends (%s) before it starts (%s)", n, f[1], f[0])
		}
		if _, err := kind(f[3]); err != nil {
			return nil, fmt.Errorf("replay: line %d: %w", n, err)
		}
		if _, err := room(f[4]); err != nil {
			return nil, fmt.Errorf("replay: line %d: %w", n, err)
		}
		acts = append(acts, Activation{Start: start, End: end, Location: f[2], Type: f[3], Place: f[4]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("replay: line %d: %w", n+1, err)
	}
	return acts, nil
}

// kind maps the log's sensor type to care.sensor-activation.v1's
// sensor_kind.
func kind(typ string) (string, error) {
	switch strings.ToLower(typ) {
	case "pir":
		return "motion", nil
	case "magnetic":
		return "contact", nil
	case "pressure":
		return "pressure", nil
	case "flush":
		return "flush", nil
	case "electric":
		return "power", nil
	}
	return "", fmt.Errorf("unknown sensor type %q", typ)
}

// room maps the log's place to the event's room.
func room(place string) (string, error) {
	switch strings.ToLower(place) {
	case "bedroom", "bathroom", "kitchen", "entrance", "hallway":
		return strings.ToLower(place), nil
	case "living", "living-room", "livingroom":
		return "living-room", nil
	}
	return "", fmt.Errorf("unknown place %q", place)
}

var camel = regexp.MustCompile(`([a-z0-9])([A-Z])`)

// object is the log's location in kebab case, "Maindoor" as "main-door".
func object(location string) string {
	if strings.EqualFold(location, "maindoor") {
		return "main-door"
	}
	s := camel.ReplaceAllString(strings.TrimSpace(location), "$1-$2")
	return strings.ToLower(strings.NewReplacer(" ", "-", "_", "-").Replace(s))
}

// Message is the JSON payload of one activation. The resident and the sensor
// are in the topic, homes/<resident>/sensors/<sensor>.
type Message struct {
	Kind      string `json:"kind"`
	Object    string `json:"object"`
	Room      string `json:"room"`
	StartedAt string `json:"started_at"`
	EndedAt   string `json:"ended_at"`
}

// Payload is a's message, its times moved by shift.
func (a Activation) Payload(shift time.Duration) (Message, error) {
	k, err := kind(a.Type)
	if err != nil {
		return Message{}, err
	}
	r, err := room(a.Place)
	if err != nil {
		return Message{}, err
	}
	return Message{
		Kind: k, Object: object(a.Location), Room: r,
		StartedAt: a.Start.Add(shift).Format(time.RFC3339),
		EndedAt:   a.End.Add(shift).Format(time.RFC3339),
	}, nil
}

// Event is a as the care.sensor-activation.v1 event of residentID, the
// shape the home-sensors connector makes of its MQTT message.
func (a Activation) Event(residentID string) (schemas.SensorActivation, error) {
	msg, err := a.Payload(0)
	if err != nil {
		return schemas.SensorActivation{}, err
	}
	return schemas.SensorActivation{
		ResidentID: residentID, SensorID: a.SensorID(), SensorKind: schemas.SensorKind(msg.Kind),
		Object: msg.Object, Room: schemas.Room(msg.Room), StartedAt: a.Start, EndedAt: a.End,
	}, nil
}

// SensorID is the sensor's id within the home: its object, as each object
// of the house has one sensor.
func (a Activation) SensorID() string { return object(a.Location) }

// Config configures a Replay.
type Config struct {
	// Broker is the MQTT broker, tcp://127.0.0.1:1883 say.
	Broker string
	// TopicPrefix goes before homes/...; empty for none. The demo's
	// home-sensors.yaml subscribes to homes/+/sensors/+, without a prefix.
	TopicPrefix string
	// ResidentID is the resident's pseudonym, "res-a" say (4 to 64 of
	// A-Z a-z 0-9 _ -).
	ResidentID string
	// Speed is how many times faster than real time the log plays: 3600
	// plays an hour a second. 0 (or less) publishes as fast as possible.
	Speed float64
	// Start, when set, moves the log's times so that the first activation
	// starts at Start (time.Now(), say, to replay it "as of now").
	Start time.Time
	// ClientID is the MQTT client id; empty is "civicbus-replay-<resident>".
	ClientID string
}

// StartDaysBefore is the Config.Start that replays acts "as of now": moved
// by whole days, so that every activation keeps its time of day (a night
// stays a night, which the routine model learns), to end between one and
// two days before now.
func StartDaysBefore(acts []Activation, now time.Time) time.Time {
	if len(acts) == 0 {
		return now
	}
	days := int(now.Sub(acts[len(acts)-1].Start)/(24*time.Hour)) - 1
	return acts[0].Start.AddDate(0, 0, days)
}

// Topic is the MQTT topic of a's messages.
func (c Config) Topic(a Activation) string {
	t := "homes/" + c.ResidentID + "/sensors/" + a.SensorID()
	if p := strings.Trim(c.TopicPrefix, "/"); p != "" {
		t = p + "/" + t
	}
	return t
}

var residentPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{4,64}$`)

// Replay publishes acts (in the order given, which Parse gives in time
// order) with QoS 1 to the broker, each at its start time scaled by
// cfg.Speed from the first one's, and waits for each PUBACK. It returns
// when all are published, on the first error, or with ctx's error when ctx
// ends.
func Replay(ctx context.Context, cfg Config, acts []Activation) error {
	if cfg.Broker == "" {
		return errors.New("replay: broker: required, e.g. tcp://127.0.0.1:1883")
	}
	if !residentPattern.MatchString(cfg.ResidentID) {
		return fmt.Errorf("replay: resident %q: want 4-64 of A-Z a-z 0-9 _ -", cfg.ResidentID)
	}
	if len(acts) == 0 {
		return nil
	}
	id := cfg.ClientID
	if id == "" {
		id = "civicbus-replay-" + cfg.ResidentID
	}
	client := paho.NewClient(paho.NewClientOptions().AddBroker(cfg.Broker).SetClientID(id).
		SetCleanSession(true).SetAutoReconnect(false).SetConnectTimeout(10 * time.Second))
	if err := wait(ctx, client.Connect()); err != nil {
		return fmt.Errorf("replay: connect to %s: %w", cfg.Broker, err)
	}
	defer client.Disconnect(250)

	var shift time.Duration
	if !cfg.Start.IsZero() {
		shift = cfg.Start.Sub(acts[0].Start)
	}
	began, first := time.Now(), acts[0].Start
	for i, a := range acts {
		if cfg.Speed > 0 {
			at := began.Add(time.Duration(float64(a.Start.Sub(first)) / cfg.Speed))
			if err := sleepUntil(ctx, at); err != nil {
				return err
			}
		} else if err := ctx.Err(); err != nil {
			return err
		}
		msg, err := a.Payload(shift)
		if err != nil {
			return fmt.Errorf("replay: activation %d: %w", i, err)
		}
		b, err := json.Marshal(msg)
		if err != nil {
			return err
		}
		if err := wait(ctx, client.Publish(cfg.Topic(a), 1, false, b)); err != nil {
			return fmt.Errorf("replay: publish activation %d: %w", i, err)
		}
	}
	return nil
}

// sleepUntil waits until t or until ctx ends.
func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// wait waits for tok or for ctx to end.
func wait(ctx context.Context, tok paho.Token) error {
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return ctx.Err()
	}
}
