package rules

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"time"
)

// KindModelSettings is the kind of a document that configures a built-in
// model: the confidence below which its steps go to a person, the unit
// whose inbox gets the cases it opens, and (for snow-clearing) the areas
// it works.
const KindModelSettings = "model-settings"

// ModelSettings configures one built-in model for the automation service.
// Fields left out keep the service's defaults.
type ModelSettings struct {
	Kind string `yaml:"kind"`
	// Model is the model's name: routine, meal-demand, snow-clearing,
	// school-place-forecast or preschool-placement.
	Model Text `yaml:"model"`
	// Threshold is the confidence, in [0,1], below which the model's steps
	// are referred to a person.
	Threshold *float64 `yaml:"threshold"`
	// OrgUnit is the unit whose inbox gets the cases the model opens.
	OrgUnit string `yaml:"org_unit"`
	// Areas are the snow-clearing areas (snow-clearing only).
	Areas []SnowArea `yaml:"areas"`
	// External, when set, replaces the built-in model by one served over
	// the Open Inference Protocol (meal-demand only; see the automation
	// service for its inputs and outputs).
	External *ExternalModel `yaml:"external"`
}

// ExternalModel is a model served over the Open Inference Protocol
// (KServe v2 REST): POST {url}/v2/models/{model}/infer.
type ExternalModel struct {
	URL     string `yaml:"url"`
	Model   string `yaml:"model"`
	Version string `yaml:"version"`
	// Timeout bounds each call (a Go duration, e.g. 2s); a call that takes
	// longer refers the step to a person. Default 5s.
	Timeout string `yaml:"timeout"`
}

// SnowArea is a snow-clearing area (plogområde) the snow model works: the
// weather stations and forecast locations that stand for it and, when it
// has one, its heated site (markvärmeanläggning).
type SnowArea struct {
	ID       string `yaml:"id" json:"id"`
	Name     string `yaml:"name" json:"name,omitempty"`
	Priority bool   `yaml:"priority" json:"priority,omitempty"`
	Salted   bool   `yaml:"salted" json:"salted,omitempty"`
	// Stations are the station_ids of its observations.
	Stations []string `yaml:"stations" json:"stations"`
	// ForecastLocations are the location_ids of its forecasts.
	ForecastLocations []string `yaml:"forecast_locations" json:"forecast_locations,omitempty"`
	// HeatingSite is the site_id of its ground heating, if any.
	HeatingSite string `yaml:"heating_site" json:"heating_site,omitempty"`
}

// Models are the built-in models that model-settings may configure.
var Models = []string{"routine", "meal-demand", "snow-clearing", "school-place-forecast", "preschool-placement"}

var areaIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// addSettings checks one model-settings document.
func (e *Engine) addSettings(m *ModelSettings, file string) Problems {
	var ps Problems
	bad := func(format string, args ...any) {
		ps = append(ps, Problem{File: file, Line: m.Model.Line, Msg: "model-settings " + m.Model.Value + ": " + fmt.Sprintf(format, args...)})
	}
	if !slices.Contains(Models, m.Model.Value) {
		bad("model must be one of %v", Models)
	}
	if _, dup := e.settings[m.Model.Value]; dup {
		bad("given twice")
	}
	if m.Threshold != nil && !(*m.Threshold >= 0 && *m.Threshold <= 1) {
		bad("threshold must lie in [0,1]")
	}
	if m.OrgUnit != "" && !orgUnitRE.MatchString(m.OrgUnit) {
		bad("org_unit must be letters, digits, '.', '_' or '-'")
	}
	if len(m.Areas) > 0 && m.Model.Value != "snow-clearing" {
		bad("areas are for snow-clearing only")
	}
	if x := m.External; x != nil {
		if m.Model.Value != "meal-demand" {
			bad("external is for meal-demand only")
		}
		if u, err := url.Parse(x.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("external.url must be an http(s) URL")
		}
		if !idRE.MatchString(x.Model) || x.Version == "" {
			bad("external needs model (lower-case kebab case) and version")
		}
		if d, err := time.ParseDuration(x.Timeout); x.Timeout != "" && (err != nil || d <= 0) {
			bad("external.timeout must be a positive duration such as 2s")
		}
	}
	seen := map[string]bool{}
	for i, a := range m.Areas {
		if !areaIDRE.MatchString(a.ID) || seen[a.ID] {
			bad("areas[%d].id must be a unique id of letters, digits, '.', '_' or '-'", i)
		}
		seen[a.ID] = true
		if len(a.Stations) == 0 {
			bad("areas[%d] needs stations: the weather stations that stand for it", i)
		}
		if a.HeatingSite != "" && !areaIDRE.MatchString(a.HeatingSite) {
			bad("areas[%d].heating_site must be an id of letters, digits, '.', '_' or '-'", i)
		}
	}
	if len(ps) == 0 {
		e.settings[m.Model.Value] = m
	}
	return ps
}

// Settings returns the model-settings of model, if the directory has them.
func (e *Engine) Settings(model string) (ModelSettings, bool) {
	m, ok := e.settings[model]
	if !ok {
		return ModelSettings{}, false
	}
	return *m, true
}
