package admin

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/connectors"
)

// TestPipeline: each connector points at its topic, each topic at the
// datasets reading it, each dataset at the portal; dead-letter topics are
// left out; a connector known only by its status is a box without arrows.
func TestPipeline(t *testing.T) {
	p := drawPipeline(
		map[string]string{"skolmat": "meals.food-waste.v1", "vader": "weather.observation.v1"},
		[]connectors.Status{{Connector: "skolmat"}, {Connector: "larm"}},
		[]Topic{{Name: "meals.food-waste.v1"}, {Name: "meals.food-waste.v1.dlq"}, {Name: "cases.decision.v1"}},
		[]Dataset{{ID: "4c2e8b1d", Name: "matsvinn", Topics: []string{"meals.food-waste.v1"}}, {ID: "vader", Topics: []string{"weather.observation.v1"}}},
	)
	kinds := map[string][]string{}
	for _, n := range p.Nodes {
		kinds[n.Kind] = append(kinds[n.Kind], n.Name)
	}
	want := map[string]string{
		"source":  "larm skolmat vader",
		"topic":   "cases.decision.v1 meals.food-waste.v1 weather.observation.v1",
		"service": "Öppna data: matsvinn Öppna data: vader",
		"output":  portalOutput,
	}
	for k, w := range want {
		if got := strings.Join(kinds[k], " "); got != w {
			t.Errorf("%s boxes %q, want %q", k, got, w)
		}
	}
	// 2 connector→topic, 2 topic→dataset, 2 dataset→portal.
	if len(p.Edges) != 6 {
		t.Errorf("%d arrows, want 6", len(p.Edges))
	}
}

// TestPipelineEscaped: a name from a connector file cannot inject markup
// into the inline SVG.
func TestPipelineEscaped(t *testing.T) {
	p := drawPipeline(map[string]string{`<a onclick="x">`: "t.v1"}, nil, nil, nil)
	var buf bytes.Buffer
	if err := pages["overview.html"].ExecuteTemplate(&buf, "layout", view{Prefix: "/admin/", Title: "t", CSRF: "c", Overview: Overview{Pipeline: p}}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), `<a onclick`) || !strings.Contains(buf.String(), "&lt;a onclick=") {
		t.Error("a connector's name reached the SVG unescaped")
	}
}
