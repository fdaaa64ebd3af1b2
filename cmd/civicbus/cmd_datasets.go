package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vasteras/civicbus/services/opendata"
	"github.com/vasteras/civicbus/services/opendata/dataset"
)

const datasetsHelp = `usage: civicbus datasets list [--dir DIR] [--json]
       civicbus datasets check <file.yaml>...
       civicbus datasets schema
       civicbus datasets preview <id|name> [--url URL] [--limit N]
       civicbus datasets publish <id|name> [--url URL] [--token TOKEN]
       civicbus datasets anonymise <file.csv> --hierarchies DIR [--prefix P] [--k 5] [--suppression 0.04] [--qi a,b] [--out FILE]

The open datasets: each declared by a YAML file (see civicbus datasets schema)
that says what it is, which events feed it, the shape of its rows and how it
is anonymised.

  list       the definitions of --dir (default CIVICBUS_DATASETS_DIR or
             ./datasets.d): id, name, shape, topics, update frequency
  check      load each file strictly; every problem with file:line and the
             path in the definition; exits 1 on any
  schema     the JSON Schema of a definition file, for editors
  preview    run the dataset's policy on the current data of a running
             civicbus and print the privacy report and the first rows;
             nothing is published. --url defaults to http://127.0.0.1:8080
  publish    publish a version now on a running civicbus (it has to have
             changed since the last one); the token is CIVICBUS_OPENDATA_TOKEN
             when the service has one, else only a loopback client may
  anonymise  k-anonymise a CSV file (the first line names the columns) with
             ARX-format hierarchy files <DIR>/<prefix><column>.csv: the
             optimal generalisation under ARX's Loss metric within the
             suppression budget; prints the report, writes the rows to --out
`

var datasetsSynopsis = map[string]string{
	"list":      "civicbus datasets list [--dir DIR] [--json]",
	"check":     "civicbus datasets check <file.yaml>...",
	"schema":    "civicbus datasets schema",
	"preview":   "civicbus datasets preview <id|name> [--url URL] [--limit N]",
	"publish":   "civicbus datasets publish <id|name> [--url URL] [--token TOKEN]",
	"anonymise": "civicbus datasets anonymise <file.csv> --hierarchies DIR [--prefix P] [--k 5] [--suppression 0.04] [--qi a,b] [--sep ;] [--out FILE]",
}

// cmdDatasets is `civicbus datasets list|check|schema|preview|publish|anonymise`.
func (c *cli) cmdDatasets(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError{errors.New("datasets: say list, check, schema, preview, publish or anonymise (civicbus help datasets)")}
	}
	verb, rest := args[0], args[1:]
	f := newFlags("datasets "+verb, datasetsSynopsis[verb])
	var (
		asJSON       bool
		dir, baseURL string
		token        string
		limit        int
		anon         anonymiseFlags
	)
	switch verb {
	case "list":
		f.BoolVar(&asJSON, "json", false, "print the definitions as JSON")
		f.StringVar(&dir, "dir", orEnv(c.getenv(opendata.EnvDir), opendata.DefaultDir), "the `DIR` of definitions")
	case "check", "schema":
	case "preview":
		f.StringVar(&baseURL, "url", "http://"+c.defaults.HTTP, "the `URL` of a running civicbus")
		f.IntVar(&limit, "limit", 20, "print at most `N` rows")
	case "publish":
		f.StringVar(&baseURL, "url", "http://"+c.defaults.HTTP, "the `URL` of a running civicbus")
		f.StringVar(&token, "token", c.getenv("CIVICBUS_OPENDATA_TOKEN"), "the admin `TOKEN`")
	case "anonymise", "anonymize":
		verb = "anonymise"
		anon.register(f)
	default:
		return usageError{fmt.Errorf("datasets: unknown verb %q; say list, check, schema, preview, publish or anonymise", verb)}
	}
	pos, done, err := c.parseInterleaved(f, rest)
	if done {
		return err
	}
	one := func() (string, error) {
		if len(pos) != 1 {
			return "", usageError{fmt.Errorf("datasets %s: give one %s", verb, map[bool]string{true: "CSV file", false: "dataset id or name"}[verb == "anonymise"])}
		}
		return pos[0], nil
	}
	switch verb {
	case "list":
		return c.datasetsList(dir, asJSON)
	case "check":
		if len(pos) == 0 {
			return usageError{errors.New("datasets check: give one or more YAML files")}
		}
		return c.datasetsCheck(pos)
	case "schema":
		js, err := dataset.Schema()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(c.stdout, string(js))
		return err
	case "preview":
		id, err := one()
		if err != nil {
			return err
		}
		return c.datasetsPreview(ctx, baseURL, id, limit)
	case "publish":
		id, err := one()
		if err != nil {
			return err
		}
		return c.datasetsPublish(ctx, baseURL, id, token)
	default:
		file, err := one()
		if err != nil {
			return err
		}
		return c.datasetsAnonymise(file, anon)
	}
}

func orEnv(v, d string) string {
	if v != "" {
		return v
	}
	return d
}

func (c *cli) datasetsList(dir string, asJSON bool) error {
	ds, err := opendata.LoadDatasets(dir)
	if err != nil {
		return err
	}
	if asJSON {
		defs := make([]*dataset.Definition, len(ds))
		for i, d := range ds {
			defs[i] = d.Definition
		}
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(defs)
	}
	if len(ds) == 0 {
		fmt.Fprintf(c.stdout, "no dataset definitions in %s\n", dir)
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSHAPE\tUPDATED\tTOPICS\tTITLE")
	for _, d := range ds {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.Name, d.Shape.Kind, d.UpdateFrequency, strings.Join(d.Source.Topics, ","), d.Title.SV)
	}
	return tw.Flush()
}

func (c *cli) datasetsCheck(files []string) error {
	bad := 0
	for _, file := range files {
		_, err := dataset.LoadFile(file)
		var ps dataset.Problems
		switch {
		case errors.As(err, &ps):
			bad++
			for _, p := range ps {
				fmt.Fprintln(c.stdout, p.Error())
			}
		case err != nil:
			bad++
			fmt.Fprintf(c.stdout, "%s: %v\n", file, err)
		default:
			fmt.Fprintf(c.stdout, "%s: ok\n", file)
		}
	}
	if bad > 0 {
		return fmt.Errorf("datasets check: %d of %d definitions have problems", bad, len(files))
	}
	return nil
}

// apiCall sends a request to the opendata API of a running civicbus and
// decodes the JSON answer into out; a non-2xx answer is an error with the
// API's message.
func (c *cli) apiCall(ctx context.Context, method, base, path, token string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(base, "/")+"/api/opendata/"+path, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("is civicbus running? %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return fmt.Errorf("%s: %s", resp.Status, e.Error)
		}
		return fmt.Errorf("%s", resp.Status)
	}
	return json.Unmarshal(body, out)
}

func (c *cli) datasetsPreview(ctx context.Context, base, id string, limit int) error {
	var out struct {
		Columns  []string        `json:"columns"`
		RowCount int             `json:"row_count"`
		Rows     [][]any         `json:"rows"`
		Report   json.RawMessage `json:"privacy_report"`
	}
	if err := c.apiCall(ctx, http.MethodGet, base, "datasets/"+url.PathEscape(id)+"/preview?limit="+fmt.Sprint(limit), "", &out); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, "Privacy report (not published):")
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, out.Report, "  ", "  "); err == nil {
		fmt.Fprintln(c.stdout, "  "+pretty.String())
	}
	fmt.Fprintf(c.stdout, "\n%d rows; the first %d:\n", out.RowCount, len(out.Rows))
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(out.Columns, "\t"))
	for _, r := range out.Rows {
		cells := make([]string, len(r))
		for i, v := range r {
			if v == nil {
				cells[i] = "·"
			} else {
				cells[i] = fmt.Sprint(v)
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

func (c *cli) datasetsPublish(ctx context.Context, base, id, token string) error {
	var v opendata.Version
	if err := c.apiCall(ctx, http.MethodPost, base, "datasets/"+url.PathEscape(id)+"/publish", token, &v); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "published version %d of %s: %d rows, sha256 %s\n", v.Version, id, v.RowCount, v.SHA256)
	return nil
}
