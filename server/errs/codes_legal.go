package errs

// The codes of the legal reference data (server/legal): the violation catalogue, fine ranges,
// authority caps, deadline rules and their versions. Catalogued in schemas/error-codes-legal.json.
const (
	CodeFineRangeMissing       Code = "fine_range_missing"       // no source gave the fine range that applies; an administrator must enter it first
	CodeFineQuantityRequired   Code = "fine_quantity_required"   // the range follows a declared quantity (value of instruments, illegal gain, value of goods) that is missing
	CodeViolationNotApplicable Code = "violation_not_applicable" // the provision is not addressed to this kind of subject
	CodeFineRangePresent       Code = "fine_range_present"       // the range is already known: a different amount is a new version
	CodeAuthorityCapMissing    Code = "authority_cap_missing"    // the cap of the title is not known: competence cannot be decided on it
	CodeLegalVersionInForce    Code = "legal_version_in_force"   // a version that has been in force is never changed: add one from a later day
	CodeLegalVersionOrder      Code = "legal_version_order"      // a new version must start after the latest version
	CodeViolationNotFound      Code = "violation_not_found"      // no catalogue entry with that code (or none in force on that day)
	CodeDecreeNotFound         Code = "decree_not_found"
	CodeAuthorityCapNotFound   Code = "authority_cap_not_found"
	CodeDeadlineRuleNotFound   Code = "deadline_rule_not_found"
	CodeLimitationNotFound     Code = "limitation_not_found"
)
