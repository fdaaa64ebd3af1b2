package portal

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
)

// cursor is a position in a list of the v1 API: after the dataset named
// Name (Kind "datasets"), or after row number Row of a dataset's version
// (Kind "rows"). A rows cursor pins its version, so a version published
// while a client pages does not shift the rows under it.
type cursor struct {
	Kind    string `json:"k"`
	Name    string `json:"n,omitempty"`
	Dataset string `json:"d,omitempty"`
	Version int    `json:"v,omitempty"`
	Row     int64  `json:"r,omitempty"`
}

// cursorCodec makes cursors opaque and tamper-evident: a cursor is the
// base64url of its JSON, a dot, and the base64url of the first 16 bytes of
// the JSON's HMAC-SHA256 under key.
type cursorCodec struct{ key []byte }

// newCursorCodec signs with key, or with a random key when key is empty
// (the cursors then last as long as the process).
func newCursorCodec(key []byte) cursorCodec {
	if len(key) == 0 {
		key = make([]byte, 32)
		rand.Read(key)
	}
	return cursorCodec{key: key}
}

func (c cursorCodec) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write(payload)
	return m.Sum(nil)[:16]
}

func (c cursorCodec) encode(cur cursor) string {
	js, _ := json.Marshal(cur)
	return base64.RawURLEncoding.EncodeToString(js) + "." + base64.RawURLEncoding.EncodeToString(c.mac(js))
}

// decode checks and reads a cursor of kind; any cursor this codec did not
// make, or of another kind, is a *paramError naming "cursor".
func (c cursorCodec) decode(s, kind string) (cursor, error) {
	bad := badParam("cursor", "not a cursor this API issued (or it has expired); start again without one")
	body, sig, ok := strings.Cut(s, ".")
	if !ok || len(s) > 1024 {
		return cursor{}, bad
	}
	js, err1 := base64.RawURLEncoding.DecodeString(body)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, c.mac(js)) {
		return cursor{}, bad
	}
	var cur cursor
	if json.Unmarshal(js, &cur) != nil || cur.Kind != kind || cur.Row < 0 || cur.Version < 0 {
		return cursor{}, bad
	}
	return cur, nil
}
