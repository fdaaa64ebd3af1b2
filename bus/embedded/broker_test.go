package embedded_test

import (
	"net"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/bus/embedded"
)

func TestListenOnEveryInterfaceAdvertisesLoopback(t *testing.T) {
	b, err := embedded.Start(embedded.Config{Listen: ":0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if !strings.HasPrefix(b.Addr(), "127.0.0.1:") {
		t.Fatalf("advertised %s, want 127.0.0.1:<port>", b.Addr())
	}
	c, err := net.Dial("tcp", b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

func TestTakenAddressIsAnError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = embedded.Start(embedded.Config{Listen: ln.Addr().String()})
	if err == nil || !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Fatalf("got %v, want an error naming %s", err, ln.Addr())
	}
}

func TestConfigErrors(t *testing.T) {
	_, err := embedded.Start(embedded.Config{Partitions: -1, SASL: []embedded.User{{Mechanism: "MD5", Name: "a", Password: "b"}}})
	if err == nil || !strings.Contains(err.Error(), "partitions") || !strings.Contains(err.Error(), "MD5") {
		t.Fatalf("got %v, want both problems reported", err)
	}
}
