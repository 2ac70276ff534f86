// Package registry is the facility registry of an organisation: the subjects that can be sanctioned
// (đối tượng), their sites (cơ sở: fuel stations, markets, shops, X-ray facilities), the instruments at
// each site (fuel dispensers, scales, X-ray devices), the licences and certificates that sites and
// their workers hold, and the organisation's issuing units that number records and decisions.
//
// Everything here belongs to one organisation (D1, D24). Sites move between administrative units by
// date (D15): a site keeps a dated history of its units, and UnitOn answers for any day. The Service
// applies who may read and change what and builds the audit entry of every change; the storage
// adapter writes the change and its audit entries in one transaction. The importer
// (registry/importer) loads the registry from CSV and XLSX files through the same types.
package registry

import (
	"time"

	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/registry/vntext"
)

// SubjectKind is what kind of person a subject is in law.
type SubjectKind string

// The subject kinds.
const (
	Organisation      SubjectKind = "organisation"       // tổ chức: an enterprise, a clinic, a cooperative
	Individual        SubjectKind = "individual"         // cá nhân
	HouseholdBusiness SubjectKind = "household_business" // hộ kinh doanh
)

// SubjectKinds lists the subject kinds.
var SubjectKinds = []SubjectKind{Organisation, Individual, HouseholdBusiness}

// Subject (đối tượng) is an organisation or a person that can be sanctioned. One subject can hold
// many sites.
type Subject struct {
	ID                  string
	OrgID               string
	Kind                SubjectKind
	Name                string
	TaxCode             string // mã số thuế; unique in the organisation where present
	IDNumber            string // số định danh cá nhân (12 digits) or old ID card (9); unique where present
	LegalRepresentative string // người đại diện theo pháp luật, or the owner of a household business
	Address             string // the address as written (a snapshot: records quote it as it was)
	Phone               string
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// SanctionedAsOrganisation reports whether fines for this subject are the organisation's (double the
// individual range). A household business is sanctioned as an individual (D25; Decree 118/2021,
// Art. 5 — to be verified against the text before go-live).
func (s Subject) SanctionedAsOrganisation() bool { return s.Kind == Organisation }

// SiteType is what a site is.
type SiteType string

// The site types.
const (
	FuelStation   SiteType = "fuel_station"  // cửa hàng bán lẻ xăng dầu
	Market        SiteType = "market"        // chợ
	Shop          SiteType = "shop"          // cửa hàng, siêu thị
	XRayFacility  SiteType = "xray_facility" // cơ sở X-quang chẩn đoán y tế
	OtherSiteType SiteType = "other"
)

// SiteTypes lists the site types.
var SiteTypes = []SiteType{FuelStation, Market, Shop, XRayFacility, OtherSiteType}

// Site (cơ sở) is a place a subject runs and inspectors visit.
type Site struct {
	ID        string
	OrgID     string
	SubjectID string
	Type      SiteType
	Name      string
	Address   string   // as written
	Lat, Lon  *float64 // WGS 84, when known
	Units     []SiteUnit
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SiteUnit is one period of a site's administrative unit: the site belonged to the unit from
// ValidFrom to ValidTo (calendar days; zero ends are open).
type SiteUnit struct {
	UnitID    string
	UnitCode  string
	UnitName  string
	ValidFrom time.Time
	ValidTo   time.Time
}

// UnitOn returns the administrative unit the site belonged to on the calendar day of t (see
// adminunit.Day), and false when its history does not cover that day.
func (s Site) UnitOn(t time.Time) (SiteUnit, bool) {
	for _, u := range s.Units {
		if adminunit.InPeriod(t, u.ValidFrom, u.ValidTo) {
			return u, true
		}
	}
	return SiteUnit{}, false
}

// AddressKey is the natural key of a site's address: the address folded (lower case, no diacritics,
// punctuation as spaces). With the subject it identifies a site in imports.
func AddressKey(address string) string { return vntext.Fold(address) }

// InstrumentKind is what an instrument is.
type InstrumentKind string

// The instrument kinds.
const (
	FuelDispenser       InstrumentKind = "fuel_dispenser" // cột đo xăng dầu
	Scale               InstrumentKind = "scale"          // cân
	XRayDevice          InstrumentKind = "xray_device"    // thiết bị X-quang
	OtherInstrumentKind InstrumentKind = "other"
)

// InstrumentKinds lists the instrument kinds.
var InstrumentKinds = []InstrumentKind{FuelDispenser, Scale, XRayDevice, OtherInstrumentKind}

// SealState is the state of a fuel dispenser's seals (niêm phong, kẹp chì).
type SealState string

// The seal states.
const (
	SealIntact  SealState = "intact"  // nguyên vẹn
	SealBroken  SealState = "broken"  // bị phá, đứt
	SealMissing SealState = "missing" // không có
	SealUnknown SealState = "unknown" // chưa rõ
)

// SealStates lists the seal states.
var SealStates = []SealState{SealIntact, SealBroken, SealMissing, SealUnknown}

// Instrument is a measuring instrument or device at a site. Its serial (số sản xuất) belongs to at most
// one site of the organisation per kind.
type Instrument struct {
	ID                      string
	OrgID                   string
	SiteID                  string
	Kind                    InstrumentKind
	Serial                  string // upper case, single spaces
	Model                   string // kiểu, ký hiệu
	Manufacturer            string
	PatternApproval         string    // số quyết định phê duyệt mẫu
	VerificationCertificate string    // số giấy chứng nhận kiểm định
	VerificationExpiry      time.Time // last day the verification is valid; zero: unknown
	SealState               SealState // fuel dispensers only
	InspectionExpiry        time.Time // X-ray devices only: last day of the inspection / quality control
	CreatedAt               time.Time
	UpdatedAt               time.Time
}

// LicenceKind is what a licence or certificate is.
type LicenceKind string

// The licence kinds.
const (
	RadiationWorkLicence          LicenceKind = "radiation_work_licence"          // giấy phép tiến hành công việc bức xạ
	RadiationWorkerCertificate    LicenceKind = "radiation_worker_certificate"    // chứng chỉ nhân viên bức xạ
	StationEligibilityCertificate LicenceKind = "station_eligibility_certificate" // giấy chứng nhận đủ điều kiện bán lẻ xăng dầu
)

// LicenceKinds lists the licence kinds.
var LicenceKinds = []LicenceKind{RadiationWorkLicence, RadiationWorkerCertificate, StationEligibilityCertificate}

// Licence is a licence or certificate held by a site or by a person (a radiation worker), numbered
// uniquely per kind in the organisation's registry.
type Licence struct {
	ID         string
	OrgID      string
	Kind       LicenceKind
	Number     string
	SiteID     string // the site that holds it, or where the holder works; may be empty for a person
	HolderName string // the person who holds it; empty when the site holds it
	Scope      string // phạm vi: the work or the devices it covers
	Issued     time.Time
	Expiry     time.Time // last day valid; zero: no expiry
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Expired reports whether the licence was no longer valid on the calendar day of now.
func (l Licence) Expired(now time.Time) bool {
	return !l.Expiry.IsZero() && adminunit.Day(now).After(adminunit.Day(l.Expiry))
}

// ExpiresWithin reports whether the licence is valid today but will no longer be valid d from now:
// the warning window before expiry. An expired licence is not "within" (see Expired); one without
// expiry never is.
func (l Licence) ExpiresWithin(d time.Duration, now time.Time) bool {
	if l.Expiry.IsZero() || l.Expired(now) {
		return false
	}
	return adminunit.Day(now.Add(d)).After(adminunit.Day(l.Expiry))
}

// IssuingUnit is a unit of the organisation that numbers its records and decisions per year
// (D9), e.g. the inspectorate "Thanh tra Sở" or the sub-department "Chi cục Tiêu chuẩn Đo lường Chất
// lượng". Codes are unique in the organisation and appear in numbers ("12/QĐ-TTS").
type IssuingUnit struct {
	ID        string
	OrgID     string
	Code      string
	Name      string
	ValidFrom time.Time // zero: since before the records begin
	ValidTo   time.Time // zero: still in force
	CreatedAt time.Time
	UpdatedAt time.Time
}

// InForce reports whether the issuing unit existed on the calendar day of t.
func (u IssuingUnit) InForce(t time.Time) bool { return adminunit.InPeriod(t, u.ValidFrom, u.ValidTo) }
