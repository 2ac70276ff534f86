package registry

import (
	"time"

	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// The audit actions of the registry. Each entity has its own chain ("subject/<id>", "site/<id>" …).
const (
	ActionSubjectCreate     = "subject.create"
	ActionSubjectUpdate     = "subject.update"
	ActionSiteCreate        = "site.create"
	ActionSiteUpdate        = "site.update"
	ActionInstrumentCreate  = "instrument.create"
	ActionInstrumentUpdate  = "instrument.update"
	ActionLicenceCreate     = "licence.create"
	ActionLicenceUpdate     = "licence.update"
	ActionIssuingUnitCreate = "issuing_unit.create"
	ActionIssuingUnitUpdate = "issuing_unit.update"
)

// Entry builds the audit entry of a change to an entity of the registry by p at at. changed lists the
// fields an update changed (nil for a creation); data holds the entity's fields after the change.
func Entry(p identity.Principal, at time.Time, orgID, chain, action string, data map[string]any, changed []string) audit.Entry {
	if changed != nil {
		data["changed"] = changed
	}
	return audit.Entry{Chain: chain, OrgID: orgID, Action: action, ActorAccountID: p.AccountID, ActorPersonID: p.PersonID,
		At: at, Data: data}
}

// SubjectData is what the audit log records of a subject.
func SubjectData(s Subject) map[string]any {
	return map[string]any{"kind": string(s.Kind), "name": s.Name, "tax_code": s.TaxCode, "id_number": s.IDNumber,
		"legal_representative": s.LegalRepresentative, "address": s.Address, "phone": s.Phone}
}

// SiteData is what the audit log records of a site.
func SiteData(s Site) map[string]any {
	units := make([]map[string]any, len(s.Units))
	for i, u := range s.Units {
		units[i] = map[string]any{"unit": u.UnitCode, "from": adminunit.FormatDay(u.ValidFrom), "to": adminunit.FormatDay(u.ValidTo)}
	}
	d := map[string]any{"subject_id": s.SubjectID, "type": string(s.Type), "name": s.Name, "address": s.Address, "units": units}
	if s.Lat != nil && s.Lon != nil {
		d["lat"], d["lon"] = *s.Lat, *s.Lon
	}
	return d
}

// InstrumentData is what the audit log records of an instrument.
func InstrumentData(in Instrument) map[string]any {
	return map[string]any{"site_id": in.SiteID, "kind": string(in.Kind), "serial": in.Serial, "model": in.Model,
		"manufacturer": in.Manufacturer, "pattern_approval": in.PatternApproval,
		"verification_certificate": in.VerificationCertificate, "verification_expiry": adminunit.FormatDay(in.VerificationExpiry),
		"seal_state": string(in.SealState), "inspection_expiry": adminunit.FormatDay(in.InspectionExpiry)}
}

// LicenceData is what the audit log records of a licence.
func LicenceData(l Licence) map[string]any {
	return map[string]any{"kind": string(l.Kind), "number": l.Number, "site_id": l.SiteID, "holder_name": l.HolderName,
		"scope": l.Scope, "issued": adminunit.FormatDay(l.Issued), "expiry": adminunit.FormatDay(l.Expiry)}
}

// IssuingUnitData is what the audit log records of an issuing unit.
func IssuingUnitData(u IssuingUnit) map[string]any {
	return map[string]any{"code": u.Code, "name": u.Name, "valid_from": adminunit.FormatDay(u.ValidFrom),
		"valid_to": adminunit.FormatDay(u.ValidTo)}
}

type differ struct{ fields []string }

func (d *differ) str(field, a, b string) {
	if a != b {
		d.fields = append(d.fields, field)
	}
}

func (d *differ) day(field string, a, b time.Time) {
	if !a.Equal(b) {
		d.fields = append(d.fields, field)
	}
}

func (d *differ) float(field string, a, b *float64) {
	if (a == nil) != (b == nil) || (a != nil && *a != *b) {
		d.fields = append(d.fields, field)
	}
}

// SubjectChanges lists the fields in which b differs from a.
func SubjectChanges(a, b Subject) []string {
	var d differ
	d.str(FieldKind, string(a.Kind), string(b.Kind))
	d.str(FieldName, a.Name, b.Name)
	d.str(FieldTaxCode, a.TaxCode, b.TaxCode)
	d.str(FieldIDNumber, a.IDNumber, b.IDNumber)
	d.str(FieldLegalRepresentative, a.LegalRepresentative, b.LegalRepresentative)
	d.str(FieldAddress, a.Address, b.Address)
	d.str(FieldPhone, a.Phone, b.Phone)
	return d.fields
}

// SiteChanges lists the fields in which b differs from a; "units" when the histories differ.
func SiteChanges(a, b Site) []string {
	var d differ
	d.str(FieldSubjectID, a.SubjectID, b.SubjectID)
	d.str(FieldType, string(a.Type), string(b.Type))
	d.str(FieldName, a.Name, b.Name)
	d.str(FieldAddress, a.Address, b.Address)
	d.float(FieldLat, a.Lat, b.Lat)
	d.float(FieldLon, a.Lon, b.Lon)
	if !SameUnits(a.Units, b.Units) {
		d.fields = append(d.fields, FieldUnits)
	}
	return d.fields
}

// SameUnits reports whether two unit histories are the same periods of the same unit versions.
func SameUnits(a, b []SiteUnit) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].UnitID != b[i].UnitID || !a[i].ValidFrom.Equal(b[i].ValidFrom) || !a[i].ValidTo.Equal(b[i].ValidTo) {
			return false
		}
	}
	return true
}

// InstrumentChanges lists the fields in which b differs from a.
func InstrumentChanges(a, b Instrument) []string {
	var d differ
	d.str(FieldSiteID, a.SiteID, b.SiteID)
	d.str(FieldKind, string(a.Kind), string(b.Kind))
	d.str(FieldSerial, a.Serial, b.Serial)
	d.str(FieldModel, a.Model, b.Model)
	d.str(FieldManufacturer, a.Manufacturer, b.Manufacturer)
	d.str(FieldPatternApproval, a.PatternApproval, b.PatternApproval)
	d.str(FieldVerificationCertificate, a.VerificationCertificate, b.VerificationCertificate)
	d.day(FieldVerificationExpiry, a.VerificationExpiry, b.VerificationExpiry)
	d.str(FieldSealState, string(a.SealState), string(b.SealState))
	d.day(FieldInspectionExpiry, a.InspectionExpiry, b.InspectionExpiry)
	return d.fields
}

// LicenceChanges lists the fields in which b differs from a.
func LicenceChanges(a, b Licence) []string {
	var d differ
	d.str(FieldKind, string(a.Kind), string(b.Kind))
	d.str(FieldNumber, a.Number, b.Number)
	d.str(FieldSiteID, a.SiteID, b.SiteID)
	d.str(FieldHolderName, a.HolderName, b.HolderName)
	d.str(FieldScope, a.Scope, b.Scope)
	d.day(FieldIssued, a.Issued, b.Issued)
	d.day(FieldExpiry, a.Expiry, b.Expiry)
	return d.fields
}

// IssuingUnitChanges lists the fields in which b differs from a.
func IssuingUnitChanges(a, b IssuingUnit) []string {
	var d differ
	d.str(FieldCode, a.Code, b.Code)
	d.str(FieldName, a.Name, b.Name)
	d.day(FieldValidFrom, a.ValidFrom, b.ValidFrom)
	d.day(FieldValidTo, a.ValidTo, b.ValidTo)
	return d.fields
}
