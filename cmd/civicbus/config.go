package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/vasteras/civicbus/bus"
)

// commonConfig holds the flags that `run` and `serve` share.
type commonConfig struct {
	HTTP     string
	Brokers  string
	DB       string
	Pprof    string
	Security bus.SecurityConfig
}

// securityFlags are the Kafka TLS and SASL flags, mapped onto
// bus.SecurityConfig.
var securityFlags = []string{
	"kafka-tls", "kafka-ca-file", "kafka-cert-file", "kafka-key-file",
	"kafka-sasl-mechanism", "kafka-sasl-user", "kafka-sasl-password-file",
}

func (c *cli) addCommonFlags(f *cmdFlags, cfg *commonConfig, dbDefault string) {
	f.StringVar(&cfg.HTTP, "http", c.defaults.HTTP, "HTTP `address` for /healthz, /readyz, /metrics and the web faces; a taken default moves to the next free port")
	f.StringVar(&cfg.DB, "db", dbDefault, "SQL `DSN` for the services that need one: a SQLite file path or postgres://…; <service> in it stands for each service's name")
	f.TextVar(c.level, "log-level", c.level, "log `level`: DEBUG, INFO, WARN or ERROR")
	f.StringVar(&cfg.Pprof, "pprof-listen", "", "`address` to serve Go's profiles on, at /debug/pprof/ (keep it on loopback); empty serves none")
	addSecurityFlags(f, &cfg.Security)
}

// addSecurityFlags adds the Kafka TLS and SASL flags (securityFlags).
func addSecurityFlags(f *cmdFlags, s *bus.SecurityConfig) {
	f.BoolVar(&s.TLS, "kafka-tls", false, "connect to Kafka with TLS")
	f.StringVar(&s.CAFile, "kafka-ca-file", "", "PEM `file` of the CAs that Kafka's certificates are checked against (default: the system's)")
	f.StringVar(&s.CertFile, "kafka-cert-file", "", "PEM client certificate `file`, for mutual TLS")
	f.StringVar(&s.KeyFile, "kafka-key-file", "", "PEM client key `file`, for mutual TLS")
	f.StringVar(&s.SASLMechanism, "kafka-sasl-mechanism", "", "SASL `mechanism`: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
	f.StringVar(&s.SASLUser, "kafka-sasl-user", "", "SASL user `name`")
	f.StringVar(&s.SASLPasswordFile, "kafka-sasl-password-file", "", "`file` holding the SASL password")
}

// connection is the Kafka connection that --brokers and the security flags
// describe.
func (cfg commonConfig) connection(clientID string) (bus.Connection, error) {
	conn := bus.Connection{Brokers: splitList(cfg.Brokers), ClientID: clientID}
	if err := errors.Join(conn.Validate(), cfg.Security.Apply(&conn)); err != nil {
		return bus.Connection{}, fmt.Errorf("kafka connection: %w", err)
	}
	return conn, nil
}

// splitList splits a comma-separated list and drops empty items.
func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// parseFlags parses a subcommand's flags. It answers done when the command
// has nothing more to do: help was asked for (and printed), or the command
// line is wrong (the error says how).
func (c *cli) parseFlags(f *cmdFlags, args []string) (done bool, err error) {
	err = f.parse(args, c.getenv)
	if errors.Is(err, flag.ErrHelp) {
		f.usage(c.stdout)
		return true, nil
	}
	if err != nil {
		f.usage(c.stderr)
		return true, err
	}
	return false, nil
}

// banner is the start-up text: where everything is.
type banner struct {
	title string
	rows  [][2]string
	notes []string
}

func (b *banner) add(name, value string) { b.rows = append(b.rows, [2]string{name, value}) }

func (b *banner) note(n string) {
	if n != "" {
		b.notes = append(b.notes, n)
	}
}

func (b *banner) write(w io.Writer) {
	fmt.Fprintln(w, b.title)
	for _, r := range b.rows {
		fmt.Fprintf(w, "  %-16s %s\n", r[0], r[1])
	}
	for _, n := range b.notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}

// addHTTP adds the HTTP rows for a server listening on addr.
func (b *banner) addHTTP(addr net.Addr) {
	base := "http://" + displayAddr(addr)
	b.add("HTTP", base+"/")
	b.add("health", base+"/healthz")
	b.add("readiness", base+"/readyz")
	b.add("metrics", base+"/metrics")
}

// displayAddr is addr as a browser on this machine reaches it: a server on
// every interface is shown at loopback.
func displayAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
}
