// Package dcat writes the open-data catalog in DCAT-AP-SE, the Swedish
// profile of DCAT-AP 3.0.1 that dataportal.se harvests.
//
// The portal maps its datasets to a Catalog (this package imports no other
// service) and serves it three ways from one graph, so the three always say
// the same thing:
//
//   - WriteRDFXML for /catalog.rdf, the one URL dataportal.se harvests (daily,
//     RDF/XML only; /datasets/dcat should redirect to it);
//   - WriteTurtle for /catalog.ttl;
//   - WriteJSONLD for /catalog.jsonld (an inline @context: nothing to fetch).
//
// Each validates the catalog first (Catalog.Validate, every problem named by
// its field, never its value) and writes nothing when it is invalid.
//
// # The Swedish harvesting rules it follows
//
//   - Every resource is an IRI, never a blank node: the catalog
//     <base>/catalog, each dataset <base>/datasets/<uuid>, its distributions
//     <dataset>/distributions/<format>, its contact point
//     <dataset>/contact-point, its period <dataset>/temporal and, when the
//     area has no IRI of its own, its area <dataset>/spatial. The RDF/XML has
//     one top-level element per resource and no rdf:nodeID or nesting.
//   - Every dataset has its UUID as dct:identifier.
//   - The publisher is http://dataportal.se/organisation/SE<organisation
//     number without dash>, a foaf:Agent with foaf:name (and its ADMS
//     publisher type, when given).
//   - Licences are the http (not https) Creative Commons IRIs, on the
//     catalog (DCAT-AP-SE asks for a catalog licence) and on every
//     distribution.
//   - The catalog lists every dataset with dcat:dataset; there is no
//     dcat:CatalogRecord.
//   - Contact points are vcard:Organization (and vcard:Kind, the class
//     DCAT-AP's ranges ask for) with vcard:fn and vcard:hasEmail <mailto:…>.
//   - Themes, update frequencies, languages, file types and planned
//     availability are EU authority-table IRIs; media types are IANA IRIs.
//   - A high-value dataset (Implementing Regulation (EU) 2023/138) has its
//     dcatap:hvdCategory (the EU HVD category IRI) and
//     dcatap:applicableLegislation HVDLegislation, and so do its
//     distributions.
//   - Texts are language-tagged @sv and @en; dates are xsd:date and times
//     xsd:dateTime in UTC.
//
// # How it is checked
//
// The tests run testdata/shacl/validate.js (Node; npm ci in that folder)
// over the RDF/XML of a catalog of the demo datasets: zero violations of
// the DCAT-AP 3.0.1 shapes with their class ranges, zero of the DCAT-AP HVD
// shapes on the high-value datasets, and the warnings of the recommended
// shapes are logged. The class ranges of IRIs the catalog only refers to
// (themes, licences, file types…) are checked against
// testdata/shacl/vocabularies.ttl, the terms as their authorities type
// them, as the EU validator loads the vocabularies. The tool also parses
// the three serialisations with independent parsers and checks that they
// are one graph.
package dcat

// The media types of the three serialisations, for Content-Type.
const (
	MediaTypeRDFXML = "application/rdf+xml"
	MediaTypeTurtle = "text/turtle"
	MediaTypeJSONLD = "application/ld+json"
)
