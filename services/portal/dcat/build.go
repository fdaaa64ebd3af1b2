package dcat

import (
	"strings"
	"time"
)

// IRI is the catalog's IRI: <base>/catalog.
func (c Catalog) IRI() string { return c.base() + "/catalog" }

// DatasetIRI is the IRI of the dataset with the UUID id: <base>/datasets/<id>.
func (c Catalog) DatasetIRI(id string) string { return c.base() + "/datasets/" + id }

func (c Catalog) base() string { return strings.TrimRight(c.BaseURL, "/") }

// IRI is the publisher's IRI as dataportal.se expects it:
// http://dataportal.se/organisation/SE<organisation number without dash>.
func (p Publisher) IRI() string {
	return publisherBase + strings.ReplaceAll(p.OrgNumber, "-", "")
}

// build turns a valid catalog into its graph.
func build(c Catalog) *graph {
	g := newGraph()
	cat := g.node(c.IRI(), dcatCatalog)
	cat.addText(dctTitle, c.Title)
	cat.addText(dctDescription, c.Description)
	cat.add(dctPublisher, iri(addPublisher(g, c.Publisher)))
	homepage := c.Homepage
	if homepage == "" {
		homepage = c.base() + "/"
	}
	cat.add(foafHomepage, iri(g.node(homepage, foafDocument).iri))
	cat.add(dctLicense, iri(licences[c.Licence]))
	cat.add(dctLanguage, iri(languageBase+"SWE"))
	cat.add(dctLanguage, iri(languageBase+"ENG"))
	cat.add(dcatThemeTaxonomy, iri(themeTaxonomy))
	addSpatial(g, cat, c.Spatial)
	addTime(cat, dctIssued, c.Issued)
	addTime(cat, dctModified, c.Modified)
	for _, d := range c.Datasets {
		cat.add(dcatDatasetP, iri(addDataset(g, c, d)))
	}
	return g
}

// addPublisher adds the publisher's foaf:Agent and returns its IRI.
func addPublisher(g *graph, p Publisher) string {
	n := g.node(p.IRI(), foafAgent)
	n.add(foafName, lit(p.Name))
	if p.Type != "" {
		n.add(dctType, iri(publisherTypeIRI+p.Type))
	}
	return n.iri
}

// addDataset adds a dataset with its contact point, period, area and
// distributions, and returns its IRI.
func addDataset(g *graph, c Catalog, d Dataset) string {
	n := g.node(c.DatasetIRI(d.ID), dcatDataset)
	n.add(dctIdentifier, lit(d.ID))
	n.addText(dctTitle, d.Title)
	n.addText(dctDescription, d.Description)
	for _, t := range d.Themes {
		n.add(dcatTheme, iri(themeBase+t))
	}
	for _, k := range d.Keywords.SV {
		n.add(dcatKeyword, langLit(k, "sv"))
	}
	for _, k := range d.Keywords.EN {
		n.add(dcatKeyword, langLit(k, "en"))
	}
	pub := d.Publisher
	if pub == (Publisher{}) {
		pub = c.Publisher
	}
	n.add(dctPublisher, iri(addPublisher(g, pub)))
	cp := g.node(n.iri+"/contact-point", vcardOrganization, vcardKind)
	cp.add(vcardFn, lit(d.ContactPoint.Name))
	cp.add(vcardHasEmail, iri("mailto:"+d.ContactPoint.Email))
	n.add(dcatContactPoint, iri(cp.iri))
	if f := d.UpdateFrequency; f != "" {
		n.add(dctAccrualPeriodicity, iri(frequencyBase+frequencies[f]))
	}
	addSpatial(g, n, d.Spatial)
	addTemporal(g, n, d.Temporal)
	if hvd := d.HVDCategory; hvd != "" {
		n.add(dcatapHVDCategory, iri(hvdCategories[hvd]))
		n.add(dcatapApplicableLegisl, iri(HVDLegislation))
	}
	if d.LandingPage != "" {
		n.add(dcatLandingPage, iri(g.node(d.LandingPage, foafDocument).iri))
	}
	addTime(n, dctIssued, d.Issued)
	addTime(n, dctModified, d.Modified)
	for _, dist := range d.Distributions {
		n.add(dcatDistributionP, iri(addDistribution(g, n.iri, d, dist)))
	}
	return n.iri
}

// addSpatial adds the area of a catalog or dataset as a dct:Location, when
// it has one; an area without an IRI is named <subject>/spatial.
func addSpatial(g *graph, ds *node, s Spatial) {
	if s == (Spatial{}) {
		return
	}
	id := s.IRI
	if id == "" {
		id = ds.iri + "/spatial"
	}
	loc := g.node(id, dctLocation)
	if s.Name != "" {
		loc.add(rdfsLabel, langLit(s.Name, "sv"))
	}
	ds.add(dctSpatial, iri(id))
}

// addTemporal adds the dataset's period as the named node <dataset>/temporal.
func addTemporal(g *graph, ds *node, t Temporal) {
	if t == (Temporal{}) {
		return
	}
	p := g.node(ds.iri+"/temporal", dctPeriodOfTime)
	if t.Start != "" {
		p.add(dcatStartDate, typedLit(t.Start, xsdDate))
	}
	if t.End != "" {
		p.add(dcatEndDate, typedLit(t.End, xsdDate))
	}
	ds.add(dctTemporal, iri(p.iri))
}

// addDistribution adds one distribution and returns its IRI.
func addDistribution(g *graph, dataset string, d Dataset, dist Distribution) string {
	n := g.node(dataset+"/distributions/"+dist.Format, dcatDistribution)
	n.addText(dctTitle, dist.Title)
	n.addText(dctDescription, dist.Description)
	n.add(dcatAccessURL, iri(dist.AccessURL))
	if dist.DownloadURL != "" {
		n.add(dcatDownloadURL, iri(dist.DownloadURL))
	}
	f := formats[dist.Format]
	n.add(dctFormat, iri(fileTypeBase+f.fileType))
	if f.mediaType != "" {
		n.add(dcatMediaType, iri(mediaTypeBase+f.mediaType))
	}
	n.add(dctLicense, iri(licences[d.Licence]))
	if a := dist.Availability; a != "" {
		n.add(dcatapAvailability, iri(availabilityBase+availabilities[a]))
	}
	if d.HVDCategory != "" {
		n.add(dcatapApplicableLegisl, iri(HVDLegislation))
	}
	addTime(n, dctModified, dist.Modified)
	return n.iri
}

// addTime adds a UTC xsd:dateTime, unless t is zero.
func addTime(n *node, pred string, t time.Time) {
	if !t.IsZero() {
		n.add(pred, typedLit(t.UTC().Format(time.RFC3339), xsdDateTime))
	}
}
