// Package schemas holds civicbus's event contracts: one Go file per domain
// with the event types, the catalog that lists every event ([Events]), and
// the JSON Schema files generated from the types and committed under json/.
//
// The Go types are the single source of truth. `go generate ./schemas`
// rewrites json/ from them, and a test fails when a committed file is stale.
// The registry seeds itself from [Files]; see README.md for the naming,
// versioning and content-model rules.
//
// This package imports nothing of the project and nothing outside the
// standard library, so any service or connector can depend on it.
package schemas

import "embed"

//go:generate go run ./internal/gen -out json

// Files holds the committed JSON Schema files, one per catalog entry, at
// json/<subject>.v<version>.json (see [Event.File]). The files are exactly
// what the generator writes; a test keeps them in step with the Go types.
//
//go:embed json/*.json
var Files embed.FS
