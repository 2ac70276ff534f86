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

// AdminUnits holds the seed files of administrative units (admin-units/*.json), one per province,
// which an organisation loads with adminunit.ParseSeed and the store's SeedAdminUnits.
//
//go:embed admin-units/*.json
var AdminUnits embed.FS

// Checklists holds the checklist templates the server publishes at start when they are missing
// (checklists/<code>.v<version>.json, each valid against checklist-template.schema.json).
//
//go:embed checklists/*.json
var Checklists embed.FS

// Legal holds the national legal reference data that the server loads into an empty database
// (legal/decrees.json, violations.json, authority-caps.json, deadline-rules.json, limitations.json,
// holidays.json; each valid against its legal-*.schema.json).
//
//go:embed legal/*.json
var Legal embed.FS

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
