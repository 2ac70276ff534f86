// Package schemas holds the JSON Schemas of every request and response body, and the catalogue of
// error codes with their messages in Vietnamese and English. The server embeds them: it serves the
// schemas under /schemas/ and takes error messages from the catalogue; tests validate every response
// body against its schema.
package schemas

import (
	"embed"
	"encoding/json"
	"fmt"
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

// ErrorCodes reads the catalogue of error codes.
func ErrorCodes() ([]ErrorCode, error) {
	b, err := FS.ReadFile("error-codes.json")
	if err != nil {
		return nil, err
	}
	var doc struct {
		Codes []ErrorCode `json:"codes"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("schemas: error-codes.json: %w", err)
	}
	return doc.Codes, nil
}
