package bus

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// Connection says how to reach and authenticate to the Kafka cluster. The
// zero value of its optional fields is a plain TCP connection.
type Connection struct {
	// Brokers are the bootstrap brokers, host:port.
	Brokers []string

	// TLS, when set, encrypts every connection.
	TLS *tls.Config

	// SASL, when set, authenticates every connection.
	SASL sasl.Mechanism

	// ClientID names this process to the brokers; "civicbus" when empty.
	ClientID string
}

// Validate reports what is missing.
func (c Connection) Validate() error {
	if len(c.Brokers) == 0 {
		return errors.New("no Kafka brokers given")
	}
	var errs []error
	for _, b := range c.Brokers {
		if _, _, err := net.SplitHostPort(b); err != nil {
			errs = append(errs, fmt.Errorf("broker %q is not host:port", b))
		}
	}
	return errors.Join(errs...)
}

func (c Connection) clientID() string {
	if c.ClientID == "" {
		return "civicbus"
	}
	return c.ClientID
}

// Dialer is what kafka-go's Reader, ConsumerGroup and Conn connect with.
func (c Connection) Dialer() *kafka.Dialer {
	return &kafka.Dialer{
		ClientID:      c.clientID(),
		Timeout:       10 * time.Second,
		DualStack:     true,
		TLS:           c.TLS,
		SASLMechanism: c.SASL,
	}
}

// Transport is what kafka-go's Writer and Client connect with. Its owner
// closes its idle connections when done with it.
func (c Connection) Transport() *kafka.Transport {
	return &kafka.Transport{
		ClientID:    c.clientID(),
		DialTimeout: 10 * time.Second,
		TLS:         c.TLS,
		SASL:        c.SASL,
		MetadataTTL: 10 * time.Second,
	}
}

// Ping asks the cluster for its metadata: it answers nil when a broker
// answers.
func Ping(ctx context.Context, conn Connection) error {
	if err := conn.Validate(); err != nil {
		return err
	}
	t := conn.Transport()
	defer t.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(conn.Brokers...), Timeout: 10 * time.Second, Transport: t}
	if _, err := client.Metadata(ctx, &kafka.MetadataRequest{}); err != nil {
		if conn.SASL != nil && errors.Is(err, io.ErrUnexpectedEOF) {
			// Kafka answers a failed SASL authentication with an error
			// that says so; some brokers (the embedded one among them)
			// close the connection instead.
			err = fmt.Errorf("%w: the broker closed the connection; with SASL %s that is most often a wrong user or password",
				err, conn.SASL.Name())
		}
		return fmt.Errorf("kafka %s: %w", strings.Join(conn.Brokers, ","), err)
	}
	return nil
}

// SecurityConfig is how TLS and SASL are given in configuration: file paths
// and names, never secrets inline.
type SecurityConfig struct {
	// TLS turns TLS on. CAFile, when set, is the PEM bundle that the brokers'
	// certificates are checked against instead of the system's roots.
	TLS      bool   `json:"tls,omitempty" yaml:"tls"`
	CAFile   string `json:"ca_file,omitempty" yaml:"ca_file"`
	CertFile string `json:"cert_file,omitempty" yaml:"cert_file"` // client certificate, for mutual TLS
	KeyFile  string `json:"key_file,omitempty" yaml:"key_file"`
	// SASLMechanism is "", "PLAIN", "SCRAM-SHA-256" or "SCRAM-SHA-512".
	SASLMechanism string `json:"sasl_mechanism,omitempty" yaml:"sasl_mechanism"`
	SASLUser      string `json:"sasl_user,omitempty" yaml:"sasl_user"`
	// SASLPasswordFile holds the password (a mounted secret).
	SASLPasswordFile string `json:"sasl_password_file,omitempty" yaml:"sasl_password_file"`
}

// Apply sets conn's TLS and SASL from the configuration, reading the files it
// names. Every problem is reported, not only the first.
func (s SecurityConfig) Apply(conn *Connection) error {
	var errs []error
	if s.TLS || s.CAFile != "" || s.CertFile != "" || s.KeyFile != "" {
		cfg, err := s.tlsConfig()
		if err != nil {
			errs = append(errs, err)
		}
		conn.TLS = cfg
	}
	if s.SASLMechanism != "" {
		mech, err := s.saslMechanism()
		if err != nil {
			errs = append(errs, err)
		}
		conn.SASL = mech
	}
	return errors.Join(errs...)
}

func (s SecurityConfig) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.CAFile != "" {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			return nil, fmt.Errorf("kafka tls: ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kafka tls: ca_file %s holds no PEM certificate", s.CAFile)
		}
		cfg.RootCAs = pool
	}
	if (s.CertFile == "") != (s.KeyFile == "") {
		return nil, errors.New("kafka tls: cert_file and key_file go together")
	}
	if s.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(s.CertFile, s.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("kafka tls: client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

func (s SecurityConfig) saslMechanism() (sasl.Mechanism, error) {
	if s.SASLUser == "" {
		return nil, errors.New("kafka sasl: sasl_user is required")
	}
	if s.SASLPasswordFile == "" {
		return nil, errors.New("kafka sasl: sasl_password_file is required")
	}
	raw, err := os.ReadFile(s.SASLPasswordFile)
	if err != nil {
		return nil, fmt.Errorf("kafka sasl: sasl_password_file: %w", err)
	}
	password := strings.TrimRight(string(raw), "\r\n")
	switch strings.ToUpper(s.SASLMechanism) {
	case "PLAIN":
		return plain.Mechanism{Username: s.SASLUser, Password: password}, nil
	case "SCRAM-SHA-256":
		return scram.Mechanism(scram.SHA256, s.SASLUser, password)
	case "SCRAM-SHA-512":
		return scram.Mechanism(scram.SHA512, s.SASLUser, password)
	default:
		return nil, fmt.Errorf("kafka sasl: mechanism %q is not PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", s.SASLMechanism)
	}
}
