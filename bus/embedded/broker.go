// Package embedded runs an in-process Kafka-protocol broker (franz-go's kfake)
// for the all-in-one mode and for tests.
//
// The broker speaks the Kafka wire protocol over real TCP, so the same
// kafka-go code that talks to a production cluster talks to it; only the
// address differs. With a data directory it persists topics, records and
// committed group offsets, and a broker started again on the same directory
// resumes where the previous one stopped.
//
// # Durability
//
// A record is acknowledged (acks=all, the only replica being this broker)
// once its batch is written to its partition's segment file. What survives:
//
//   - a graceful stop (Close): everything acknowledged, and every committed
//     group offset;
//   - a crash of the process (SIGKILL, a panic, the OOM killer): everything
//     acknowledged, since the written bytes are in the operating system's
//     page cache, with or without SyncWrites. A batch being written at the
//     moment of the crash was not acknowledged; its torn bytes are cut off on
//     the next start, back to the last whole batch (whose CRC matches), and
//     the partition's high watermark is the end of the last readable batch.
//     Committed group offsets survive likewise (an append-only log whose torn
//     last entry is cut off on start);
//   - a power loss or a kernel crash: with SyncWrites, every acknowledged
//     batch (fsynced before the acknowledgement); without it, what the
//     operating system had written back, which may be nothing of the last
//     seconds. A topic created since the previous start needs its
//     directory entries on disk too, which nothing fsyncs; a filesystem that
//     journals metadata (ext4, xfs) keeps them once the data is written back.
//
// A start on a directory left by a crash repairs it before loading it (see
// recoverDataDir): kfake itself does not record the topics a producer
// creates by auto-creation until a graceful stop, and would start with
// those topics empty and their files unreadable.
package embedded

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Config configures an embedded broker. The zero value is usable: a broker on
// a free loopback port, in memory only, with topics of DefaultPartitions
// partitions created on first use.
type Config struct {
	// Listen is the TCP address to listen on, "127.0.0.1:9092" say. Empty or a
	// port of 0 picks a free port on 127.0.0.1. The host part is also the
	// address advertised to clients in metadata responses; when it is
	// unspecified (":9092", "0.0.0.0:9092") 127.0.0.1 is advertised.
	Listen string

	// DataDir, when set, makes the broker persist its state there and reload it
	// on start. Empty keeps everything in memory.
	DataDir string

	// Partitions is the partition count of topics created automatically, by a
	// producer's or consumer's metadata request or by a CreateTopics request
	// that asks for the default. Zero means DefaultPartitions.
	Partitions int

	// SyncWrites fsyncs every produced batch before it is acknowledged. Off,
	// like Kafka's default, records reach the disk through the page cache and
	// survive a process crash but not a power loss.
	SyncWrites bool

	// TLS, when set, makes the broker accept only TLS connections.
	TLS *tls.Config

	// SASL, when set, requires clients to authenticate as one of these users.
	SASL []User

	// Logger receives the broker's warnings and errors. Nil discards them.
	Logger *slog.Logger
}

// User is a SASL user of the embedded broker.
type User struct {
	// Mechanism is "PLAIN", "SCRAM-SHA-256" or "SCRAM-SHA-512".
	Mechanism string
	Name      string
	Password  string
}

// DefaultPartitions is the partition count of automatically created topics
// when Config.Partitions is zero.
const DefaultPartitions = 8

// Broker is a running embedded broker.
type Broker struct {
	cluster   *kfake.Cluster
	addr      string
	closeOnce sync.Once
}

// Start starts a broker and returns once it accepts connections.
func Start(cfg Config) (*Broker, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	listen := cfg.Listen
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	// The listener is opened here, not by kfake, so that a taken address is
	// reported plainly, port 0 picks a free port without a race, and Listen
	// chooses the host (kfake alone listens on 127.0.0.1 only).
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("embedded broker: listen on %s: %w", listen, err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if ip := ln.Addr().(*net.TCPAddr).IP; ip.IsUnspecified() {
		// Listening on every interface: kfake advertises the listener's
		// address, and 0.0.0.0 is no address a client can connect to.
		ln = advertisedListener{ln, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}}
	}
	partitions := cfg.Partitions
	if partitions == 0 {
		partitions = DefaultPartitions
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(port),
		kfake.ListenFn(func(string, string) (net.Listener, error) { return ln, nil }),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(partitions),
		kfake.WithLogger(slogAdapter{cfg.Logger}),
	}
	if cfg.DataDir != "" {
		log := cfg.Logger
		if log == nil {
			log = slog.New(slog.DiscardHandler)
		}
		if err := recoverDataDir(cfg.DataDir, partitions, log); err != nil {
			ln.Close()
			return nil, err
		}
		opts = append(opts, kfake.DataDir(cfg.DataDir))
	}
	if cfg.SyncWrites {
		opts = append(opts, kfake.SyncWrites())
	}
	if cfg.TLS != nil {
		opts = append(opts, kfake.TLS(cfg.TLS))
	}
	if len(cfg.SASL) > 0 {
		opts = append(opts, kfake.EnableSASL())
		for _, u := range cfg.SASL {
			opts = append(opts, kfake.Superuser(u.Mechanism, u.Name, u.Password))
		}
	}
	cluster, err := kfake.NewCluster(opts...)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("embedded broker: start on %s: %w", ln.Addr(), err)
	}
	addrs := cluster.ListenAddrs()
	if len(addrs) != 1 {
		cluster.Close()
		return nil, fmt.Errorf("embedded broker: expected one listener, got %d", len(addrs))
	}
	return &Broker{cluster: cluster, addr: addrs[0]}, nil
}

// Addr is the host:port clients connect to.
func (b *Broker) Addr() string { return b.addr }

// Close stops the broker: it stops accepting connections, drops the open
// ones, and, with a data directory, writes its state to disk. It is safe to
// call more than once.
func (b *Broker) Close() error {
	b.closeOnce.Do(b.cluster.Close)
	return nil
}

func (c Config) validate() error {
	var errs []error
	if c.Partitions < 0 {
		errs = append(errs, fmt.Errorf("embedded broker: partitions must be positive, got %d", c.Partitions))
	}
	for _, u := range c.SASL {
		switch u.Mechanism {
		case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
		default:
			errs = append(errs, fmt.Errorf("embedded broker: SASL user %q: mechanism %q is not PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", u.Name, u.Mechanism))
		}
		if u.Name == "" || u.Password == "" {
			errs = append(errs, errors.New("embedded broker: a SASL user needs a name and a password"))
		}
	}
	return errors.Join(errs...)
}

// advertisedListener reports another address than it listens on.
type advertisedListener struct {
	net.Listener
	addr net.Addr
}

func (l advertisedListener) Addr() net.Addr { return l.addr }

// slogAdapter passes kfake's warnings and errors to slog.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Logf(level kfake.LogLevel, msg string, args ...any) {
	if a.l == nil {
		return
	}
	switch level {
	case kfake.LogLevelError:
		a.l.Error(fmt.Sprintf(msg, args...), "component", "embedded-broker")
	case kfake.LogLevelWarn:
		a.l.Warn(fmt.Sprintf(msg, args...), "component", "embedded-broker")
	}
}
