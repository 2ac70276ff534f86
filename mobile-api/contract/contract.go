// Package contract carries the phone API's contract, mobile-api/openapi.yaml, into Go: the server
// serves it and the phone client (a later package beside this one) is written against it.
//
// Go cannot embed a file from a parent directory, so `go generate` copies ../openapi.yaml next to
// this file; TestEmbeddedCopyIsCurrent fails when the copy is stale. Edit ../openapi.yaml only.
package contract

import _ "embed"

//go:generate cp ../openapi.yaml openapi.gen.yaml

// OpenAPI is mobile-api/openapi.yaml.
//
//go:embed openapi.gen.yaml
var OpenAPI []byte

// Prefix is the path under which the phone API is served; the version changes only when old apps
// can no longer be served.
const Prefix = "/mobile/v1"

// DocumentPath is where the server serves OpenAPI (its relative $refs to ../schemas/ resolve to the
// served schemas both on disk and over HTTP).
const DocumentPath = "/mobile/openapi.yaml"
