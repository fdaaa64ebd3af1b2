// Command gen writes the JSON Schema files of package schemas. It is run by
// `go generate ./schemas` from the package directory:
//
//	go run ./internal/gen -out json
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/schemas/internal/schemagen"
)

func main() {
	out := flag.String("out", "json", "directory to write the schema files to")
	flag.Parse()
	if err := schemagen.Write(*out, schemas.Events()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
