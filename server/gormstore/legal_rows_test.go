package gormstore

import "gorm.io/gorm/schema"

// The legal reference data's row structs join the drift test (TestRowStructsMatchSchema) and the
// check that every row struct is listed (TestRowStructsListed).
func init() {
	rowStructs = append(rowStructs, []schema.Tabler{
		legalDecreeRow{}, legalViolationRow{}, legalCapRow{}, legalRuleRow{}, legalLimitationRow{}, legalHolidayRow{},
	}...)
}
