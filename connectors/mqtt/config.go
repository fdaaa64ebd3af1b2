package mqtt

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// Config configures an mqtt connector (the config: part of its YAML).
//
//	config:
//	  broker: tcp://127.0.0.1:1883
//	  topics: [homes/+/sensors/#]
//	  client_id: civicbus-home-sensors
//	  username: civicbus
//	  password_file: /run/secrets/mqtt
//	  key: sensor
type Config struct {
	// Broker is the MQTT broker, tcp://host:port (or ssl://, tls://, ws://, wss://).
	Broker string `yaml:"broker" json:"broker" jsonschema_description:"MQTT broker URL, e.g. tcp://127.0.0.1:1883."`
	// Topics are the topic filters subscribed to; + and # wildcards allowed.
	Topics []string `yaml:"topics" json:"topics" jsonschema:"minItems=1" jsonschema_description:"Topic filters to subscribe to, with + and # wildcards."`
	// QoS is the subscription's quality of service, 0 or 1. Default 1: the
	// broker keeps a message until the connector acknowledges it, which it
	// does only once the message is on the bus.
	QoS *int `yaml:"qos" json:"qos,omitempty" jsonschema:"enum=0,enum=1" jsonschema_description:"Quality of service, 0 or 1. Default 1 (acknowledged only once on the bus)."`
	// ClientID is the MQTT client id. It must be stable and unique to the
	// connector: the broker keeps the persistent session under it.
	ClientID string `yaml:"client_id" json:"client_id" jsonschema_description:"MQTT client id, stable and unique; the broker keeps the persistent session under it."`
	// Username, when the broker wants one.
	Username string `yaml:"username" json:"username,omitempty" jsonschema_description:"User name, when the broker asks for one."`
	// PasswordFile is a file holding the password (trimmed); never inline.
	PasswordFile string `yaml:"password_file" json:"password_file,omitempty" jsonschema_description:"File holding the password, e.g. a mounted secret."`
	// PasswordEnv names an environment variable holding the password.
	PasswordEnv string `yaml:"password_env" json:"password_env,omitempty" jsonschema_description:"Environment variable holding the password."`
	// CleanSession makes the broker forget the session on disconnect. Default
	// false: a persistent session, so the broker keeps QoS 1 messages while
	// the connector is down.
	CleanSession bool `yaml:"clean_session" json:"clean_session,omitempty" jsonschema_description:"Forget the session on disconnect. Default false: the broker keeps QoS 1 messages while the connector is down."`
	// Key is the payload property that is the record's Key.
	Key string `yaml:"key" json:"key,omitempty" jsonschema_description:"Payload property used as the record's natural key."`
	// Batch is how many messages one Read returns at most. Default 100.
	Batch int `yaml:"batch" json:"batch,omitempty" jsonschema:"minimum=0" jsonschema_description:"Most messages put on the bus at once. Default 100."`
	// MaxWait is how long a Read waits for a batch to fill after its first
	// message, as a Go duration. Default 50ms.
	MaxWait string `yaml:"max_wait" json:"max_wait,omitempty" jsonschema_description:"How long to wait for a batch to fill after its first message, e.g. 50ms. Default 50ms."`
	// Queue is how many received messages wait at most for a Read; when it
	// is full the connector stops taking messages from the broker. Default
	// 1000.
	Queue int `yaml:"queue" json:"queue,omitempty" jsonschema:"minimum=0" jsonschema_description:"Most messages held between the broker and the bus. Default 1000."`
}

// The defaults.
const (
	DefaultQoS     = 1
	DefaultBatch   = 100
	DefaultMaxWait = 50 * time.Millisecond
	DefaultQueue   = 1000
)

// TopicField is the field of every record that holds the MQTT topic.
const TopicField = "_topic"

// Validate reports every problem with the configuration. It does not read
// password_file or password_env; New does.
func (c Config) Validate() error {
	var errs []error
	if c.Broker == "" {
		errs = append(errs, errors.New("mqtt: broker: required, e.g. tcp://127.0.0.1:1883"))
	} else if u, err := url.Parse(c.Broker); err != nil || u.Host == "" {
		errs = append(errs, fmt.Errorf("mqtt: broker: %q must be a URL such as tcp://host:1883", c.Broker))
	} else {
		switch u.Scheme {
		case "tcp", "mqtt", "ssl", "tls", "mqtts", "ws", "wss":
		default:
			errs = append(errs, fmt.Errorf("mqtt: broker: scheme %q must be tcp, ssl, tls, ws or wss", u.Scheme))
		}
	}
	if len(c.Topics) == 0 {
		errs = append(errs, errors.New("mqtt: topics: at least one topic filter is required"))
	}
	for i, t := range c.Topics {
		if err := validFilter(t); err != nil {
			errs = append(errs, fmt.Errorf("mqtt: topics[%d]: %q %w", i, t, err))
		}
	}
	if c.QoS != nil && *c.QoS != 0 && *c.QoS != 1 {
		errs = append(errs, fmt.Errorf("mqtt: qos: %d must be 0 or 1", *c.QoS))
	}
	if c.ClientID == "" {
		errs = append(errs, errors.New("mqtt: client_id: required (the broker keeps the session under it)"))
	} else if len(c.ClientID) > 65535 {
		errs = append(errs, errors.New("mqtt: client_id: too long"))
	}
	if c.PasswordFile != "" && c.PasswordEnv != "" {
		errs = append(errs, errors.New("mqtt: password: set only one of password_file and password_env"))
	}
	if (c.PasswordFile != "" || c.PasswordEnv != "") && c.Username == "" {
		errs = append(errs, errors.New("mqtt: username: required with a password"))
	}
	if c.Batch < 0 {
		errs = append(errs, errors.New("mqtt: batch: must not be negative"))
	}
	if c.Queue < 0 {
		errs = append(errs, errors.New("mqtt: queue: must not be negative"))
	}
	if c.MaxWait != "" {
		if d, err := time.ParseDuration(c.MaxWait); err != nil {
			errs = append(errs, fmt.Errorf("mqtt: max_wait: %q is not a duration such as 50ms", c.MaxWait))
		} else if d < 0 {
			errs = append(errs, fmt.Errorf("mqtt: max_wait: %q must not be negative", c.MaxWait))
		}
	}
	return errors.Join(errs...)
}

func validFilter(f string) error {
	if f == "" {
		return errors.New("is empty")
	}
	levels := strings.Split(f, "/")
	for i, l := range levels {
		switch {
		case l == "#" && i != len(levels)-1:
			return errors.New("has # before the last level")
		case l != "#" && l != "+" && strings.ContainsAny(l, "#+"):
			return errors.New("has a wildcard inside a level")
		}
	}
	return nil
}

func (c Config) qos() byte {
	if c.QoS == nil {
		return DefaultQoS
	}
	return byte(*c.QoS)
}

func (c Config) maxWait() time.Duration {
	if c.MaxWait == "" {
		return DefaultMaxWait
	}
	d, _ := time.ParseDuration(c.MaxWait)
	return d
}

// password resolves the password from password_file or password_env.
func (c Config) password() (string, error) {
	switch {
	case c.PasswordEnv != "":
		v := strings.TrimSpace(os.Getenv(c.PasswordEnv))
		if v == "" {
			return "", fmt.Errorf("mqtt: password_env: $%s is not set", c.PasswordEnv)
		}
		return v, nil
	case c.PasswordFile != "":
		b, err := os.ReadFile(c.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("mqtt: password_file: %w", err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", fmt.Errorf("mqtt: password_file: %s is empty", c.PasswordFile)
		}
		return v, nil
	}
	return "", nil
}
