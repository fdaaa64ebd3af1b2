package portal

import (
	"bufio"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus/middleware"
	"github.com/vasteras/civicbus/schemas"
)

// pageSize is how many rows the harvester asks the open-data API for at
// once, unless its pageSize says otherwise.
const pageSize = 1000

// harvester stores each announced version, as a CKAN harvester would: it
// reads the announcement, fetches the dataset and the version's rows from
// the open-data service's API, and checks them against the announcement.
type harvester struct {
	api    string // the open-data API's base URL, ending in /
	client *http.Client
	store  *Store
	// pageSize is the rows per request; 0 means the package's pageSize.
	pageSize int
}

// handle applies one platform.dataset-published.v1 event. A fetch that
// fails returns a plain error, so the router retries it and then
// dead-letters it; rows that do not match the announced checksum are a
// permanent error.
func (h *harvester) handle(msg *message.Message) error {
	var ev schemas.DatasetPublished
	if err := json.Unmarshal(msg.Payload, &ev); err != nil {
		return middleware.Permanent(fmt.Errorf("portal: the announcement is not a dataset-published event"))
	}
	_, err := h.harvest(msg.Context(), ev)
	return err
}

// showResponse is the open-data API's GET datasets/{id}.
type showResponse struct {
	Definition json.RawMessage `json:"definition"`
	Versions   []struct {
		Version     int             `json:"version"`
		PublishedAt time.Time       `json:"published_at"`
		RowCount    int64           `json:"row_count"`
		Columns     []string        `json:"columns"`
		SHA256      string          `json:"sha256"`
		Report      json.RawMessage `json:"privacy_report"`
	} `json:"versions"`
}

// harvest fetches and stores the announced version; it reports whether the
// version was new.
func (h *harvester) harvest(ctx context.Context, ev schemas.DatasetPublished) (bool, error) {
	var show showResponse
	if err := h.getJSON(ctx, "datasets/"+url.PathEscape(ev.DatasetID), &show); err != nil {
		return false, err
	}
	var def Definition
	if err := json.Unmarshal(show.Definition, &def); err != nil || def.ID != ev.DatasetID {
		return false, fmt.Errorf("portal: dataset %s: the API's definition does not match the announcement", ev.DatasetID)
	}
	v := Version{DatasetID: ev.DatasetID, Version: ev.Version, TemporalStart: string(ev.TemporalStart), TemporalEnd: string(ev.TemporalEnd)}
	found := false
	for _, sv := range show.Versions {
		if sv.Version == ev.Version {
			v.PublishedAt, v.RowCount, v.Columns, v.SHA256, v.Report = sv.PublishedAt, sv.RowCount, sv.Columns, sv.SHA256, sv.Report
			found = true
		}
	}
	if !found {
		return false, fmt.Errorf("portal: dataset %s: the API has no version %d", ev.DatasetID, ev.Version)
	}
	if ev.SHA256 != "" && ev.SHA256 != v.SHA256 {
		return false, middleware.Permanent(fmt.Errorf("portal: dataset %s version %d: the API's sha256 differs from the announcement's", ev.DatasetID, ev.Version))
	}
	if _, err := h.store.Version(ctx, v.DatasetID, v.Version); err == nil {
		return false, nil // stored before: a redelivery
	}
	// The rows are fetched and checked into a spool file first, so that the
	// store's transaction (on SQLite, the database's write lock, which the
	// other services of `civicbus run` share) lasts only as long as the
	// inserts, not the download.
	spool, err := os.CreateTemp("", "portal-harvest-*.ndjson")
	if err != nil {
		return false, fmt.Errorf("portal: spool: %w", err)
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	enc := json.NewEncoder(spool)
	if err := h.rows(ctx, v)(func(r Row) error { return enc.Encode(r) }); err != nil {
		return false, err
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return false, fmt.Errorf("portal: spool: %w", err)
	}
	return h.store.AddVersion(ctx, def, show.Definition, v, spooled(spool))
}

// spooled yields the rows of a spool file, one JSON array per line.
func spooled(r io.Reader) RowSource {
	return func(add func(Row) error) error {
		dec := json.NewDecoder(bufio.NewReader(r))
		for {
			var row Row
			if err := dec.Decode(&row); err == io.EOF {
				return nil
			} else if err != nil {
				return fmt.Errorf("portal: read spool: %w", err)
			}
			if err := add(row); err != nil {
				return err
			}
		}
	}
}

// rows pages through the version's rows, and fails unless they are as many
// as the version says and hash, as CSV, to its sha256.
func (h *harvester) rows(ctx context.Context, v Version) RowSource {
	return func(add func(Row) error) error {
		sum := sha256.New()
		cw := newCSVWriter(sum, false)
		if err := cw.header(v.Columns); err != nil {
			return err
		}
		size := cmp.Or(h.pageSize, pageSize)
		var n int64
		for {
			got := 0
			path := fmt.Sprintf("datasets/%s/versions/%d/rows?after=%d&limit=%d", url.PathEscape(v.DatasetID), v.Version, n, size)
			err := h.getLines(ctx, path, func(line []byte) error {
				row, err := rowOf(line, v.Columns)
				if err != nil {
					return fmt.Errorf("portal: dataset %s version %d row %d: %w", v.DatasetID, v.Version, n+1, err)
				}
				got++
				n++
				if err := cw.row(row); err != nil {
					return err
				}
				return add(row)
			})
			if err != nil {
				return err
			}
			if got < size {
				break
			}
		}
		if err := cw.flush(); err != nil {
			return err
		}
		if n != v.RowCount {
			return fmt.Errorf("portal: dataset %s version %d: %d rows fetched, %d announced", v.DatasetID, v.Version, n, v.RowCount)
		}
		if hex.EncodeToString(sum.Sum(nil)) != v.SHA256 {
			return middleware.Permanent(fmt.Errorf("portal: dataset %s version %d: the rows do not hash to the version's sha256", v.DatasetID, v.Version))
		}
		return nil
	}
}

// rowOf orders a row object's values by cols; a column the object lacks
// is null.
func rowOf(line []byte, cols []string) (Row, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		return nil, fmt.Errorf("not a JSON object")
	}
	row := make(Row, len(cols))
	for i, c := range cols {
		if v, ok := obj[c]; ok {
			row[i] = v
		} else {
			row[i] = json.RawMessage("null")
		}
	}
	return row, nil
}

func (h *harvester) get(ctx context.Context, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.api+path, nil)
	if err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	what, _, _ := strings.Cut(path, "?")
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("portal: fetch %s: %w", what, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("portal: fetch %s: status %d", what, resp.StatusCode)
	}
	return resp, nil
}

func (h *harvester) getJSON(ctx context.Context, path string, v any) error {
	resp, err := h.get(ctx, path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("portal: decode %s: %w", path, err)
	}
	return nil
}

// getLines calls fn with each non-empty line of an NDJSON response.
func (h *harvester) getLines(ctx context.Context, path string, fn func([]byte) error) error {
	resp, err := h.get(ctx, path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	for {
		line, err := r.ReadBytes('\n')
		if len(strings.TrimSpace(string(line))) > 0 {
			if ferr := fn(line); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("portal: read rows: %w", err)
		}
	}
}
