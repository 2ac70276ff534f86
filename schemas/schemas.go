// Package schemas holds the JSON Schemas of every request and response body, and the catalogue of
// error codes with their messages in Vietnamese and English. The server embeds them: it serves the
// schemas under /schemas/ and takes error messages from the catalogue; tests validate every response
// body against its schema.
package schemas

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
)

// FS holds the schema files (*.schema.json) and error-codes.json.
//
//go:embed *.json
var FS embed.FS

// ErrorCode is one entry of the error catalogue.
type ErrorCode struct {
	Code string `json:"code"`
	Kind string `json:"kind"`
	VI   string `json:"vi"`
	EN   string `json:"en"`
}

// ErrorCodes reads the catalogue of error codes: error-codes.json and the error-codes-*.json files
// that each area of the system adds beside it, in file-name order.
func ErrorCodes() ([]ErrorCode, error) {
	files, err := fs.Glob(FS, "error-codes*.json")
	if err != nil {
		return nil, err
	}
	var all []ErrorCode
	for _, name := range files {
		b, err := FS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var doc struct {
			Codes []ErrorCode `json:"codes"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("schemas: %s: %w", name, err)
		}
		all = append(all, doc.Codes...)
	}
	return all, nil
}
