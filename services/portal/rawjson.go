package portal

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// rawJSON is compact, valid JSON the portal wrote itself (a package
// dictionary marshalled once into the catalog index, records written from
// stored rows): the CKAN envelope writes it as it is, where encoding/json
// would scan and copy it again (which was most of package_search's and
// package_show's time).
type rawJSON []byte

// rawArray is items as a JSON array.
func rawArray(items []json.RawMessage) rawJSON {
	n := 2
	for _, it := range items {
		n += len(it) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	return append(b, ']')
}

// rawObject is a JSON object of kv's keys (strings, at even positions) in
// order; a rawJSON value is written as it is, any other through
// json.Marshal.
func rawObject(kv ...any) (rawJSON, error) {
	b := []byte{'{'}
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b = append(b, ',')
		}
		k, err := json.Marshal(kv[i].(string))
		if err != nil {
			return nil, err
		}
		b = append(append(b, k...), ':')
		if raw, ok := kv[i+1].(rawJSON); ok {
			b = append(b, raw...)
			continue
		}
		v, err := json.Marshal(kv[i+1])
		if err != nil {
			return nil, fmt.Errorf("portal: encode %s: %w", kv[i], err)
		}
		b = append(b, v...)
	}
	return append(b, '}'), nil
}

// writeCKANResult writes CKAN's success envelope around result, in the key
// order encoding/json gives a map (help, result, success).
func writeCKANResult(w http.ResponseWriter, help string, result rawJSON) {
	h, _ := json.Marshal(help)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	b := make([]byte, 0, len(result)+len(h)+40)
	b = append(append(append(b, `{"help":`...), h...), `,"result":`...)
	b = append(append(b, result...), `,"success":true}`+"\n"...)
	w.Write(b)
}
