package consolehttp

import (
	"strconv"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/registry"
	"github.com/skhcn-caobang/thanhtra/server/registry/importer"
)

// Wire types of the registry and the administrative units, one struct per schema in schemas/ (named
// in each comment). Calendar days travel as "YYYY-MM-DD" (adminunit.FormatDay), instants as RFC 3339
// in UTC; an optional field the domain leaves empty is left out.

// listBody is the page of a list: schemas/registry-*-list.schema.json and admin-unit-list.schema.json.
type listBody[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

func toListBody[D, W any](p registry.Page[D], f func(D) W) listBody[W] {
	out := listBody[W]{Items: make([]W, len(p.Items)), Total: p.Total, Limit: p.Limit, Offset: p.Offset}
	for i, x := range p.Items {
		out.Items[i] = f(x)
	}
	return out
}

// requestDay parses an optional calendar day of a request body, noting field as invalid_date when it is
// not YYYY-MM-DD.
func requestDay(k *[]errs.FieldError, field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	d, err := adminunit.ParseDay(s)
	if err != nil {
		*k = append(*k, errs.FieldError{Field: field, Code: errs.CodeInvalidDate})
	}
	return d
}

func validationErr(fields []errs.FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return errs.E(errs.Invalid, errs.CodeValidation, fields)
}

// subject is schemas/registry-subject.schema.json.
type subject struct {
	ID                       string    `json:"id"`
	OrganisationID           string    `json:"organisation_id"`
	Kind                     string    `json:"kind"`
	Name                     string    `json:"name"`
	TaxCode                  string    `json:"tax_code,omitempty"`
	IDNumber                 string    `json:"id_number,omitempty"`
	LegalRepresentative      string    `json:"legal_representative,omitempty"`
	Address                  string    `json:"address,omitempty"`
	Phone                    string    `json:"phone,omitempty"`
	SanctionedAsOrganisation bool      `json:"sanctioned_as_organisation"`
	CreatedAt                time.Time `json:"created_at"`
	UpdatedAt                time.Time `json:"updated_at"`
}

func toSubject(s registry.Subject) subject {
	return subject{ID: s.ID, OrganisationID: s.OrgID, Kind: string(s.Kind), Name: s.Name, TaxCode: s.TaxCode, IDNumber: s.IDNumber,
		LegalRepresentative: s.LegalRepresentative, Address: s.Address, Phone: s.Phone,
		SanctionedAsOrganisation: s.SanctionedAsOrganisation(), CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
}

// subjectRequest is schemas/registry-subject-request.schema.json, for creating and replacing.
type subjectRequest struct {
	Kind                string `json:"kind"`
	Name                string `json:"name"`
	TaxCode             string `json:"tax_code,omitempty"`
	IDNumber            string `json:"id_number,omitempty"`
	LegalRepresentative string `json:"legal_representative,omitempty"`
	Address             string `json:"address,omitempty"`
	Phone               string `json:"phone,omitempty"`
}

func (r subjectRequest) domain(orgID, id string) registry.Subject {
	return registry.Subject{ID: id, OrgID: orgID, Kind: registry.SubjectKind(r.Kind), Name: r.Name, TaxCode: r.TaxCode, IDNumber: r.IDNumber,
		LegalRepresentative: r.LegalRepresentative, Address: r.Address, Phone: r.Phone}
}

// site is schemas/registry-site.schema.json.
type site struct {
	ID             string     `json:"id"`
	OrganisationID string     `json:"organisation_id"`
	SubjectID      string     `json:"subject_id"`
	Type           string     `json:"type"`
	Name           string     `json:"name"`
	Address        string     `json:"address"`
	Lat            *float64   `json:"lat,omitempty"`
	Lon            *float64   `json:"lon,omitempty"`
	Units          []siteUnit `json:"units"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// siteUnit is one period of a site's administrative unit.
type siteUnit struct {
	UnitID    string `json:"unit_id"`
	UnitCode  string `json:"unit_code"`
	UnitName  string `json:"unit_name"`
	ValidFrom string `json:"valid_from,omitempty"`
	ValidTo   string `json:"valid_to,omitempty"`
}

func toSite(s registry.Site) site {
	out := site{ID: s.ID, OrganisationID: s.OrgID, SubjectID: s.SubjectID, Type: string(s.Type), Name: s.Name, Address: s.Address,
		Lat: s.Lat, Lon: s.Lon, Units: make([]siteUnit, len(s.Units)), CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
	for i, u := range s.Units {
		out.Units[i] = siteUnit{UnitID: u.UnitID, UnitCode: u.UnitCode, UnitName: u.UnitName,
			ValidFrom: adminunit.FormatDay(u.ValidFrom), ValidTo: adminunit.FormatDay(u.ValidTo)}
	}
	return out
}

// siteRequest is schemas/registry-site-request.schema.json.
type siteRequest struct {
	SubjectID string            `json:"subject_id"`
	Type      string            `json:"type"`
	Name      string            `json:"name"`
	Address   string            `json:"address"`
	Lat       *float64          `json:"lat,omitempty"`
	Lon       *float64          `json:"lon,omitempty"`
	Units     []siteUnitRequest `json:"units,omitempty"`
}

// siteUnitRequest names a unit of the site's history by code; without dates it stands for every
// version of the code, for the days each was in force (registry.ResolveSiteUnits).
type siteUnitRequest struct {
	UnitCode  string `json:"unit_code"`
	ValidFrom string `json:"valid_from,omitempty"`
	ValidTo   string `json:"valid_to,omitempty"`
}

func (r siteRequest) domain(orgID, id string) (registry.Site, error) {
	var fields []errs.FieldError
	s := registry.Site{ID: id, OrgID: orgID, SubjectID: r.SubjectID, Type: registry.SiteType(r.Type), Name: r.Name, Address: r.Address,
		Lat: r.Lat, Lon: r.Lon, Units: make([]registry.SiteUnit, len(r.Units))}
	for i, u := range r.Units {
		at := registry.FieldUnits + "[" + strconv.Itoa(i) + "]."
		s.Units[i] = registry.SiteUnit{UnitCode: u.UnitCode,
			ValidFrom: requestDay(&fields, at+"valid_from", u.ValidFrom), ValidTo: requestDay(&fields, at+"valid_to", u.ValidTo)}
	}
	return s, validationErr(fields)
}

// instrument is schemas/registry-instrument.schema.json.
type instrument struct {
	ID                      string    `json:"id"`
	OrganisationID          string    `json:"organisation_id"`
	SiteID                  string    `json:"site_id"`
	Kind                    string    `json:"kind"`
	Serial                  string    `json:"serial"`
	Model                   string    `json:"model,omitempty"`
	Manufacturer            string    `json:"manufacturer,omitempty"`
	PatternApproval         string    `json:"pattern_approval,omitempty"`
	VerificationCertificate string    `json:"verification_certificate,omitempty"`
	VerificationExpiry      string    `json:"verification_expiry,omitempty"`
	SealState               string    `json:"seal_state,omitempty"`
	InspectionExpiry        string    `json:"inspection_expiry,omitempty"`
	CreatedAt               time.Time `json:"created_at"`
	UpdatedAt               time.Time `json:"updated_at"`
}

func toInstrument(in registry.Instrument) instrument {
	return instrument{ID: in.ID, OrganisationID: in.OrgID, SiteID: in.SiteID, Kind: string(in.Kind), Serial: in.Serial, Model: in.Model,
		Manufacturer: in.Manufacturer, PatternApproval: in.PatternApproval, VerificationCertificate: in.VerificationCertificate,
		VerificationExpiry: adminunit.FormatDay(in.VerificationExpiry), SealState: string(in.SealState),
		InspectionExpiry: adminunit.FormatDay(in.InspectionExpiry), CreatedAt: in.CreatedAt.UTC(), UpdatedAt: in.UpdatedAt.UTC()}
}

// instrumentRequest is schemas/registry-instrument-request.schema.json.
type instrumentRequest struct {
	SiteID                  string `json:"site_id"`
	Kind                    string `json:"kind"`
	Serial                  string `json:"serial"`
	Model                   string `json:"model,omitempty"`
	Manufacturer            string `json:"manufacturer,omitempty"`
	PatternApproval         string `json:"pattern_approval,omitempty"`
	VerificationCertificate string `json:"verification_certificate,omitempty"`
	VerificationExpiry      string `json:"verification_expiry,omitempty"`
	SealState               string `json:"seal_state,omitempty"`
	InspectionExpiry        string `json:"inspection_expiry,omitempty"`
}

func (r instrumentRequest) domain(orgID, id string) (registry.Instrument, error) {
	var fields []errs.FieldError
	in := registry.Instrument{ID: id, OrgID: orgID, SiteID: r.SiteID, Kind: registry.InstrumentKind(r.Kind), Serial: r.Serial,
		Model: r.Model, Manufacturer: r.Manufacturer, PatternApproval: r.PatternApproval, VerificationCertificate: r.VerificationCertificate,
		VerificationExpiry: requestDay(&fields, registry.FieldVerificationExpiry, r.VerificationExpiry), SealState: registry.SealState(r.SealState),
		InspectionExpiry: requestDay(&fields, registry.FieldInspectionExpiry, r.InspectionExpiry)}
	return in, validationErr(fields)
}

// licence is schemas/registry-licence.schema.json.
type licence struct {
	ID             string    `json:"id"`
	OrganisationID string    `json:"organisation_id"`
	Kind           string    `json:"kind"`
	Number         string    `json:"number"`
	SiteID         string    `json:"site_id,omitempty"`
	HolderName     string    `json:"holder_name,omitempty"`
	Scope          string    `json:"scope,omitempty"`
	Issued         string    `json:"issued,omitempty"`
	Expiry         string    `json:"expiry,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func toLicence(l registry.Licence) licence {
	return licence{ID: l.ID, OrganisationID: l.OrgID, Kind: string(l.Kind), Number: l.Number, SiteID: l.SiteID, HolderName: l.HolderName,
		Scope: l.Scope, Issued: adminunit.FormatDay(l.Issued), Expiry: adminunit.FormatDay(l.Expiry), CreatedAt: l.CreatedAt.UTC(), UpdatedAt: l.UpdatedAt.UTC()}
}

// licenceRequest is schemas/registry-licence-request.schema.json.
type licenceRequest struct {
	Kind       string `json:"kind"`
	Number     string `json:"number"`
	SiteID     string `json:"site_id,omitempty"`
	HolderName string `json:"holder_name,omitempty"`
	Scope      string `json:"scope,omitempty"`
	Issued     string `json:"issued,omitempty"`
	Expiry     string `json:"expiry,omitempty"`
}

func (r licenceRequest) domain(orgID, id string) (registry.Licence, error) {
	var fields []errs.FieldError
	l := registry.Licence{ID: id, OrgID: orgID, Kind: registry.LicenceKind(r.Kind), Number: r.Number, SiteID: r.SiteID, HolderName: r.HolderName,
		Scope: r.Scope, Issued: requestDay(&fields, registry.FieldIssued, r.Issued), Expiry: requestDay(&fields, registry.FieldExpiry, r.Expiry)}
	return l, validationErr(fields)
}

// issuingUnit is schemas/registry-issuing-unit.schema.json.
type issuingUnit struct {
	ID             string    `json:"id"`
	OrganisationID string    `json:"organisation_id"`
	Code           string    `json:"code"`
	Name           string    `json:"name"`
	ValidFrom      string    `json:"valid_from,omitempty"`
	ValidTo        string    `json:"valid_to,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func toIssuingUnit(u registry.IssuingUnit) issuingUnit {
	return issuingUnit{ID: u.ID, OrganisationID: u.OrgID, Code: u.Code, Name: u.Name, ValidFrom: adminunit.FormatDay(u.ValidFrom),
		ValidTo: adminunit.FormatDay(u.ValidTo), CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
}

// issuingUnitRequest is schemas/registry-issuing-unit-request.schema.json.
type issuingUnitRequest struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	ValidFrom string `json:"valid_from,omitempty"`
	ValidTo   string `json:"valid_to,omitempty"`
}

func (r issuingUnitRequest) domain(orgID, id string) (registry.IssuingUnit, error) {
	var fields []errs.FieldError
	u := registry.IssuingUnit{ID: id, OrgID: orgID, Code: r.Code, Name: r.Name,
		ValidFrom: requestDay(&fields, registry.FieldValidFrom, r.ValidFrom), ValidTo: requestDay(&fields, registry.FieldValidTo, r.ValidTo)}
	return u, validationErr(fields)
}

// adminUnit is schemas/admin-unit.schema.json: one version of an administrative unit, with the
// successions out of its code and into it.
type adminUnit struct {
	ID           string       `json:"id"`
	Code         string       `json:"code"`
	Name         string       `json:"name"`
	Level        string       `json:"level"`
	ParentID     string       `json:"parent_id,omitempty"`
	ParentCode   string       `json:"parent_code,omitempty"`
	ValidFrom    string       `json:"valid_from,omitempty"`
	ValidTo      string       `json:"valid_to,omitempty"`
	Confirmed    bool         `json:"confirmed"`
	Note         string       `json:"note,omitempty"`
	Successors   []succession `json:"successors"`
	Predecessors []succession `json:"predecessors"`
}

// succession is the other unit of a succession and the day it took effect.
type succession struct {
	UnitCode  string `json:"unit_code"`
	On        string `json:"on"`
	Confirmed bool   `json:"confirmed"`
}

func toAdminUnit(u adminunit.Unit, succ []adminunit.Succession) adminUnit {
	out := adminUnit{ID: u.ID, Code: u.Code, Name: u.Name, Level: string(u.Level), ParentID: u.ParentID, ParentCode: u.ParentCode,
		ValidFrom: adminunit.FormatDay(u.ValidFrom), ValidTo: adminunit.FormatDay(u.ValidTo), Confirmed: u.Confirmed, Note: u.Note,
		Successors: []succession{}, Predecessors: []succession{}}
	for _, s := range adminunit.Successors(succ, u.Code) {
		out.Successors = append(out.Successors, succession{UnitCode: s.ToCode, On: adminunit.FormatDay(s.On), Confirmed: s.Confirmed})
	}
	for _, s := range adminunit.Predecessors(succ, u.Code) {
		out.Predecessors = append(out.Predecessors, succession{UnitCode: s.FromCode, On: adminunit.FormatDay(s.On), Confirmed: s.Confirmed})
	}
	return out
}

// importReport is schemas/registry-import-report.schema.json: the summary of an import or a dry run
// and the problems, row by row.
type importReport struct {
	Summary           importSummary   `json:"summary"`
	Problems          []importProblem `json:"problems"`
	ProblemsTruncated bool            `json:"problems_truncated"`
}

type importSummary struct {
	DryRun         bool         `json:"dry_run"`
	Rows           int          `json:"rows"`
	Created        int          `json:"created"`
	Updated        int          `json:"updated"`
	Unchanged      int          `json:"unchanged"`
	Errors         int          `json:"errors"`
	Subjects       importCounts `json:"subjects"`
	Sites          importCounts `json:"sites"`
	Instruments    importCounts `json:"instruments"`
	Licences       importCounts `json:"licences"`
	IgnoredColumns []string     `json:"ignored_columns"`
}

type importCounts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// importProblem is one problem of the file: the row as the spreadsheet numbers it (the header is
// row 1), the column's key (empty for the whole row) and its header as written, the code, the cell
// and the message in the caller's language.
type importProblem struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Header  string `json:"header,omitempty"`
	Code    string `json:"code"`
	Value   string `json:"value,omitempty"`
	Message string `json:"message"`
}

func toImportReport(s importer.Summary, lang string) importReport {
	counts := func(c importer.Counts) importCounts {
		return importCounts{Created: c.Created, Updated: c.Updated, Unchanged: c.Unchanged}
	}
	out := importReport{
		Summary: importSummary{DryRun: s.DryRun, Rows: s.Rows, Created: s.Created, Updated: s.Updated, Unchanged: s.Unchanged, Errors: s.Errors,
			Subjects: counts(s.Subjects), Sites: counts(s.Sites), Instruments: counts(s.Instruments), Licences: counts(s.Licences),
			IgnoredColumns: append([]string{}, s.IgnoredColumns...)},
		Problems: make([]importProblem, len(s.Problems)), ProblemsTruncated: s.ProblemsTruncated}
	for i, p := range s.Problems {
		msg := p.Message
		if lang == "en" {
			msg = p.MessageEN
		}
		out.Problems[i] = importProblem{Row: p.Row, Column: p.Column, Header: p.Header, Code: string(p.Code), Value: p.Value, Message: msg}
	}
	return out
}
