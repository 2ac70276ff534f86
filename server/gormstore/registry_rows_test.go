package gormstore

// The row structs of registry.go, for the drift test (TestRowStructsMatchSchema) and its listing
// check (TestRowStructsListed).
func init() {
	rowStructs = append(rowStructs, adminUnitRow{}, adminUnitSuccessionRow{}, subjectRow{}, siteRow{}, siteUnitRow{},
		instrumentRow{}, licenceRow{}, issuingUnitRow{})
}
