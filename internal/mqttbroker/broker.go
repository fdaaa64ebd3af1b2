// Package mqttbroker runs an in-process MQTT broker (mochi-mqtt) for the
// all-in-one mode, so sensors have somewhere to publish by default.
//
// The broker accepts every client without a password: it is meant for the
// loopback-only default of `civicbus run`. In production, sensors publish to
// the municipality's own MQTT broker and civicbus subscribes to it.
package mqttbroker

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// Config configures an embedded MQTT broker. The zero value is usable: a
// broker on a free loopback port.
type Config struct {
	// Listen is the TCP address to listen on, "127.0.0.1:1883" say. Empty or
	// a port of 0 picks a free port on 127.0.0.1. Every client is accepted,
	// so keep it on loopback unless the network is trusted.
	Listen string

	// Logger receives the broker's warnings and errors. Nil discards them.
	Logger *slog.Logger
}

// Broker is a running embedded MQTT broker.
type Broker struct {
	server    *mqtt.Server
	addr      string
	served    chan struct{} // closed when the listener's accept loop has returned
	closeOnce sync.Once
}

// Start starts a broker and returns once it accepts connections.
func Start(cfg Config) (*Broker, error) {
	listen := cfg.Listen
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	// The listener is opened here, not by mochi, so that a taken address is
	// reported plainly and port 0 picks a free port without a race.
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("mqtt broker: listen on %s: %w", listen, err)
	}
	server := mqtt.New(&mqtt.Options{Logger: warnOnly(cfg.Logger)})
	if err := server.AddHook(new(auth.AllowHook), nil); err != nil {
		ln.Close()
		return nil, fmt.Errorf("mqtt broker: allow-all auth: %w", err)
	}
	b := &Broker{server: server, addr: displayAddr(ln.Addr()), served: make(chan struct{})}
	if err := server.AddListener(&servedListener{Net: listeners.NewNet("tcp", ln), done: b.served}); err != nil {
		ln.Close()
		return nil, fmt.Errorf("mqtt broker: add listener on %s: %w", ln.Addr(), err)
	}
	if err := server.Serve(); err != nil {
		server.Close()
		return nil, fmt.Errorf("mqtt broker: serve on %s: %w", ln.Addr(), err)
	}
	return b, nil
}

// Addr is the host:port clients connect to; a broker on every interface
// gives its loopback address.
func (b *Broker) Addr() string { return b.addr }

// Close stops the broker: it stops accepting connections and disconnects the
// clients, and returns once its accept loop has ended. Retained messages and
// sessions are in memory only and are lost. It is safe to call more than once.
func (b *Broker) Close() error {
	var err error
	b.closeOnce.Do(func() {
		err = b.server.Close()
		<-b.served
	})
	return err
}

// servedListener is mochi's listener on a given net.Listener that reports
// when its accept loop has returned, so Close leaves no goroutine behind.
type servedListener struct {
	*listeners.Net
	done chan struct{}
}

func (l *servedListener) Serve(establish listeners.EstablishFn) {
	defer close(l.done)
	l.Net.Serve(establish)
}

// displayAddr is addr as a client on this machine reaches it: a broker on
// every interface is given at loopback.
func displayAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
}

// warnOnly passes mochi's warnings and errors to l; mochi logs every start
// step at INFO, which is noise in civicbus's log. A nil l discards all.
func warnOnly(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(minLevel{l.Handler(), slog.LevelWarn})
}

// minLevel is a slog.Handler that drops records below min.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.min && h.Handler.Enabled(ctx, level)
}

func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(attrs), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}
