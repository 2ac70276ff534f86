package errs

// The codes of the facility registry, the administrative units and the registry import. Append only;
// each has its entry in schemas/error-codes-registry.json.

// Administrative units.
const (
	CodeUnknownUnit     Code = "unknown_unit"      // no administrative unit of the organisation has that code
	CodeUnitNotInForce  Code = "unit_not_in_force" // the unit exists but was not in force on the date in question
	CodeUnitNotFound    Code = "unit_not_found"    // no administrative unit with that ID in the organisation
	CodeUnknownLevel    Code = "unknown_level"     // not province, district or commune
	CodePeriodsOverlap  Code = "periods_overlap"   // two periods that must not overlap do (unit versions, a site's units)
	CodeUnitCodeInvalid Code = "unit_code_invalid" // an administrative unit code with characters or a length not allowed
)

// Facility registry.
const (
	CodeUnknownSubjectKind    Code = "unknown_subject_kind"    // not organisation, individual or household_business
	CodeUnknownSiteType       Code = "unknown_site_type"       // not one of the site types
	CodeUnknownInstrumentKind Code = "unknown_instrument_kind" // not one of the instrument kinds
	CodeUnknownLicenceKind    Code = "unknown_licence_kind"    // not one of the licence kinds
	CodeUnknownSealState      Code = "unknown_seal_state"      // not intact, broken, missing or unknown
	CodeInvalidTaxCode        Code = "invalid_tax_code"        // not 10 digits, 10 digits-3 digits, or a 12-digit personal number
	CodeInvalidIDNumber       Code = "invalid_id_number"       // not a 12-digit citizen ID or a 9-digit old ID card number
	CodeInvalidPhone          Code = "invalid_phone"           // not a telephone number
	CodeInvalidDate           Code = "invalid_date"            // not a date in YYYY-MM-DD or DD/MM/YYYY
	CodeInvalidCoordinates    Code = "invalid_coordinates"     // latitude/longitude out of range, or one without the other
	CodeIdentifierRequired    Code = "identifier_required"     // a subject needs a tax code or a personal ID number
	CodeFieldNotApplicable    Code = "field_not_applicable"    // the field does not apply to this kind (a seal on a scale)
	CodeTaxCodeTaken          Code = "tax_code_taken"          // another subject of the organisation has this tax code
	CodeIDNumberTaken         Code = "id_number_taken"         // another subject of the organisation has this ID number
	CodeSiteAddressTaken      Code = "site_address_taken"      // the subject already has a site at this address
	CodeSerialTaken           Code = "serial_taken"            // an instrument of that kind and serial belongs to another site
	CodeLicenceNumberTaken    Code = "licence_number_taken"    // a licence of that kind and number belongs to another holder
	CodeIssuingUnitTaken      Code = "issuing_unit_taken"      // the issuing unit code is already used in the organisation
	CodeSubjectNotFound       Code = "subject_not_found"
	CodeSiteNotFound          Code = "site_not_found"
	CodeInstrumentNotFound    Code = "instrument_not_found"
	CodeLicenceNotFound       Code = "licence_not_found"
	CodeIssuingUnitNotFound   Code = "issuing_unit_not_found"
	CodeInvalidSort           Code = "invalid_sort" // a list sorted by a key it does not offer
)

// Registry import.
const (
	CodeMissingColumn     Code = "missing_column"     // the header lacks a required column
	CodeDuplicateColumn   Code = "duplicate_column"   // the header names a column twice
	CodeInconsistentRow   Code = "inconsistent_row"   // the row repeats a subject, site, instrument or licence of an earlier row with other data
	CodeUnsupportedFormat Code = "unsupported_format" // the file is neither CSV nor XLSX, or cannot be read as such
	CodeEmptyFile         Code = "empty_file"         // the file has no header row
)
