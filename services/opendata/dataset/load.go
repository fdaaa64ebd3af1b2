package dataset

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Problem is one thing wrong with a definition, at a path such as
// privacy.quasi_identifiers[0].column and, when known, a line.
type Problem struct {
	File string
	Line int
	Path string
	Msg  string
}

func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is every problem of a definition; it is the error Load returns.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Loaded is a definition as read from its file, checked and compiled.
type Loaded struct {
	*Definition
	// File is the path the definition was read from.
	File string
	// Compiled holds the compiled expressions.
	Compiled *Compiled
}

// LoadFile reads, checks and compiles one definition. The error, when not
// nil, is Problems.
func LoadFile(file string) (*Loaded, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, Problems{{File: file, Msg: err.Error()}}
	}
	return Parse(data, file)
}

var yamlLineRE = regexp.MustCompile(`line (\d+): (.*)$`)

// Parse is LoadFile of data read from file (used for the base directory of
// relative hierarchy files and in messages).
func Parse(data []byte, file string) (*Loaded, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlProblems(file, err)
	}
	var d Definition
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&d); err != nil {
		return nil, yamlProblems(file, err)
	}
	ps := d.check(filepath.Dir(file))
	c, cps := compile(&d, filepath.Dir(file))
	ps = append(ps, cps...)
	if len(ps) > 0 {
		for i := range ps {
			ps[i].File = file
			ps[i].Line = lineOf(&root, ps[i].Path)
		}
		return nil, ps
	}
	return &Loaded{Definition: &d, File: file, Compiled: c}, nil
}

func yamlProblems(file string, err error) Problems {
	var ps Problems
	for l := range strings.SplitSeq(err.Error(), "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(l, "yaml: "))
		if l == "" || l == "unmarshal errors:" {
			continue
		}
		p := Problem{File: file, Msg: l}
		if m := yamlLineRE.FindStringSubmatch(l); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
			p.Msg = m[2]
		}
		ps = append(ps, p)
	}
	return ps
}

// LoadDir loads every *.yaml and *.yml file of dir, in name order. It
// returns every problem of every file, and refuses two definitions with the
// same id or name.
func LoadDir(dir string) ([]*Loaded, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	var out []*Loaded
	var ps Problems
	ids, names := map[string]string{}, map[string]string{}
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		file := filepath.Join(dir, e.Name())
		l, err := LoadFile(file)
		if err != nil {
			var more Problems
			if errors.As(err, &more) {
				ps = append(ps, more...)
			}
			continue
		}
		if other, ok := ids[l.ID]; ok {
			ps = append(ps, Problem{File: file, Path: "id", Msg: "the same id as " + other})
		}
		if other, ok := names[l.Name]; ok {
			ps = append(ps, Problem{File: file, Path: "name", Msg: "the same name as " + other})
		}
		ids[l.ID], names[l.Name] = file, file
		out = append(out, l)
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return out, nil
}

var pathPartRE = regexp.MustCompile(`^([^\[]*)((?:\[\d+\])*)$`)

// lineOf finds the line of a path such as shape.columns[2].expr in the YAML
// document: the deepest part of it that exists.
func lineOf(root *yaml.Node, path string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	line := n.Line
	if path == "" {
		return 0
	}
	for part := range strings.SplitSeq(path, ".") {
		m := pathPartRE.FindStringSubmatch(part)
		if m == nil {
			return line
		}
		if m[1] != "" {
			if n.Kind != yaml.MappingNode {
				return line
			}
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == m[1] {
					line, n, found = n.Content[i].Line, n.Content[i+1], true
					break
				}
			}
			if !found {
				return line
			}
		}
		for idx := range strings.SplitSeq(strings.Trim(m[2], "[]"), "][") {
			if idx == "" {
				continue
			}
			i, _ := strconv.Atoi(idx)
			if n.Kind != yaml.SequenceNode || i >= len(n.Content) {
				return line
			}
			n = n.Content[i]
			line = n.Line
		}
	}
	return line
}

var (
	uuidRE  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	nameRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	colRE   = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[a-z]{2,}$`)
	dateRE  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	orgRE   = regexp.MustCompile(`^\d{6}-\d{4}$`)
)

func oneOf(v string, allowed ...string) bool { return slices.Contains(allowed, v) }

// check reports the problems that need no compiler, and fills defaults.
func (d *Definition) check(dir string) Problems {
	var ps Problems
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	if !uuidRE.MatchString(d.ID) {
		add("id", "must be a lower-case UUID (its dct:identifier)")
	}
	if !nameRE.MatchString(d.Name) {
		add("name", "must be lower-case letters, digits and hyphens")
	}
	for _, t := range []struct {
		path string
		v    Text
	}{{"title", d.Title}, {"description", d.Description}} {
		if strings.TrimSpace(t.v.SV) == "" {
			add(t.path+".sv", "required: the Swedish text")
		}
		if strings.TrimSpace(t.v.EN) == "" {
			add(t.path+".en", "required: the English text")
		}
	}
	if len(d.Themes) == 0 {
		add("themes", "at least one EU data theme is required")
	}
	for i, t := range d.Themes {
		if !oneOf(t, "AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "REGI", "SOCI", "TECH", "TRAN") {
			add(fmt.Sprintf("themes[%d]", i), "%q is not an EU data theme (AGRI, ECON, EDUC, ENER, ENVI, GOVE, HEAL, INTR, JUST, REGI, SOCI, TECH, TRAN)", t)
		}
	}
	if d.Publisher == (Publisher{}) {
		d.Publisher = Vasteras
	} else if !orgRE.MatchString(d.Publisher.OrgNumber) || d.Publisher.Name == "" {
		add("publisher", "needs a name and an org_number such as 212000-2080")
	}
	if d.ContactPoint.Name == "" {
		add("contact_point.name", "required")
	}
	if !emailRE.MatchString(d.ContactPoint.Email) {
		add("contact_point.email", "required: a functional mailbox such as opendata@vasteras.se")
	}
	if !oneOf(d.Licence, "cc-by-4.0", "cc0") {
		add("licence", "must be cc-by-4.0 or cc0")
	}
	if !oneOf(d.UpdateFrequency, "continuous", "hourly", "daily", "weekly", "monthly", "quarterly", "annual", "irregular") {
		add("update_frequency", "must be one of continuous, hourly, daily, weekly, monthly, quarterly, annual, irregular")
	}
	for _, t := range []struct{ path, v string }{{"temporal.start", d.Temporal.Start}, {"temporal.end", d.Temporal.End}} {
		if t.v != "" && !dateRE.MatchString(t.v) {
			add(t.path, "must be a date YYYY-MM-DD")
		}
	}
	if d.HVDCategory != "" && !oneOf(d.HVDCategory, "geospatial", "earth-observation", "environment", "meteorological", "statistics", "companies", "mobility") {
		add("hvd_category", "must be a high-value-dataset category: geospatial, earth-observation, environment, meteorological, statistics, companies or mobility")
	}
	if len(d.Source.Topics) == 0 {
		add("source.topics", "at least one topic is required")
	}
	for f, class := range d.Source.Fields {
		if !oneOf(class, ClassPublic, ClassQuasi, ClassSensitive, ClassDirect) {
			add("source.fields."+f, "class %q: must be public, quasi, sensitive or direct", class)
		}
	}
	ps = append(ps, d.checkShape()...)
	ps = append(ps, d.checkPolicy(dir)...)
	return ps
}

func (d *Definition) checkShape() Problems {
	var ps Problems
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	s := &d.Shape
	cols := map[string]string{}
	for i, c := range s.Columns {
		p := fmt.Sprintf("shape.columns[%d]", i)
		if !colRE.MatchString(c.Name) {
			add(p+".name", "must be lower-case letters, digits and underscores, starting with a letter")
		}
		if _, dup := cols[c.Name]; dup {
			add(p+".name", "column %q twice", c.Name)
		}
		if s.Columns[i].Type == "" {
			s.Columns[i].Type = "string"
		}
		if !oneOf(s.Columns[i].Type, "string", "integer", "number", "boolean", "date") {
			add(p+".type", "must be string, integer, number, boolean or date")
		}
		if strings.TrimSpace(c.Expr) == "" {
			add(p+".expr", "required: a CEL expression over event")
		}
		cols[c.Name] = s.Columns[i].Type
	}
	if len(s.Columns) == 0 {
		add("shape.columns", "at least one column is required")
	}
	switch s.Kind {
	case ShapeMicrodata:
		if len(s.GroupBy) > 0 || len(s.Measures) > 0 || s.TimeBucket != nil {
			add("shape", "group_by, time_bucket and measures are for aggregates")
		}
	case ShapeAggregate:
		if s.Key != "" {
			add("shape.key", "is for microdata")
		}
		for i, g := range s.GroupBy {
			if _, ok := cols[g]; !ok {
				add(fmt.Sprintf("shape.group_by[%d]", i), "%q is not a column", g)
			}
		}
		if tb := s.TimeBucket; tb != nil {
			if cols[tb.Column] != "date" {
				add("shape.time_bucket.column", "%q is not a date column", tb.Column)
			}
			if !slices.Contains(s.GroupBy, tb.Column) {
				add("shape.time_bucket.column", "%q must also be in group_by", tb.Column)
			}
			if !oneOf(tb.Unit, "day", "week", "month", "quarter", "year") {
				add("shape.time_bucket.unit", "must be day, week, month, quarter or year")
			}
		}
		if len(s.Measures) == 0 {
			add("shape.measures", "an aggregate needs at least one measure")
		}
		names := map[string]bool{}
		for i, m := range s.Measures {
			p := fmt.Sprintf("shape.measures[%d]", i)
			if !colRE.MatchString(m.Name) || names[m.Name] || slices.Contains(s.GroupBy, m.Name) {
				add(p+".name", "must be a lower-case name that no other measure or group_by column has")
			}
			names[m.Name] = true
			switch {
			case !oneOf(m.Fn, "count", "sum", "mean", "min", "max"):
				add(p+".fn", "must be count, sum, mean, min or max")
			case m.Fn == "count" && m.Column != "":
				add(p+".column", "count counts rows; it takes no column")
			case m.Fn != "count" && cols[m.Column] != "integer" && cols[m.Column] != "number":
				add(p+".column", "%q is not a numeric column", m.Column)
			}
		}
	default:
		add("shape.kind", "must be microdata or aggregate")
	}
	return ps
}

func (d *Definition) checkPolicy(dir string) Problems {
	var ps Problems
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	p := &d.Privacy
	isCol := func(name string) bool {
		return slices.ContainsFunc(d.Shape.Columns, func(c Column) bool { return c.Name == name })
	}
	for i, c := range p.Drop {
		if !isCol(c) {
			add(fmt.Sprintf("privacy.drop[%d]", i), "%q is not a column", c)
		}
	}
	for i, c := range p.Pseudonymise {
		if !isCol(c) {
			add(fmt.Sprintf("privacy.pseudonymise[%d]", i), "%q is not a column", c)
		}
		if d.Shape.Kind == ShapeAggregate && slices.Contains(d.Shape.GroupBy, c) {
			add(fmt.Sprintf("privacy.pseudonymise[%d]", i), "an aggregate may not group by a pseudonymised column")
		}
	}
	if p.K == 0 {
		p.K = DefaultK
	}
	if p.K < 2 {
		add("privacy.k", "must be at least 2")
	}
	if p.MaxSuppression == 0 {
		p.MaxSuppression = DefaultMaxSuppression
	}
	if p.MaxSuppression < 0 || p.MaxSuppression > 0.2 {
		add("privacy.max_suppression", "must be between 0 and 0.2")
	}
	for i, q := range p.QuasiIdentifiers {
		path := fmt.Sprintf("privacy.quasi_identifiers[%d]", i)
		if !isCol(q.Column) {
			add(path+".column", "%q is not a column", q.Column)
		}
		switch q.Hierarchy.Kind {
		case "interval":
			if len(q.Hierarchy.Widths) == 0 {
				add(path+".hierarchy.widths", "an interval hierarchy needs band widths")
			}
		case "csv", "districts":
			if q.Hierarchy.File == "" {
				add(path+".hierarchy.file", "a %s hierarchy needs a file", q.Hierarchy.Kind)
			} else if _, err := os.Stat(filepath.Join(dir, q.Hierarchy.File)); err != nil {
				add(path+".hierarchy.file", "cannot be read: %v", errors.Unwrap(err))
			}
		case "date", "mask":
		default:
			add(path+".hierarchy.kind", "must be interval, date, mask, csv or districts")
		}
	}
	if len(p.QuasiIdentifiers) > 0 && d.Shape.Kind != ShapeMicrodata {
		add("privacy.quasi_identifiers", "k-anonymity is for microdata; aggregates use small_cells")
	}
	if l := p.LDiversity; l != nil {
		if !isCol(l.Column) {
			add("privacy.l_diversity.column", "%q is not a column", l.Column)
		}
		if l.L < 2 {
			add("privacy.l_diversity.l", "must be at least 2")
		}
	}
	if p.SmallCells.Threshold == 0 {
		p.SmallCells.Threshold = DefaultSmallCell
	}
	if d.Shape.Kind == ShapeAggregate {
		m := p.SmallCells.Measure
		if m == "" {
			i := slices.IndexFunc(d.Shape.Measures, func(m Measure) bool { return m.Fn == "count" })
			if i < 0 {
				add("privacy.small_cells.measure", "name the measure that counts persons, or add a count measure")
			} else {
				p.SmallCells.Measure = d.Shape.Measures[i].Name
			}
		} else if !slices.ContainsFunc(d.Shape.Measures, func(x Measure) bool { return x.Name == m && (x.Fn == "count" || x.Fn == "sum") }) {
			add("privacy.small_cells.measure", "%q is not a count or sum measure", m)
		}
	}
	if p.Epsilon < 0 {
		add("privacy.epsilon", "must not be negative")
	}
	for i, m := range d.Shape.Measures {
		if p.Epsilon > 0 && (m.Fn == "min" || m.Fn == "max") {
			add(fmt.Sprintf("shape.measures[%d].fn", i), "%s cannot be published with noise (epsilon): one person's value decides it", m.Fn)
		}
	}
	if p.Epsilon > 0 && d.Shape.Kind == ShapeAggregate && p.SumBound == 0 &&
		slices.ContainsFunc(d.Shape.Measures, func(m Measure) bool { return m.Fn == "sum" || m.Fn == "mean" }) {
		add("privacy.sum_bound", "noise on sums needs the largest contribution of one event")
	}
	return ps
}
