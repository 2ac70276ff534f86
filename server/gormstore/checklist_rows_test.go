package gormstore

// The row structs of checklists.go, for the drift test (TestRowStructsMatchSchema) and its listing
// check (TestRowStructsListed).
func init() {
	rowStructs = append(rowStructs, checklistVersionRow{}, checklistFacilityTypeRow{})
}
