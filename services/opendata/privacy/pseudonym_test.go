package privacy

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var testKey = []byte("0123456789abcdef0123456789abcdef-test-key")

func mustPseudonymizer(t *testing.T, key []byte, label string) *Pseudonymizer {
	t.Helper()
	p, err := NewPseudonymizer(key, label)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPseudonym(t *testing.T) {
	v1 := mustPseudonymizer(t, testKey, "2026-11")
	a, b := v1.Pseudonym("198112189876"), v1.Pseudonym("198112189876")
	if a != b {
		t.Errorf("same id, same release: %q, %q", a, b)
	}
	if !regexp.MustCompile(`^[a-z2-7]{20}$`).MatchString(a) {
		t.Errorf("pseudonym %q is not 20 base32 characters", a)
	}
	if v1.Pseudonym("198112189877") == a {
		t.Error("two ids, one pseudonym")
	}
	if mustPseudonymizer(t, testKey, "2026-12").Pseudonym("198112189876") == a {
		t.Error("a new release label gives the same pseudonym")
	}
	other := append([]byte("X"), testKey[1:]...)
	if mustPseudonymizer(t, other, "2026-11").Pseudonym("198112189876") == a {
		t.Error("another key gives the same pseudonym")
	}
	if v1.Pseudonym("") != "" {
		t.Error("an empty id got a pseudonym")
	}
	if strings.Contains(a, "9876") {
		t.Errorf("pseudonym %q shows digits of the id", a)
	}
}

// The derivation is fixed: a change would silently unlink pseudonyms of a
// release already published with a label. The expected value was computed
// apart from this code, with Python's hmac and hashlib: HKDF-SHA-256
// (RFC 5869, zero salt, info "civicbus pseudonym v1\x00v1") then
// HMAC-SHA-256 of the id, base32 lower-case, 20 characters.
func TestPseudonymGolden(t *testing.T) {
	got := mustPseudonymizer(t, testKey, "v1").Pseudonym("811218-9876")
	if want := "ybsjvemboqmj2ju35ikk"; got != want {
		t.Errorf("Pseudonym = %q, want %q", got, want)
	}
}

func TestPseudonymizerFailsClosed(t *testing.T) {
	for _, tt := range []struct {
		key   []byte
		label string
	}{{nil, "v1"}, {[]byte{}, "v1"}, {testKey[:MinKeyLen-1], "v1"}, {testKey, ""}} {
		p, err := NewPseudonymizer(tt.key, tt.label)
		if err == nil || p != nil {
			t.Errorf("NewPseudonymizer(%d bytes, %q) = %v, %v; want an error", len(tt.key), tt.label, p, err)
		}
		if err != nil && len(tt.key) > 0 && strings.Contains(err.Error(), string(tt.key[:8])) {
			t.Errorf("error %q holds the key", err)
		}
	}
	p := mustPseudonymizer(t, testKey, "v1")
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(f, p); strings.Contains(s, string(testKey[:8])) || strings.Contains(s, "[") {
			t.Errorf("%s prints %q", f, s)
		}
	}
}

func TestKeyFromFileAndEnv(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "key")
	if err := os.WriteFile(good, append(testKey, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := KeyFromFile(good)
	if err != nil || string(k) != string(testKey) {
		t.Fatalf("KeyFromFile = %q, %v", k, err)
	}
	short := filepath.Join(dir, "short")
	secret := "short-secret-value"
	if err := os.WriteFile(short, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{short, filepath.Join(dir, "missing")} {
		_, err := KeyFromFile(path)
		if err == nil || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), secret) {
			t.Errorf("KeyFromFile(%s): err = %v; want an error naming the file, not the key", path, err)
		}
	}

	t.Setenv("CIVICBUS_TEST_PSEUDONYM_KEY", "  "+string(testKey)+"\n")
	if k, err := KeyFromEnv("CIVICBUS_TEST_PSEUDONYM_KEY"); err != nil || string(k) != string(testKey) {
		t.Errorf("KeyFromEnv = %q, %v", k, err)
	}
	t.Setenv("CIVICBUS_TEST_PSEUDONYM_KEY", secret)
	_, err = KeyFromEnv("CIVICBUS_TEST_PSEUDONYM_KEY")
	if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "CIVICBUS_TEST_PSEUDONYM_KEY") {
		t.Errorf("short env key: err = %v", err)
	}
	if _, err := KeyFromEnv("CIVICBUS_TEST_UNSET_VARIABLE_X"); err == nil {
		t.Error("unset variable accepted")
	}
}

func BenchmarkPseudonym(b *testing.B) {
	p, _ := NewPseudonymizer(testKey, "v1")
	for b.Loop() {
		p.Pseudonym("198112189876")
	}
}
