package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/embedded"
	"github.com/vasteras/civicbus/demo"
	"github.com/vasteras/civicbus/internal/mqttbroker"
	"github.com/vasteras/civicbus/services"
)

// runConfig is the configuration of `civicbus run`.
type runConfig struct {
	commonConfig
	Data        string
	KafkaListen string
	MQTTListen  string
	Partitions  int
	Demo        bool
}

// mqttOff is the --mqtt-listen value that runs no MQTT broker; an empty
// value does the same.
const mqttOff = "off"

// mqttCloseTimeout bounds closing the embedded MQTT broker, within the
// brokerCloseReserve of the shutdown budget.
const mqttCloseTimeout = time.Second

func (c *cli) runFlags(cfg *runConfig) *cmdFlags {
	f := newFlags("run", "civicbus run [flags]")
	f.StringVar(&cfg.Data, "data", "./data", "data `dir`: the embedded broker's state in <dir>/kafka, the SQLite database")
	f.StringVar(&cfg.KafkaListen, "kafka-listen", c.defaults.KafkaListen, "`address` of the embedded broker, for kcat and other Kafka tools too; a taken default moves to the next free port")
	f.StringVar(&cfg.MQTTListen, "mqtt-listen", c.defaults.MQTTListen, "`address` of the embedded MQTT broker that sensors publish to, every client allowed (keep it on loopback; in production use the municipality's broker); off runs none; a taken default moves to the next free port")
	f.StringVar(&cfg.Brokers, "brokers", "", "external Kafka `brokers`, host:port,…; when set, no embedded broker runs")
	f.IntVar(&cfg.Partitions, "partitions", embedded.DefaultPartitions, "partition `count` of topics the embedded broker creates on first use")
	f.BoolVar(&cfg.Demo, "demo", c.defaults.Demo, "start the Västerås demo, written out under <data>/demo, unless CIVICBUS_CONNECTORS_DIR, CIVICBUS_DATASETS_DIR or CIVICBUS_RULES_DIR is set or ./connectors.d, ./datasets.d or ./rules.d exists")
	c.addCommonFlags(f, &cfg.commonConfig, dbPerService)
	return f
}

// cmdRun is `civicbus run`: every service in one process, on the embedded
// broker unless --brokers names an external Kafka.
func (c *cli) cmdRun(ctx context.Context, args []string) error {
	var cfg runConfig
	f := c.runFlags(&cfg)
	if done, err := c.parseFlags(f, args); done {
		return err
	}
	if err := cfg.validate(f); err != nil {
		f.usage(c.stderr)
		return usageError{fmt.Errorf("run: %w", err)}
	}
	unlock, err := cfg.openDataDir()
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	defer unlock()

	b := &banner{title: versionLine() + " is running; Ctrl-C stops it"}
	conn, closeBroker, err := c.kafka(cfg, f, b)
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	defer closeBroker() // last: the broker outlives every client, and persists on close
	mqttURL, closeMQTT, err := c.mqtt(cfg, f, b)
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	defer closeMQTT()
	httpLn, note, err := listenOrNext(listenSpec{Addr: cfg.HTTP, Flag: "--http", Source: f.given("http")}, tcpListen)
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	b.addHTTP(httpLn.Addr())
	b.note(note)
	b.add("data dir", cfg.Data)
	b.add("database", cfg.DB)
	b.add("services", serviceNames())
	b.addFaces(httpLn.Addr())
	getenv := c.getenv
	var site *demo.Site
	if on, why := c.wantDemo(cfg, f); on {
		if getenv, site, err = c.startDemo(cfg, mqttURL, b); err != nil {
			return fmt.Errorf("run: %w", err)
		}
	} else {
		b.add("demo", why)
	}
	b.write(c.stdout)
	if site != nil && mqttURL != "" {
		go c.replaySensors(ctx, site.Dir, "http://"+displayAddr(httpLn.Addr()), mqttURL)
	}

	svcs := withGetenv(services.All(), getenv)
	stopPprof, err := startPprof(cfg.Pprof, c.logger)
	if err != nil {
		return fmt.Errorf("run: --pprof-listen: %w", err)
	}
	defer stopPprof()
	p := &process{logger: c.logger, conn: conn, registry: newRegistry(), httpLn: httpLn, services: svcs, db: cfg.DB}
	return p.run(ctx)
}

// dbPerService is run's default --db: each service its own SQLite file,
// <data>/<service>.db. SQLite lets one writer at a time into a file, and
// the services write at once: in one file they took turns, and with the
// casework inbox projecting too, civicbus bench at 5,000 events/s fell
// minutes behind on one busy core.
const dbPerService = "<data>/<service>.db"

// legacyDB is the one file every service shared before dbPerService; a
// data dir that has it keeps using it, so that no service starts afresh
// (its consumer offsets are in the broker: a new file would miss what it
// had handled).
const legacyDB = "civicbus.db"

// openDataDir makes the data dir absolute, creates and locks it, and
// resolves the default database in it.
func (cfg *runConfig) openDataDir() (unlock func(), err error) {
	if cfg.Data, err = filepath.Abs(cfg.Data); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	if cfg.DB == dbPerService {
		if _, err := os.Stat(filepath.Join(cfg.Data, legacyDB)); err == nil {
			cfg.DB = filepath.Join(cfg.Data, legacyDB)
		} else {
			cfg.DB = filepath.Join(cfg.Data, "<service>.db")
		}
	}
	if err := os.MkdirAll(cfg.Data, 0o755); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	return lockDataDir(cfg.Data)
}

func (cfg runConfig) validate(f *cmdFlags) error {
	var errs []error
	if f.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments %q", f.Args()))
	}
	if cfg.Partitions < 1 {
		errs = append(errs, fmt.Errorf("--partitions must be at least 1, got %d", cfg.Partitions))
	}
	if cfg.Data == "" {
		errs = append(errs, errors.New("--data must not be empty"))
	}
	if cfg.MQTTListen != "" && cfg.MQTTListen != mqttOff {
		if _, _, err := net.SplitHostPort(cfg.MQTTListen); err != nil {
			errs = append(errs, fmt.Errorf("--mqtt-listen wants host:port or %s, got %q", mqttOff, cfg.MQTTListen))
		}
	}
	if cfg.Brokers != "" && f.given("kafka-listen") != "" {
		errs = append(errs, errors.New("--kafka-listen is for the embedded broker; with --brokers none runs"))
	}
	if cfg.Brokers == "" {
		for _, name := range securityFlags {
			if f.given(name) != "" {
				errs = append(errs, fmt.Errorf("%s needs --brokers: the embedded broker runs without TLS and SASL", f.given(name)))
			}
		}
	}
	return errors.Join(errs...)
}

// kafka starts the embedded broker, or connects to --brokers, and adds its
// address to the banner. closeBroker stops the embedded broker.
func (c *cli) kafka(cfg runConfig, f *cmdFlags, b *banner) (conn bus.Connection, closeBroker func(), err error) {
	if cfg.Brokers != "" {
		conn, err = cfg.connection("civicbus")
		b.add("Kafka bootstrap", cfg.Brokers+" (external)")
		return conn, func() {}, err
	}
	spec := listenSpec{Addr: cfg.KafkaListen, Flag: "--kafka-listen", Source: f.given("kafka-listen")}
	dir := filepath.Join(cfg.Data, "kafka")
	broker, note, err := listenOrNext(spec, func(addr string) (*embedded.Broker, error) {
		return embedded.Start(embedded.Config{
			Listen:     addr,
			DataDir:    dir,
			Partitions: cfg.Partitions,
			Logger:     c.logger.With("component", "embedded-broker"),
		})
	})
	if err != nil {
		return bus.Connection{}, nil, err
	}
	b.add("Kafka bootstrap", broker.Addr()+" (embedded broker, state in "+dir+")")
	b.note(note)
	closeBroker = func() {
		broker.Close()
		c.logger.Info("embedded broker closed", "data", dir)
	}
	return bus.Connection{Brokers: []string{broker.Addr()}, ClientID: "civicbus"}, closeBroker, nil
}

// mqtt starts the embedded MQTT broker, unless --mqtt-listen is off, and adds
// its address to the banner. url is the broker's, tcp://host:port, empty
// when none runs; closeMQTT stops it within mqttCloseTimeout.
func (c *cli) mqtt(cfg runConfig, f *cmdFlags, b *banner) (url string, closeMQTT func(), err error) {
	if cfg.MQTTListen == "" || cfg.MQTTListen == mqttOff {
		b.add("MQTT", "off")
		return "", func() {}, nil
	}
	logger := c.logger.With("component", "mqtt-broker")
	spec := listenSpec{Addr: cfg.MQTTListen, Flag: "--mqtt-listen", Source: f.given("mqtt-listen")}
	broker, note, err := listenOrNext(spec, func(addr string) (*mqttbroker.Broker, error) {
		return mqttbroker.Start(mqttbroker.Config{Listen: addr, Logger: logger})
	})
	if err != nil {
		return "", nil, err
	}
	url = "tcp://" + broker.Addr()
	b.add("MQTT", url+" (embedded broker, every client allowed)")
	b.note(note)
	return url, func() {
		closed := make(chan struct{})
		go func() { broker.Close(); close(closed) }()
		select {
		case <-closed:
			logger.Info("embedded MQTT broker closed")
		case <-time.After(mqttCloseTimeout):
			logger.Warn("embedded MQTT broker did not close in time", "waited", mqttCloseTimeout)
		}
	}, nil
}
