package admin

import (
	"fmt"
	"maps"
	"slices"

	"github.com/vasteras/civicbus/connectors"
)

// Pipeline is the flow from sources to outputs laid out for an inline SVG:
// four columns (sources, topics, services, outputs) of boxes, and the
// arrows between them.
type Pipeline struct {
	Width, Height int
	Columns       []Column
	Nodes         []Node
	Edges         []Edge
}

// Column is a heading over one column.
type Column struct {
	X     int
	Title string
}

// Node is one box: Label is what fits, Name the whole name (its tooltip).
type Node struct {
	X, Y, W, H int
	Label      string
	Name       string
	Kind       string // source, topic, service, output: its CSS class
}

// Edge is an arrow from the right side of one box to the left of another,
// drawn as the SVG path D.
type Edge struct {
	D string
}

// The layout's measures, in SVG user units.
const (
	colWidth  = 240
	boxWidth  = 200
	boxHeight = 28
	boxGap    = 10
	top       = 36
	maxLabel  = 27
)

// portalOutput is the output every published dataset flows to.
const portalOutput = "Portalen: katalog, nedladdning, DCAT"

// drawPipeline lays out the pipeline: each connector (from its file's
// topic, or only its status) → its topic → each dataset reading the topic
// → the portal. Topics no one is known to read or write are drawn too,
// dead-letter topics are not.
func drawPipeline(connTopics map[string]string, statuses []connectors.Status, topics []Topic, datasets []Dataset) Pipeline {
	sources := map[string]bool{}
	for name := range connTopics {
		sources[name] = true
	}
	for _, st := range statuses {
		sources[st.Connector] = true
	}
	topicSet := map[string]bool{}
	for _, t := range topics {
		if !t.DeadLetter() {
			topicSet[t.Name] = true
		}
	}
	for _, t := range connTopics {
		topicSet[t] = true
	}
	for _, d := range datasets {
		for _, t := range d.Topics {
			topicSet[t] = true
		}
	}
	var services []string
	for _, d := range datasets {
		services = append(services, datasetNode(d))
	}
	var outputs []string
	if len(datasets) > 0 {
		outputs = []string{portalOutput}
	}

	p := Pipeline{Columns: []Column{
		{X: 0, Title: "Källor / sources"}, {X: colWidth, Title: "Ämnen / topics"},
		{X: 2 * colWidth, Title: "Tjänster / services"}, {X: 3 * colWidth, Title: "Utdata / outputs"},
	}}
	pos := map[string]Node{}
	rows := 0
	for col, names := range [][]string{slices.Sorted(maps.Keys(sources)), slices.Sorted(maps.Keys(topicSet)), services, outputs} {
		kind := []string{"source", "topic", "service", "output"}[col]
		for i, name := range names {
			n := Node{X: col * colWidth, Y: top + i*(boxHeight+boxGap), W: boxWidth, H: boxHeight, Label: shorten(name), Name: name, Kind: kind}
			p.Nodes = append(p.Nodes, n)
			pos[kind+"\x00"+name] = n
		}
		rows = max(rows, len(names))
	}
	arrow := func(fromKind, from, toKind, to string) {
		a, okA := pos[fromKind+"\x00"+from]
		b, okB := pos[toKind+"\x00"+to]
		if okA && okB {
			p.Edges = append(p.Edges, Edge{D: curve(a.X+a.W, a.Y+a.H/2, b.X, b.Y+b.H/2)})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(connTopics)) {
		arrow("source", name, "topic", connTopics[name])
	}
	for _, d := range datasets {
		for _, t := range d.Topics {
			arrow("topic", t, "service", datasetNode(d))
		}
		arrow("service", datasetNode(d), "output", portalOutput)
	}
	p.Width = 3*colWidth + boxWidth + 2
	p.Height = top + max(rows, 1)*(boxHeight+boxGap)
	return p
}

// datasetNode names a dataset's box: the open-data service with the
// dataset's name (its id when it has none).
func datasetNode(d Dataset) string {
	name := d.Name
	if name == "" {
		name = d.ID
	}
	return "Öppna data: " + name
}

// curve is an S-shaped cubic Bézier from (x1,y1) to (x2,y2).
func curve(x1, y1, x2, y2 int) string {
	mid := (x1 + x2) / 2
	return fmt.Sprintf("M%d,%d C%d,%d %d,%d %d,%d", x1, y1, mid, y1, mid, y2, x2-4, y2)
}

func shorten(s string) string {
	r := []rune(s)
	if len(r) <= maxLabel {
		return s
	}
	return string(r[:maxLabel-1]) + "…"
}
