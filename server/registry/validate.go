package registry

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Field names, shared by validation, conflicts and the importer's columns.
const (
	FieldKind                    = "kind"
	FieldName                    = "name"
	FieldTaxCode                 = "tax_code"
	FieldIDNumber                = "id_number"
	FieldLegalRepresentative     = "legal_representative"
	FieldAddress                 = "address"
	FieldPhone                   = "phone"
	FieldSubjectID               = "subject_id"
	FieldType                    = "type"
	FieldLat                     = "lat"
	FieldLon                     = "lon"
	FieldUnits                   = "units"
	FieldSiteID                  = "site_id"
	FieldSerial                  = "serial"
	FieldModel                   = "model"
	FieldManufacturer            = "manufacturer"
	FieldPatternApproval         = "pattern_approval"
	FieldVerificationCertificate = "verification_certificate"
	FieldVerificationExpiry      = "verification_expiry"
	FieldSealState               = "seal_state"
	FieldInspectionExpiry        = "inspection_expiry"
	FieldNumber                  = "number"
	FieldHolderName              = "holder_name"
	FieldScope                   = "scope"
	FieldIssued                  = "issued"
	FieldExpiry                  = "expiry"
	FieldCode                    = "code"
	FieldValidFrom               = "valid_from"
	FieldValidTo                 = "valid_to"
)

var (
	taxCodePattern  = regexp.MustCompile(`^(\d{10}(-\d{3})?|\d{12})$`)
	idNumberPattern = regexp.MustCompile(`^(\d{12}|\d{9})$`)
	phonePattern    = regexp.MustCompile(`^\+?[0-9 .()-]+$`)
	issuingCode     = regexp.MustCompile(`^[\p{L}0-9][\p{L}0-9.-]{0,19}$`)
)

// NormaliseTaxCode removes spaces from a tax code (mã số thuế): "4800 123 456" → "4800123456".
func NormaliseTaxCode(s string) string { return strings.Join(strings.Fields(s), "") }

// ValidTaxCode reports whether s is a tax code: 10 digits (an enterprise or a person), 10 digits, a
// hyphen and 3 digits (a branch or dependent unit), or the 12-digit personal identification number
// that serves as an individual's tax code from 1 July 2025. The check digit is not verified: the
// algorithm is not confirmed against an official source, and a false refusal would block an import.
func ValidTaxCode(s string) bool { return taxCodePattern.MatchString(s) }

// NormaliseIDNumber removes spaces and dots from a personal ID number.
func NormaliseIDNumber(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), ""), ".", "")
}

// ValidIDNumber reports whether s is a personal identification number (số định danh cá nhân, on the
// citizen ID card: 12 digits) or the number of an old identity card (CMND: 9 digits).
func ValidIDNumber(s string) bool { return idNumberPattern.MatchString(s) }

// NormaliseSerial upper-cases a serial number and collapses its spaces, so that "ab 12" and "AB  12"
// are the same instrument.
func NormaliseSerial(s string) string { return strings.ToUpper(strings.Join(strings.Fields(s), " ")) }

// ValidPhone reports whether s looks like a telephone number: digits with optional +, spaces, dots,
// hyphens and parentheses, 8 to 15 digits.
func ValidPhone(s string) bool {
	if !phonePattern.MatchString(s) {
		return false
	}
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n >= 8 && n <= 15
}

// clean trims every text field of the kind the user types, and collapses runs of spaces inside.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

type checker struct{ fields []errs.FieldError }

func (c *checker) add(field string, code errs.Code) {
	c.fields = append(c.fields, errs.FieldError{Field: field, Code: code})
}

func (c *checker) text(field, v string, required bool, max int) {
	switch {
	case v == "" && required:
		c.add(field, errs.CodeRequired)
	case utf8.RuneCountInString(v) > max:
		c.add(field, errs.CodeTooLong)
	}
}

// kind checks a value of a closed set: required when empty, unknown when not in the set.
func (c *checker) kind(field string, empty, known bool, unknown errs.Code) {
	switch {
	case empty:
		c.add(field, errs.CodeRequired)
	case !known:
		c.add(field, unknown)
	}
}

func (c *checker) period(field string, from, to time.Time) {
	if !from.IsZero() && !to.IsZero() && adminunit.Day(to).Before(adminunit.Day(from)) {
		c.add(field, errs.CodePeriodReversed)
	}
}

// NormaliseSubject trims and normalises the fields of a subject as typed.
func NormaliseSubject(s Subject) Subject {
	s.Name, s.LegalRepresentative, s.Address, s.Phone = clean(s.Name), clean(s.LegalRepresentative), clean(s.Address), clean(s.Phone)
	s.TaxCode, s.IDNumber = NormaliseTaxCode(s.TaxCode), NormaliseIDNumber(s.IDNumber)
	return s
}

// ValidateSubject checks a normalised subject. An organisation needs its tax code; an individual or a
// household business a tax code or a personal ID number (one of them identifies it in imports); an
// organisation has no personal ID number.
func ValidateSubject(s Subject) []errs.FieldError {
	var c checker
	c.kind(FieldKind, s.Kind == "", slices.Contains(SubjectKinds, s.Kind), errs.CodeUnknownSubjectKind)
	c.text(FieldName, s.Name, true, 300)
	switch {
	case s.TaxCode != "" && !ValidTaxCode(s.TaxCode):
		c.add(FieldTaxCode, errs.CodeInvalidTaxCode)
	case s.TaxCode == "" && s.Kind == Organisation:
		c.add(FieldTaxCode, errs.CodeRequired)
	case s.TaxCode == "" && s.IDNumber == "" && s.Kind != Organisation:
		c.add(FieldTaxCode, errs.CodeIdentifierRequired)
	}
	switch {
	case s.IDNumber != "" && s.Kind == Organisation:
		c.add(FieldIDNumber, errs.CodeFieldNotApplicable)
	case s.IDNumber != "" && !ValidIDNumber(s.IDNumber):
		c.add(FieldIDNumber, errs.CodeInvalidIDNumber)
	}
	c.text(FieldLegalRepresentative, s.LegalRepresentative, false, 200)
	c.text(FieldAddress, s.Address, false, 500)
	if s.Phone != "" && !ValidPhone(s.Phone) {
		c.add(FieldPhone, errs.CodeInvalidPhone)
	}
	return c.fields
}

// NormaliseSite trims the fields of a site as typed.
func NormaliseSite(s Site) Site {
	s.Name, s.Address = clean(s.Name), clean(s.Address)
	for i := range s.Units {
		s.Units[i].UnitCode = strings.TrimSpace(s.Units[i].UnitCode)
	}
	return s
}

// ValidateSite checks a normalised site's own fields (its unit history is checked by ResolveSiteUnits).
func ValidateSite(s Site) []errs.FieldError {
	var c checker
	if s.SubjectID == "" {
		c.add(FieldSubjectID, errs.CodeRequired)
	}
	c.kind(FieldType, s.Type == "", slices.Contains(SiteTypes, s.Type), errs.CodeUnknownSiteType)
	c.text(FieldName, s.Name, true, 300)
	c.text(FieldAddress, s.Address, true, 500)
	if s.Address != "" && AddressKey(s.Address) == "" {
		c.add(FieldAddress, errs.CodeInvalidValue) // punctuation only: no key
	}
	switch {
	case (s.Lat == nil) != (s.Lon == nil):
		if s.Lat == nil {
			c.add(FieldLat, errs.CodeInvalidCoordinates)
		} else {
			c.add(FieldLon, errs.CodeInvalidCoordinates)
		}
	case s.Lat != nil:
		if math.IsNaN(*s.Lat) || *s.Lat < -90 || *s.Lat > 90 {
			c.add(FieldLat, errs.CodeInvalidCoordinates)
		}
		if math.IsNaN(*s.Lon) || *s.Lon < -180 || *s.Lon > 180 {
			c.add(FieldLon, errs.CodeInvalidCoordinates)
		}
	}
	return c.fields
}

// ResolveSiteUnits turns a site's unit history as given (unit codes, with or without dates) into
// periods of unit versions, sorted by date. An entry without dates means "every version of this
// code, for the days it was in force": a list of the district before the reform and the commune
// after it describes a site's whole history. An entry with a first day (and perhaps a last) takes the
// version in force that day; the period must lie inside that version's (errs.CodeUnitNotInForce
// otherwise). Periods must not overlap. Fields are named units[i].
func ResolveSiteUnits(units []adminunit.Unit, in []SiteUnit) ([]SiteUnit, []errs.FieldError) {
	var c checker
	var out []SiteUnit
	for i, e := range in {
		at := fmt.Sprintf("%s[%d]", FieldUnits, i)
		if e.UnitCode == "" {
			c.add(at, errs.CodeRequired)
			continue
		}
		if e.ValidFrom.IsZero() && e.ValidTo.IsZero() {
			versions := adminunit.Versions(units, e.UnitCode)
			if len(versions) == 0 {
				c.add(at, errs.CodeUnknownUnit)
			}
			for _, v := range versions {
				out = append(out, SiteUnit{UnitID: v.ID, UnitCode: v.Code, UnitName: v.Name, ValidFrom: v.ValidFrom, ValidTo: v.ValidTo})
			}
			continue
		}
		if !e.ValidFrom.IsZero() && !e.ValidTo.IsZero() && adminunit.Day(e.ValidTo).Before(adminunit.Day(e.ValidFrom)) {
			c.add(at, errs.CodePeriodReversed)
			continue
		}
		probe := e.ValidFrom
		if probe.IsZero() {
			probe = e.ValidTo
		}
		v, err := adminunit.Resolve(units, e.UnitCode, probe)
		if err != nil {
			c.add(at, errs.CodeOf(err))
			continue
		}
		from, to := e.ValidFrom, e.ValidTo
		if from.IsZero() {
			from = v.ValidFrom
		}
		if to.IsZero() {
			to = v.ValidTo
		}
		if !adminunit.PeriodWithin(from, to, v.ValidFrom, v.ValidTo) {
			c.add(at, errs.CodeUnitNotInForce)
			continue
		}
		out = append(out, SiteUnit{UnitID: v.ID, UnitCode: v.Code, UnitName: v.Name, ValidFrom: from, ValidTo: to})
	}
	if len(c.fields) > 0 {
		return nil, c.fields
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ValidFrom.Before(out[j].ValidFrom) })
	for i := 1; i < len(out); i++ {
		if adminunit.PeriodsOverlap(out[i-1].ValidFrom, out[i-1].ValidTo, out[i].ValidFrom, out[i].ValidTo) {
			c.add(FieldUnits, errs.CodePeriodsOverlap)
			return nil, c.fields
		}
	}
	return out, nil
}

// NormaliseInstrument trims the fields of an instrument as typed, and records an unrecorded seal state
// of a fuel dispenser as unknown.
func NormaliseInstrument(in Instrument) Instrument {
	in.Serial = NormaliseSerial(in.Serial)
	in.Model, in.Manufacturer = clean(in.Model), clean(in.Manufacturer)
	in.PatternApproval, in.VerificationCertificate = clean(in.PatternApproval), clean(in.VerificationCertificate)
	in.SealState = SealState(strings.TrimSpace(string(in.SealState)))
	if in.Kind == FuelDispenser && in.SealState == "" {
		in.SealState = SealUnknown
	}
	return in
}

// ValidateInstrument checks a normalised instrument. Seal states apply to fuel dispensers only, the
// inspection expiry to X-ray devices only.
func ValidateInstrument(in Instrument) []errs.FieldError {
	var c checker
	if in.SiteID == "" {
		c.add(FieldSiteID, errs.CodeRequired)
	}
	c.kind(FieldKind, in.Kind == "", slices.Contains(InstrumentKinds, in.Kind), errs.CodeUnknownInstrumentKind)
	c.text(FieldSerial, in.Serial, true, 100)
	c.text(FieldModel, in.Model, false, 200)
	c.text(FieldManufacturer, in.Manufacturer, false, 200)
	c.text(FieldPatternApproval, in.PatternApproval, false, 100)
	c.text(FieldVerificationCertificate, in.VerificationCertificate, false, 100)
	switch {
	case in.SealState != "" && !slices.Contains(SealStates, in.SealState):
		c.add(FieldSealState, errs.CodeUnknownSealState)
	case in.SealState != "" && in.Kind != FuelDispenser:
		c.add(FieldSealState, errs.CodeFieldNotApplicable)
	}
	if !in.InspectionExpiry.IsZero() && in.Kind != XRayDevice {
		c.add(FieldInspectionExpiry, errs.CodeFieldNotApplicable)
	}
	return c.fields
}

// NormaliseLicence trims the fields of a licence as typed.
func NormaliseLicence(l Licence) Licence {
	l.Number, l.HolderName, l.Scope = clean(l.Number), clean(l.HolderName), clean(l.Scope)
	return l
}

// ValidateLicence checks a normalised licence. A radiation worker's certificate names its holder; the
// other kinds are held by a site.
func ValidateLicence(l Licence) []errs.FieldError {
	var c checker
	c.kind(FieldKind, l.Kind == "", slices.Contains(LicenceKinds, l.Kind), errs.CodeUnknownLicenceKind)
	c.text(FieldNumber, l.Number, true, 100)
	c.text(FieldHolderName, l.HolderName, l.Kind == RadiationWorkerCertificate, 200)
	if l.Kind != RadiationWorkerCertificate && l.SiteID == "" {
		c.add(FieldSiteID, errs.CodeRequired)
	}
	c.text(FieldScope, l.Scope, false, 500)
	c.period(FieldExpiry, l.Issued, l.Expiry)
	return c.fields
}

// NormaliseIssuingUnit trims the fields of an issuing unit as typed.
func NormaliseIssuingUnit(u IssuingUnit) IssuingUnit {
	u.Code, u.Name = strings.TrimSpace(u.Code), clean(u.Name)
	return u
}

// ValidateIssuingUnit checks a normalised issuing unit: a short code of letters, digits, dots and
// hyphens as it appears in document numbers ("TTr", "CCTĐC"), a name, a valid period.
func ValidateIssuingUnit(u IssuingUnit) []errs.FieldError {
	var c checker
	switch {
	case u.Code == "":
		c.add(FieldCode, errs.CodeRequired)
	case !issuingCode.MatchString(u.Code):
		c.add(FieldCode, errs.CodeInvalidValue)
	}
	c.text(FieldName, u.Name, true, 300)
	c.period(FieldValidTo, u.ValidFrom, u.ValidTo)
	return c.fields
}

// SubjectConflicts names the fields of s that another stored subject already has: its tax code or its
// ID number.
func SubjectConflicts(stored []Subject, s Subject) []errs.FieldError {
	var c checker
	for _, o := range stored {
		if o.ID == s.ID {
			continue
		}
		if s.TaxCode != "" && o.TaxCode == s.TaxCode {
			c.add(FieldTaxCode, errs.CodeTaxCodeTaken)
		}
		if s.IDNumber != "" && o.IDNumber == s.IDNumber {
			c.add(FieldIDNumber, errs.CodeIDNumberTaken)
		}
	}
	return c.fields
}

// SiteConflicts names the address when another stored site of the same subject has it.
func SiteConflicts(stored []Site, s Site) []errs.FieldError {
	key := AddressKey(s.Address)
	for _, o := range stored {
		if o.ID != s.ID && o.SubjectID == s.SubjectID && AddressKey(o.Address) == key {
			return []errs.FieldError{{Field: FieldAddress, Code: errs.CodeSiteAddressTaken}}
		}
	}
	return nil
}

// InstrumentConflicts names the serial when another stored instrument of the same kind has it.
func InstrumentConflicts(stored []Instrument, in Instrument) []errs.FieldError {
	for _, o := range stored {
		if o.ID != in.ID && o.Kind == in.Kind && o.Serial == in.Serial {
			return []errs.FieldError{{Field: FieldSerial, Code: errs.CodeSerialTaken}}
		}
	}
	return nil
}

// LicenceConflicts names the number when another stored licence of the same kind has it.
func LicenceConflicts(stored []Licence, l Licence) []errs.FieldError {
	for _, o := range stored {
		if o.ID != l.ID && o.Kind == l.Kind && o.Number == l.Number {
			return []errs.FieldError{{Field: FieldNumber, Code: errs.CodeLicenceNumberTaken}}
		}
	}
	return nil
}
