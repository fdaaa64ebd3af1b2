package filedrop

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Config configures a filedrop connector (the config: part of its YAML).
type Config struct {
	// Dir is the directory watched. processed/ and failed/ are made in it.
	Dir string `yaml:"dir" json:"dir" jsonschema:"description=Directory to watch for .csv .json and .ndjson files."`
	// Delimiter separates CSV fields: one character, "," by default; ";" is
	// what most Swedish exports use.
	Delimiter string `yaml:"delimiter" json:"delimiter,omitempty" jsonschema:"minLength=1,maxLength=4" jsonschema_description:"CSV field separator, one character; default a comma, ; for most Swedish exports."`
	// Encoding of the files: utf-8 (the default; a BOM is skipped),
	// iso-8859-1 or windows-1252.
	Encoding string `yaml:"encoding" json:"encoding,omitempty" jsonschema:"enum=utf-8,enum=iso-8859-1,enum=windows-1252" jsonschema_description:"Character encoding of the files; default utf-8 (a BOM is skipped)."`
	// DecimalComma turns CSV numbers written with a decimal comma (12,5)
	// into 12.5, so that double(row.x) reads them.
	DecimalComma bool `yaml:"decimal_comma" json:"decimal_comma,omitempty" jsonschema_description:"Read CSV numbers written with a decimal comma (12,5) as 12.5."`
	// PollIntervalMS is how often the directory is listed, in ms. A file is
	// read once two listings in a row found the same size and mtime.
	// Default 1000.
	PollIntervalMS int `yaml:"poll_interval_ms" json:"poll_interval_ms,omitempty" jsonschema:"minimum=0" jsonschema_description:"How often the directory is listed, in ms; a file is read once two listings agree on its size and mtime. Default 1000."`
	// BatchSize is how many records one Read returns at most. Default 500.
	BatchSize int `yaml:"batch_size" json:"batch_size,omitempty" jsonschema:"minimum=0" jsonschema_description:"Most records put on the bus at once. Default 500."`
	// SkipLines is how many lines of a CSV file come before its header
	// line (or, with Columns, before its first row): a metadata block such
	// as SMHI's. Line numbers in errors still count from the file's start.
	SkipLines int `yaml:"skip_lines" json:"skip_lines,omitempty" jsonschema:"minimum=0" jsonschema_description:"CSV only: lines skipped at the start of each file before the header line (or, with columns, before the first row), e.g. a metadata block. Default 0."`
	// Columns names the CSV columns instead of a header line: when set, the
	// file has no header line to read (skip it with SkipLines). Empty means
	// the header line names them.
	Columns []string `yaml:"columns" json:"columns,omitempty" jsonschema_description:"CSV only: the column names, for files without a usable header line; the first line after skip_lines is then a row."`
	// IgnoreExtraColumns drops the columns of a CSV row beyond the header's
	// (or Columns') instead of sending the row to the dead-letter topic.
	IgnoreExtraColumns bool `yaml:"ignore_extra_columns" json:"ignore_extra_columns,omitempty" jsonschema_description:"CSV only: drop a row's columns beyond the named ones instead of dead-lettering the row (for trailing notes columns)."`
	// JSONArray names the top-level key of a JSON file that is one object
	// whose array holds the records, such as GeoJSON's features.
	JSONArray string `yaml:"json_array" json:"json_array,omitempty" jsonschema_description:"JSON only: for a file that is one object, the top-level key whose array holds the records (features for GeoJSON); default: the file is the array."`
}

// csvOptions are the settings newCSVRows needs besides the delimiter.
func (c Config) csvOptions() csvOptions {
	return csvOptions{decimalComma: c.DecimalComma, skipLines: c.SkipLines, columns: c.Columns, ignoreExtra: c.IgnoreExtraColumns}
}

// The encodings filedrop reads.
const (
	EncodingUTF8        = "utf-8"
	EncodingISO88591    = "iso-8859-1"
	EncodingWindows1252 = "windows-1252"
)

func (c *Config) setDefaults() {
	if c.Delimiter == "" {
		c.Delimiter = ","
	}
	if c.Encoding == "" {
		c.Encoding = EncodingUTF8
	}
	if c.PollIntervalMS == 0 {
		c.PollIntervalMS = 1000
	}
	if c.BatchSize == 0 {
		c.BatchSize = 500
	}
}

// Validate reports every problem with the configuration.
func (c Config) Validate() error {
	var errs []error
	if c.Dir == "" {
		errs = append(errs, errors.New("filedrop: dir: required"))
	}
	if c.Delimiter != "" {
		r, n := utf8.DecodeRuneInString(c.Delimiter)
		if n != len(c.Delimiter) || r == '"' || r == '\n' || r == '\r' || r == utf8.RuneError {
			errs = append(errs, fmt.Errorf("filedrop: delimiter: %q must be one character other than a quote or line break", c.Delimiter))
		}
	}
	switch c.Encoding {
	case "", EncodingUTF8, EncodingISO88591, EncodingWindows1252:
	default:
		errs = append(errs, fmt.Errorf("filedrop: encoding: %q is not one of utf-8, iso-8859-1, windows-1252", c.Encoding))
	}
	if c.PollIntervalMS < 0 {
		errs = append(errs, errors.New("filedrop: poll_interval_ms: must not be negative"))
	}
	if c.BatchSize < 0 {
		errs = append(errs, errors.New("filedrop: batch_size: must not be negative"))
	}
	if c.SkipLines < 0 {
		errs = append(errs, errors.New("filedrop: skip_lines: must not be negative"))
	}
	if err := checkHeader(c.Columns); len(c.Columns) > 0 && err != nil {
		errs = append(errs, fmt.Errorf("filedrop: columns: %w", err))
	}
	return errors.Join(errs...)
}
