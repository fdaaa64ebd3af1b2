package privacy

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"os"
)

// MinKeyLen is the shortest pseudonymisation key accepted, in bytes.
const MinKeyLen = 32

// PseudonymLen is the length of a pseudonym: 20 base32 characters, 100
// bits of an HMAC-SHA-256 (a collision among a million identifiers has a
// chance of about 2^-60).
const PseudonymLen = 20

var pseudonymEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Pseudonymizer replaces identifiers by keyed hashes: HMAC-SHA-256 under a
// key derived (HKDF-SHA-256) from a secret key and a label. The same
// identifier gets the same pseudonym under one key and label, so rows of
// one person stay linked inside a release; a new label (one per release,
// or per rotation) gives unrelated pseudonyms, so releases cannot be
// linked through them.
//
// It protects against reversing a pseudonym by guessing: without the key,
// hashing every personnummer does not help. It does not protect against
// someone who holds the key, nor against recognising a person from the
// other columns of the row (that is k-anonymity's job). It is safe for
// concurrent use, and never prints its key.
type Pseudonymizer struct {
	label string
	key   []byte
}

// NewPseudonymizer returns a Pseudonymizer for key and label. It fails
// closed: a key shorter than MinKeyLen bytes or an empty label is an
// error, and the error never holds the key.
func NewPseudonymizer(key []byte, label string) (*Pseudonymizer, error) {
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("privacy: pseudonymisation key shorter than %d bytes", MinKeyLen)
	}
	if label == "" {
		return nil, fmt.Errorf("privacy: pseudonymisation label is empty: name the release or rotation")
	}
	k, err := hkdf.Key(sha256.New, key, nil, "civicbus pseudonym v1\x00"+label, sha256.Size)
	if err != nil {
		return nil, fmt.Errorf("privacy: derive pseudonymisation key: %w", err)
	}
	return &Pseudonymizer{label: label, key: k}, nil
}

// Pseudonym returns the PseudonymLen-character pseudonym of id, or "" for
// an empty id (a missing value stays missing).
func (p *Pseudonymizer) Pseudonym(id string) string {
	if id == "" {
		return ""
	}
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(id))
	return pseudonymEncoding.EncodeToString(m.Sum(nil))[:PseudonymLen]
}

// String names the label, never the key.
func (p *Pseudonymizer) String() string {
	return fmt.Sprintf("privacy.Pseudonymizer{label: %q}", p.label)
}

// GoString is String, so that %#v does not print the key either.
func (p *Pseudonymizer) GoString() string { return p.String() }

// KeyFromFile reads a key from a file (a mounted secret): its content, with
// surrounding white space removed. Generate one with, for example,
// `openssl rand -base64 48`. Errors name the file, never its content.
func KeyFromFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("privacy: read pseudonymisation key: %w", err)
	}
	return checkKey(bytes.TrimSpace(b), "file "+path)
}

// KeyFromEnv reads a key from the environment variable name, with
// surrounding white space removed. Errors name the variable, never its
// value.
func KeyFromEnv(name string) ([]byte, error) {
	v, ok := os.LookupEnv(name)
	if !ok {
		return nil, fmt.Errorf("privacy: pseudonymisation key: environment variable %s is not set", name)
	}
	return checkKey(bytes.TrimSpace([]byte(v)), "environment variable "+name)
}

func checkKey(k []byte, from string) ([]byte, error) {
	if len(k) < MinKeyLen {
		return nil, fmt.Errorf("privacy: pseudonymisation key in %s is shorter than %d bytes", from, MinKeyLen)
	}
	return k, nil
}
