package dcat

// The namespaces, with the prefixes every serialisation declares, in the
// order they are written.
var namespaces = []struct{ prefix, iri string }{
	{"rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"},
	{"rdfs", "http://www.w3.org/2000/01/rdf-schema#"},
	{"xsd", "http://www.w3.org/2001/XMLSchema#"},
	{"dct", "http://purl.org/dc/terms/"},
	{"dcat", "http://www.w3.org/ns/dcat#"},
	{"dcatap", "http://data.europa.eu/r5r/"},
	{"foaf", "http://xmlns.com/foaf/0.1/"},
	{"vcard", "http://www.w3.org/2006/vcard/ns#"},
}

// Vocabulary terms used as predicates and classes.
const (
	rdfType   = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
	rdfsLabel = "http://www.w3.org/2000/01/rdf-schema#label"

	xsdDate     = "http://www.w3.org/2001/XMLSchema#date"
	xsdDateTime = "http://www.w3.org/2001/XMLSchema#dateTime"

	dct                    = "http://purl.org/dc/terms/"
	dctTitle               = dct + "title"
	dctDescription         = dct + "description"
	dctPublisher           = dct + "publisher"
	dctLicense             = dct + "license"
	dctLanguage            = dct + "language"
	dctIssued              = dct + "issued"
	dctModified            = dct + "modified"
	dctIdentifier          = dct + "identifier"
	dctAccrualPeriodicity  = dct + "accrualPeriodicity"
	dctSpatial             = dct + "spatial"
	dctTemporal            = dct + "temporal"
	dctFormat              = dct + "format"
	dctType                = dct + "type"
	dctLocation            = dct + "Location"
	dctPeriodOfTime        = dct + "PeriodOfTime"
	dcat                   = "http://www.w3.org/ns/dcat#"
	dcatCatalog            = dcat + "Catalog"
	dcatDataset            = dcat + "Dataset"
	dcatDistribution       = dcat + "Distribution"
	dcatDatasetP           = dcat + "dataset"
	dcatDistributionP      = dcat + "distribution"
	dcatTheme              = dcat + "theme"
	dcatThemeTaxonomy      = dcat + "themeTaxonomy"
	dcatKeyword            = dcat + "keyword"
	dcatContactPoint       = dcat + "contactPoint"
	dcatLandingPage        = dcat + "landingPage"
	dcatAccessURL          = dcat + "accessURL"
	dcatDownloadURL        = dcat + "downloadURL"
	dcatMediaType          = dcat + "mediaType"
	dcatStartDate          = dcat + "startDate"
	dcatEndDate            = dcat + "endDate"
	dcatap                 = "http://data.europa.eu/r5r/"
	dcatapHVDCategory      = dcatap + "hvdCategory"
	dcatapApplicableLegisl = dcatap + "applicableLegislation"
	dcatapAvailability     = dcatap + "availability"
	foaf                   = "http://xmlns.com/foaf/0.1/"
	foafAgent              = foaf + "Agent"
	foafName               = foaf + "name"
	foafHomepage           = foaf + "homepage"
	foafDocument           = foaf + "Document"
	vcard                  = "http://www.w3.org/2006/vcard/ns#"
	vcardOrganization      = vcard + "Organization"
	vcardKind              = vcard + "Kind"
	vcardFn                = vcard + "fn"
	vcardHasEmail          = vcard + "hasEmail"
)

// Controlled vocabularies: the IRIs harvesters know.
const (
	themeBase        = "http://publications.europa.eu/resource/authority/data-theme/"
	themeTaxonomy    = "http://publications.europa.eu/resource/authority/data-theme"
	frequencyBase    = "http://publications.europa.eu/resource/authority/frequency/"
	languageBase     = "http://publications.europa.eu/resource/authority/language/"
	fileTypeBase     = "http://publications.europa.eu/resource/authority/file-type/"
	availabilityBase = "http://publications.europa.eu/resource/authority/planned-availability/"
	mediaTypeBase    = "https://www.iana.org/assignments/media-types/"
	publisherTypeIRI = "http://purl.org/adms/publishertype/"
	publisherBase    = "http://dataportal.se/organisation/SE"

	// HVDLegislation is Implementing Regulation (EU) 2023/138, the
	// dcatap:applicableLegislation of every high-value dataset.
	HVDLegislation = "http://data.europa.eu/eli/reg_impl/2023/138/oj"
)

// themes are the EU data-theme codes.
var themes = map[string]bool{
	"AGRI": true, "ECON": true, "EDUC": true, "ENER": true, "ENVI": true, "GOVE": true, "HEAL": true,
	"INTR": true, "JUST": true, "REGI": true, "SOCI": true, "TECH": true, "TRAN": true,
}

// licences maps a licence to its IRI in the http form dataportal.se expects.
var licences = map[Licence]string{
	LicenceCCBY4: "http://creativecommons.org/licenses/by/4.0/",
	LicenceCC0:   "http://creativecommons.org/publicdomain/zero/1.0/",
}

// frequencies maps an update frequency to its EU frequency code.
var frequencies = map[string]string{
	"continuous": "UPDATE_CONT", "hourly": "HOURLY", "daily": "DAILY", "weekly": "WEEKLY",
	"monthly": "MONTHLY", "quarterly": "QUARTERLY", "annual": "ANNUAL", "irregular": "IRREG",
}

// hvdCategories maps an HVD category to its IRI in the EU HVD category
// vocabulary (earth observation and environment are one category there).
var hvdCategories = map[string]string{
	"geospatial":        "http://data.europa.eu/bna/c_ac64a52d",
	"earth-observation": "http://data.europa.eu/bna/c_dd313021",
	"environment":       "http://data.europa.eu/bna/c_dd313021",
	"meteorological":    "http://data.europa.eu/bna/c_164e0bf5",
	"statistics":        "http://data.europa.eu/bna/c_e1da4e07",
	"companies":         "http://data.europa.eu/bna/c_a9135398",
	"mobility":          "http://data.europa.eu/bna/c_b79e35eb",
}

// format is a distribution format: its EU file-type code and IANA media
// type ("" when IANA registers none).
type format struct{ fileType, mediaType string }

// formats are the distribution formats. The EU file-type vocabulary has no
// NDJSON: it is given as JSON (which each line is), without a media type,
// since IANA registers none.
var formats = map[string]format{
	"csv":     {"CSV", "text/csv"},
	"json":    {"JSON", "application/json"},
	"ndjson":  {"JSON", ""},
	"parquet": {"PARQUET", "application/vnd.apache.parquet"},
	"xlsx":    {"XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	"geojson": {"GEOJSON", "application/geo+json"},
}

// availabilities maps an availability to its EU planned-availability code.
var availabilities = map[string]string{
	"stable": "STABLE", "available": "AVAILABLE", "temporary": "TEMPORARY", "experimental": "EXPERIMENTAL",
}

// publisherTypes are the ADMS publisher-type codes.
var publisherTypes = map[string]bool{
	"Academia-ScientificOrganisation": true, "Company": true, "IndustryConsortium": true,
	"LocalAuthority": true, "NationalAuthority": true, "NonGovernmentalOrganisation": true,
	"NonProfitOrganisation": true, "PrivateIndividual(s)": true, "RegionalAuthority": true,
	"StandardisationBody": true, "SupraNationalAuthority": true,
}
