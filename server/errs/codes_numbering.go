package errs

// The register of offline record numbers (D9).
const (
	CodeNumberNotHeld Code = "number_not_held" // the number is not in a block reserved to this device
	CodeNumberTaken   Code = "number_taken"    // the number was already used or voided otherwise
)
