package portal

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/vasteras/civicbus/services/portal/dcat"
)

// The catalog's own metadata.
var (
	catalogTitle = dcat.Text{SV: "Västerås stads öppna data", EN: "City of Västerås open data"}
	catalogDesc  = dcat.Text{
		SV: "Öppna datamängder från Västerås stad, anonymiserade enligt varje datamängds integritetspolicy.",
		EN: "Open datasets from the City of Västerås, anonymised by each dataset's privacy policy.",
	}
	catalogPublisher = dcat.Publisher{Name: Vasteras.Name, OrgNumber: Vasteras.OrgNumber, Type: "LocalAuthority"}
)

// catalog maps the stored datasets to a DCAT-AP-SE catalog. A dataset whose
// metadata the catalog cannot carry is left out and logged with the fields
// at fault, so one bad definition does not stop the harvest of the others.
func (s *Service) catalog(ds []Dataset) dcat.Catalog {
	c := dcat.Catalog{
		BaseURL: s.cfg.BaseURL, Title: catalogTitle, Description: catalogDesc, Publisher: catalogPublisher,
		Licence: dcat.LicenceCC0, Spatial: dcat.Spatial{Name: "Västerås kommun"},
	}
	for _, d := range ds {
		dd := s.dcatDataset(d)
		one := c
		one.Datasets = []dcat.Dataset{dd}
		if err := one.Validate(); err != nil {
			s.cfg.Logger.Warn("dataset left out of the DCAT catalog", "dataset", d.Name, "err", err)
			continue
		}
		c.Datasets = append(c.Datasets, dd)
		if c.Issued.IsZero() || d.FirstPublished.Before(c.Issued) {
			c.Issued = d.FirstPublished
		}
		if d.Latest.PublishedAt.After(c.Modified) {
			c.Modified = d.Latest.PublishedAt
		}
	}
	return c
}

func (s *Service) dcatDataset(d Dataset) dcat.Dataset {
	page := s.cfg.BaseURL + "/datasets/" + d.Name
	temporal := dcat.Temporal{Start: d.Temporal.Start, End: d.Temporal.End}
	if temporal == (dcat.Temporal{}) {
		temporal = dcat.Temporal{Start: d.Latest.TemporalStart, End: d.Latest.TemporalEnd}
	}
	var pub dcat.Publisher
	if p := d.publisher(); p != Vasteras {
		pub = dcat.Publisher{Name: p.Name, OrgNumber: p.OrgNumber}
	}
	out := dcat.Dataset{
		ID: d.ID, Title: dcat.Text(d.Title), Description: dcat.Text(d.Description), Themes: d.Themes,
		Keywords: dcat.Keywords(d.Keywords), Publisher: pub, ContactPoint: dcat.Contact(d.ContactPoint),
		Licence: dcat.Licence(d.Licence), UpdateFrequency: d.UpdateFrequency,
		Spatial: dcat.Spatial{IRI: d.Spatial.IRI, Name: d.Spatial.Name}, Temporal: temporal,
		HVDCategory: d.HVDCategory, LandingPage: page, Issued: d.FirstPublished, Modified: d.Latest.PublishedAt,
	}
	for _, f := range []string{"csv", "json", "ndjson", "parquet"} {
		out.Distributions = append(out.Distributions, dcat.Distribution{
			Format: f, AccessURL: page, DownloadURL: page + "/latest." + f,
			Title:        dcat.Text{SV: d.Title.SV + " (" + f + ")", EN: d.Title.In("en") + " (" + f + ")"},
			Availability: "stable", Modified: d.Latest.PublishedAt,
		})
	}
	return out
}

// handleCatalog serves the catalog with write in mediaType.
func (s *Service) handleCatalog(mediaType string, write func(io.Writer, dcat.Catalog) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ds, err := s.datasets(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		c := s.catalog(ds)
		var buf bytes.Buffer
		if err := write(&buf, c); err != nil {
			s.fail(w, r, errors.Join(errors.New("portal: the DCAT catalog"), err))
			return
		}
		w.Header().Set("Content-Type", mediaType+"; charset=utf-8")
		if !c.Modified.IsZero() {
			w.Header().Set("Last-Modified", c.Modified.UTC().Format(http.TimeFormat))
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(buf.Bytes()))
	}
}
