package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/vasteras/civicbus/services/opendata/anon"
)

// anonymiseFlags are the flags of `civicbus datasets anonymise`.
type anonymiseFlags struct {
	hierarchies, prefix, qi, out, sep string
	k                                 int
	suppression                       float64
	asJSON                            bool
}

func (a *anonymiseFlags) register(f *cmdFlags) {
	f.StringVar(&a.hierarchies, "hierarchies", "", "the `DIR` of ARX hierarchy files <prefix><column>.csv (required)")
	f.StringVar(&a.prefix, "prefix", "", "the file-name `PREFIX` of the hierarchy files, e.g. adult_hierarchy_")
	f.StringVar(&a.qi, "qi", "", "the quasi-identifier `COLUMNS`, comma-separated; default every column")
	f.StringVar(&a.out, "out", "", "write the anonymised rows as CSV to `FILE`")
	f.StringVar(&a.sep, "sep", ";", "the input's column `SEPARATOR` (ARX's examples use ;)")
	f.IntVar(&a.k, "k", 5, "the k of k-anonymity")
	f.Float64Var(&a.suppression, "suppression", 0.04, "the share of records that may be suppressed, 0 to 1")
	f.BoolVar(&a.asJSON, "json", false, "print the report as JSON")
}

// anonymiseReport is what `datasets anonymise` prints.
type anonymiseReport struct {
	Records      int            `json:"records"`
	K            int            `json:"k"`
	KReached     int            `json:"k_reached"`
	MaxSuppress  float64        `json:"max_suppression"`
	Suppressed   int            `json:"records_suppressed"`
	Classes      int            `json:"classes"`
	Levels       map[string]int `json:"levels"`
	Loss         float64        `json:"loss"`
	NodesChecked int            `json:"nodes_checked"`
	NodesTotal   int            `json:"nodes_total"`
	ReadSeconds  float64        `json:"read_seconds"`
	SearchSecs   float64        `json:"search_seconds"`
}

func (c *cli) datasetsAnonymise(file string, a anonymiseFlags) error {
	if a.hierarchies == "" {
		return usageError{errors.New("datasets anonymise: --hierarchies DIR is required")}
	}
	sep := []rune(a.sep)
	if len(sep) != 1 {
		return usageError{errors.New("datasets anonymise: --sep must be one character")}
	}
	start := time.Now()
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	t, err := anon.ReadCSV(bufio.NewReaderSize(f, 1<<20), sep[0])
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	names := t.Columns()
	if a.qi != "" {
		names = strings.Split(a.qi, ",")
	}
	hs, err := anon.LoadARXHierarchies(a.hierarchies, a.prefix, names)
	if err != nil {
		return err
	}
	p := anon.Policy{K: a.k, MaxSuppression: a.suppression}
	for _, n := range names {
		p.QuasiIdentifiers = append(p.QuasiIdentifiers, anon.Attribute{Name: n, Hierarchy: hs[n]})
	}
	read := time.Since(start)
	start = time.Now()
	res, err := anon.Anonymize(t, p)
	if err != nil {
		return err
	}
	search := time.Since(start)
	rep := anonymiseReport{Records: t.Len(), K: a.k, KReached: res.K, MaxSuppress: a.suppression, Suppressed: res.Suppressed,
		Classes: res.Classes, Levels: map[string]int{}, Loss: res.Loss, NodesChecked: res.NodesChecked, NodesTotal: res.NodesTotal,
		ReadSeconds: read.Seconds(), SearchSecs: search.Seconds()}
	for i, n := range names {
		rep.Levels[n] = res.Levels[i]
	}
	if a.out != "" {
		o, err := os.Create(a.out)
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(o, 1<<20)
		if err := res.WriteCSV(w, sep[0]); err != nil {
			o.Close()
			return err
		}
		if err := errors.Join(w.Flush(), o.Close()); err != nil {
			return err
		}
	}
	if a.asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(c.stdout, "records: %d\nk: %d (smallest class kept: %d)\nsuppressed: %d of at most %d (%.2f%%)\nclasses: %d\n",
		rep.Records, rep.K, rep.KReached, rep.Suppressed, int(a.suppression*float64(rep.Records)), 100*float64(rep.Suppressed)/float64(max(rep.Records, 1)), rep.Classes)
	fmt.Fprintf(c.stdout, "generalisation:")
	for _, n := range names {
		fmt.Fprintf(c.stdout, " %s=%d", n, rep.Levels[n])
	}
	fmt.Fprintf(c.stdout, "\nloss (ARX Loss): %.4f\nlattice: %d of %d nodes checked\ntime: read %.3fs, search %.3fs\n",
		rep.Loss, rep.NodesChecked, rep.NodesTotal, rep.ReadSeconds, rep.SearchSecs)
	return nil
}
