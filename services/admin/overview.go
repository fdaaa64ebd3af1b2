package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/dlq"
	"github.com/vasteras/civicbus/bus/middleware"
	"github.com/vasteras/civicbus/connectors"
)

const deadLetterSuffix = middleware.DeadLetterSuffix

// maxLetters is how many dead letters of one topic the page lists, the
// latest ones; replaying all of a topic replays every one.
const maxLetters = 50

// Overview is everything the admin page shows. A section that could not be
// read has its error set, not the whole page.
type Overview struct {
	Connectors    []connectors.Status
	ConnectorsErr string
	Topics        []Topic
	DeadLetters   []TopicLetters
	DeadErr       string
	Schemas       []Schema
	SchemasErr    string
	Datasets      []Dataset
	DatasetsErr   string
	Pipeline      Pipeline
}

// TopicLetters are the dead letters of one topic.
type TopicLetters struct {
	Topic   string
	Total   int
	Letters []dlq.Letter // the latest maxLetters, newest first
}

// Schema is a registry subject and its versions.
type Schema struct {
	Subject  string
	Versions []int
}

// Dataset is an open dataset as the open-data API lists it (its Summary's
// JSON fields that this face shows).
type Dataset struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Title          string   `json:"title"`
	Topics         []string `json:"topics"`
	LatestVersion  int      `json:"latest_version"`
	PendingChanges int64    `json:"pending_changes"`

	// Published is the latest version, read from the dataset's own page of
	// the API; nil when there is none or it could not be read.
	Published *Publication `json:"-"`
}

// Publication is a published version of a dataset, in the open-data API's
// JSON shape (the fields of its Version this face shows).
type Publication struct {
	Version     int       `json:"version"`
	PublishedAt time.Time `json:"published_at"`
	RowCount    int64     `json:"row_count"`
}

// overview reads every section; one that fails names its error.
func (s *Service) overview(ctx context.Context) Overview {
	var o Overview
	if err := s.getJSON(ctx, s.cfg.ConnectorsURL, &o.Connectors); err != nil {
		o.ConnectorsErr = err.Error()
	}
	o.Topics = s.rates.topics()
	o.DeadLetters, o.DeadErr = s.deadLetters(ctx, o.Topics)
	var err error
	if o.Schemas, err = s.schemas(ctx); err != nil {
		o.SchemasErr = err.Error()
	}
	if err := s.getJSON(ctx, s.cfg.DatasetsURL, &o.Datasets); err != nil {
		o.DatasetsErr = err.Error()
	}
	for i := range o.Datasets {
		if err := s.lastPublication(ctx, &o.Datasets[i]); err != nil {
			o.DatasetsErr = err.Error()
		}
	}
	o.Pipeline = drawPipeline(s.connectorTopics(), o.Connectors, o.Topics, o.Datasets)
	return o
}

// getJSON decodes the JSON answer of GET u into out.
func (s *Service) getJSON(ctx context.Context, u string, out any) error {
	if u == "" {
		return errors.New("no address configured")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(out); err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	return nil
}

// lastPublication fills d.Published from the dataset's page of the API
// (DatasetsURL/{id}), when it has a version.
func (s *Service) lastPublication(ctx context.Context, d *Dataset) error {
	if d.LatestVersion == 0 {
		return nil
	}
	var page struct {
		Versions []Publication `json:"versions"`
	}
	if err := s.getJSON(ctx, strings.TrimSuffix(s.cfg.DatasetsURL, "/")+"/"+url.PathEscape(d.ID), &page); err != nil {
		return err
	}
	for i, v := range page.Versions {
		if v.Version == d.LatestVersion {
			d.Published = &page.Versions[i]
		}
	}
	return nil
}

// schemas lists the registry's subjects and their versions.
func (s *Service) schemas(ctx context.Context) ([]Schema, error) {
	if s.cfg.RegistryURL == "" {
		return nil, errors.New("no address configured")
	}
	var subjects []string
	if err := s.getJSON(ctx, s.cfg.RegistryURL+"subjects", &subjects); err != nil {
		return nil, err
	}
	slices.Sort(subjects)
	out := make([]Schema, 0, len(subjects))
	for _, sub := range subjects {
		sc := Schema{Subject: sub}
		if err := s.getJSON(ctx, s.cfg.RegistryURL+"subjects/"+url.PathEscape(sub)+"/versions", &sc.Versions); err != nil {
			return out, err
		}
		out = append(out, sc)
	}
	return out, nil
}

// deadLetters lists the letters of every topic that has a dead-letter
// topic with records in it.
func (s *Service) deadLetters(ctx context.Context, topics []Topic) ([]TopicLetters, string) {
	var out []TopicLetters
	var errs []error
	for _, t := range topics {
		if !t.DeadLetter() || t.Records == 0 {
			continue
		}
		tl, err := s.letters.get(ctx, s.cfg.Conn, t)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if tl.Total > 0 {
			out = append(out, tl)
		}
	}
	if len(errs) > 0 {
		return out, errors.Join(errs...).Error()
	}
	return out, ""
}

// letterCache keeps each topic's listed dead letters with the record count
// of its <topic>.dlq they were read at, so a page view reads a topic again
// only when it has grown (a listing costs about 13 ms for 1,000 letters and
// 100 ms for 10,000 on the embedded broker; the page lists every topic).
type letterCache struct {
	mu sync.Mutex
	m  map[string]cachedLetters
}

type cachedLetters struct {
	records int64
	tl      TopicLetters
}

// get returns the letters of the dead-letter topic dt, as of its last
// sampled record count.
func (c *letterCache) get(ctx context.Context, conn bus.Connection, dt Topic) (TopicLetters, error) {
	c.mu.Lock()
	hit, ok := c.m[dt.Name]
	c.mu.Unlock()
	if ok && hit.records == dt.Records {
		return hit.tl, nil
	}
	topic := strings.TrimSuffix(dt.Name, deadLetterSuffix)
	letters, err := dlq.List(ctx, conn, topic)
	if err != nil {
		return TopicLetters{}, err
	}
	slices.SortStableFunc(letters, func(a, b dlq.Letter) int { return b.Time.Compare(a.Time) })
	tl := TopicLetters{Topic: topic, Total: len(letters), Letters: letters[:min(len(letters), maxLetters)]}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]cachedLetters{}
	}
	c.m[dt.Name] = cachedLetters{records: dt.Records, tl: tl}
	return tl, nil
}

// replay replays the dead letters of topic through dlq.Replay.
func (s *Service) replay(ctx context.Context, topic string, ids []string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	return dlq.Replay(ctx, s.cfg.Conn, s.pub, topic, ids...)
}

// connectorTopics maps each connector of ConnectorsDir to the topic it
// writes to. A file that does not parse is skipped: the connectors service
// reports it.
func (s *Service) connectorTopics() map[string]string {
	out := map[string]string{}
	entries, err := os.ReadDir(s.cfg.ConnectorsDir)
	if s.cfg.ConnectorsDir == "" || err != nil { // a missing dir is no connectors
		return out
	}
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(s.cfg.ConnectorsDir, e.Name()))
		if err != nil {
			continue
		}
		if c, err := connectors.ParseConfig(b, e.Name()); err == nil && c.Topic != "" {
			out[c.Name] = c.Topic
		}
	}
	return out
}
