// Package syncdata is what phones receive as the data of each entity they pull (the Data of a
// syncfeed.Change): one wire struct per entity type, each matching its schema in schemas/
// (sync-*.schema.json), and the builders that make the change of an entity from its domain value.
//
// The data is built to be deterministic: the same entity in the same state gives the same bytes,
// whatever order its parts were read or given in, and it carries no timestamps of the server's own
// bookkeeping (created_at, updated_at); its instants are UTC at the microsecond, as both databases
// keep them. The change log does not record a change identical to the
// entity's current row, so reference data reloaded at every start costs phones nothing. Field names
// follow the console's wire shapes (server/consolehttp), without the organisation (a phone belongs
// to one) and without what the containing entity already says (an instrument's site).
package syncdata

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/checklist"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/numbering"
	"github.com/skhcn-caobang/thanhtra/server/registry"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
)

// orEmpty turns a nil slice into an empty one, so that it is sent as [] and never as null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// upsert is the change that sets the entity to data.
func upsert(dataset, entityType, entityID, orgID, scope string, v any) (syncfeed.Change, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return syncfeed.Change{}, errs.E(errs.Op("syncdata."+entityType), fmt.Errorf("%s %s: %w", entityType, entityID, err))
	}
	return syncfeed.Change{Dataset: dataset, EntityType: entityType, EntityID: entityID, OrgID: orgID, Scope: scope,
		Op: syncfeed.OpUpsert, Data: b}, nil
}

// --- Campaigns (dataset assignments) ---

// Campaign is schemas/sync-campaign.schema.json: a campaign whose team the phone's person is in.
type Campaign struct {
	ID           string         `json:"id"`
	Number       string         `json:"number"`
	DecisionDate string         `json:"decision_date"`
	Title        string         `json:"title"`
	Kind         string         `json:"kind"`
	Origin       string         `json:"origin"`
	Sectors      []string       `json:"sectors"`
	PeriodFrom   string         `json:"period_from"`
	PeriodTo     string         `json:"period_to"`
	Status       string         `json:"status"`
	Reference    string         `json:"reference"`
	Team         []TeamMember   `json:"team"`
	SubjectIDs   []string       `json:"subject_ids"`
	Sites        []CampaignSite `json:"sites"`
	Conclusion   *Conclusion    `json:"conclusion,omitempty"`
}

// TeamMember is a person of a campaign's team (đoàn) with the role they hold in it.
type TeamMember struct {
	PersonID string `json:"person_id"`
	Role     string `json:"role"`
}

// CampaignSite is a site a campaign covers, with the inspector it is assigned to, if any.
type CampaignSite struct {
	SiteID           string `json:"site_id"`
	AssigneePersonID string `json:"assignee_person_id,omitempty"`
}

// Conclusion is the document (kết luận) that closed a campaign.
type Conclusion struct {
	Number  string `json:"number"`
	Date    string `json:"date"`
	Summary string `json:"summary"`
}

// NewCampaign is the phone's view of c: the team by role then person, subjects and sites by ID.
func NewCampaign(c campaign.Campaign) Campaign {
	out := Campaign{ID: c.ID, Number: c.Number, DecisionDate: adminunit.FormatDay(c.DecisionDate), Title: c.Title,
		Kind: string(c.Kind), Origin: string(c.Origin), Sectors: make([]string, len(c.Sectors)),
		PeriodFrom: adminunit.FormatDay(c.PeriodFrom), PeriodTo: adminunit.FormatDay(c.PeriodTo), Status: string(c.Status()),
		Reference: c.Reference(), Team: make([]TeamMember, len(c.Team)), SubjectIDs: orEmpty(slices.Sorted(slices.Values(c.SubjectIDs))),
		Sites: make([]CampaignSite, 0, len(c.SiteIDs))}
	for i, s := range c.Sectors {
		out.Sectors[i] = string(s)
	}
	for i, m := range c.Team {
		out.Team[i] = TeamMember{PersonID: m.PersonID, Role: string(m.Role)}
	}
	slices.SortFunc(out.Team, func(a, b TeamMember) int {
		return cmp.Or(cmp.Compare(a.Role, b.Role), cmp.Compare(a.PersonID, b.PersonID))
	})
	for _, id := range slices.Sorted(slices.Values(c.SiteIDs)) {
		s := CampaignSite{SiteID: id}
		for _, a := range c.Assignments {
			if a.SiteID == id {
				s.AssigneePersonID = a.PersonID
			}
		}
		out.Sites = append(out.Sites, s)
	}
	out.SubjectIDs = slices.Compact(out.SubjectIDs)
	out.Sites = slices.CompactFunc(out.Sites, func(a, b CampaignSite) bool { return a.SiteID == b.SiteID })
	if k := c.Conclusion; k != nil {
		out.Conclusion = &Conclusion{Number: k.Number, Date: adminunit.FormatDay(k.Date), Summary: k.Summary}
	}
	return out
}

// CampaignData is the compact JSON of NewCampaign(c).
func CampaignData(c campaign.Campaign) ([]byte, error) { return json.Marshal(NewCampaign(c)) }

// CampaignChange is the change that sets the campaign in the assignments dataset, in its campaign's
// scope.
func CampaignChange(c campaign.Campaign) (syncfeed.Change, error) {
	return upsert(syncfeed.Assignments, syncfeed.EntityCampaign, c.ID, c.OrgID, syncfeed.CampaignScope(c.ID), NewCampaign(c))
}

// --- Registry (dataset sites) ---

// Subject is schemas/sync-subject.schema.json: a subject (đối tượng) of the phone's campaigns.
type Subject struct {
	ID                       string `json:"id"`
	Kind                     string `json:"kind"`
	Name                     string `json:"name"`
	TaxCode                  string `json:"tax_code,omitempty"`
	IDNumber                 string `json:"id_number,omitempty"`
	LegalRepresentative      string `json:"legal_representative,omitempty"`
	Address                  string `json:"address,omitempty"`
	Phone                    string `json:"phone,omitempty"`
	SanctionedAsOrganisation bool   `json:"sanctioned_as_organisation"`
}

// NewSubject is the phone's view of s.
func NewSubject(s registry.Subject) Subject {
	return Subject{ID: s.ID, Kind: string(s.Kind), Name: s.Name, TaxCode: s.TaxCode, IDNumber: s.IDNumber,
		LegalRepresentative: s.LegalRepresentative, Address: s.Address, Phone: s.Phone,
		SanctionedAsOrganisation: s.SanctionedAsOrganisation()}
}

// SubjectData is the compact JSON of NewSubject(s).
func SubjectData(s registry.Subject) ([]byte, error) { return json.Marshal(NewSubject(s)) }

// SubjectChange is the change that sets the subject in the sites dataset, in its subject's scope.
func SubjectChange(s registry.Subject) (syncfeed.Change, error) {
	return upsert(syncfeed.Sites, syncfeed.EntitySubject, s.ID, s.OrgID, syncfeed.SubjectScope(s.ID), NewSubject(s))
}

// Site is schemas/sync-site.schema.json: a site of the phone's campaigns with its administrative
// units, its instruments and the licences it holds.
type Site struct {
	ID          string       `json:"id"`
	SubjectID   string       `json:"subject_id"`
	Type        string       `json:"type"`
	Name        string       `json:"name"`
	Address     string       `json:"address"`
	Lat         *float64     `json:"lat,omitempty"`
	Lon         *float64     `json:"lon,omitempty"`
	Units       []SiteUnit   `json:"units"`
	Instruments []Instrument `json:"instruments"`
	Licences    []Licence    `json:"licences"`
}

// SiteUnit is one period of a site's administrative unit (D15).
type SiteUnit struct {
	UnitID    string `json:"unit_id"`
	UnitCode  string `json:"unit_code"`
	UnitName  string `json:"unit_name"`
	ValidFrom string `json:"valid_from,omitempty"`
	ValidTo   string `json:"valid_to,omitempty"`
}

// Instrument is a measuring instrument or device at the site.
type Instrument struct {
	ID                      string `json:"id"`
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

// Licence is a licence or certificate held by the site or by a person working there.
type Licence struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	Number     string `json:"number"`
	HolderName string `json:"holder_name,omitempty"`
	Scope      string `json:"scope,omitempty"`
	Issued     string `json:"issued,omitempty"`
	Expiry     string `json:"expiry,omitempty"`
}

// NewSite is the phone's view of s with those of instruments and licences that are at it, each
// list by ID; the units keep their order (earliest first).
func NewSite(s registry.Site, instruments []registry.Instrument, licences []registry.Licence) Site {
	out := Site{ID: s.ID, SubjectID: s.SubjectID, Type: string(s.Type), Name: s.Name, Address: s.Address, Lat: s.Lat, Lon: s.Lon,
		Units: make([]SiteUnit, len(s.Units)), Instruments: []Instrument{}, Licences: []Licence{}}
	for i, u := range s.Units {
		out.Units[i] = SiteUnit{UnitID: u.UnitID, UnitCode: u.UnitCode, UnitName: u.UnitName,
			ValidFrom: adminunit.FormatDay(u.ValidFrom), ValidTo: adminunit.FormatDay(u.ValidTo)}
	}
	for _, in := range instruments {
		if in.SiteID != s.ID {
			continue
		}
		out.Instruments = append(out.Instruments, Instrument{ID: in.ID, Kind: string(in.Kind), Serial: in.Serial, Model: in.Model,
			Manufacturer: in.Manufacturer, PatternApproval: in.PatternApproval, VerificationCertificate: in.VerificationCertificate,
			VerificationExpiry: adminunit.FormatDay(in.VerificationExpiry), SealState: string(in.SealState),
			InspectionExpiry: adminunit.FormatDay(in.InspectionExpiry)})
	}
	for _, l := range licences {
		if l.SiteID != s.ID {
			continue
		}
		out.Licences = append(out.Licences, Licence{ID: l.ID, Kind: string(l.Kind), Number: l.Number, HolderName: l.HolderName,
			Scope: l.Scope, Issued: adminunit.FormatDay(l.Issued), Expiry: adminunit.FormatDay(l.Expiry)})
	}
	slices.SortFunc(out.Instruments, func(a, b Instrument) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(out.Licences, func(a, b Licence) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// SiteData is the compact JSON of NewSite.
func SiteData(s registry.Site, instruments []registry.Instrument, licences []registry.Licence) ([]byte, error) {
	return json.Marshal(NewSite(s, instruments, licences))
}

// SiteChange is the change that sets the site, with its instruments and licences, in the sites
// dataset, in its site's scope.
func SiteChange(s registry.Site, instruments []registry.Instrument, licences []registry.Licence) (syncfeed.Change, error) {
	return upsert(syncfeed.Sites, syncfeed.EntitySite, s.ID, s.OrgID, syncfeed.SiteScope(s.ID), NewSite(s, instruments, licences))
}

// --- Checklists (dataset checklists, national) ---

// Checklist is schemas/sync-checklist.schema.json: a published checklist version with its template.
type Checklist struct {
	Code          string    `json:"code"`
	Version       int       `json:"version"`
	Title         Text      `json:"title"`
	FacilityTypes []string  `json:"facility_types"`
	Hash          string    `json:"hash"`
	PublishedAt   time.Time `json:"published_at"`
	// Template is the template's canonical JSON (checklist-template.schema.json), whose SHA-256 is
	// Hash.
	Template any `json:"template"`
}

// Text is a text in Vietnamese and in English.
type Text struct {
	VI string `json:"vi"`
	EN string `json:"en"`
}

// ChecklistEntityID is the entity ID of a checklist version in the log: "<code>@<version>".
func ChecklistEntityID(code string, version int) string { return fmt.Sprintf("%s@%d", code, version) }

// NewChecklist is the phone's view of p. It needs p's template.
func NewChecklist(p checklist.Published) (Checklist, error) {
	if p.Template == nil {
		return Checklist{}, errs.E(errs.Op("syncdata.NewChecklist"), "checklist "+ChecklistEntityID(p.Code, p.Number)+" without its template")
	}
	types := make([]string, len(p.FacilityTypes))
	for i, f := range p.FacilityTypes {
		types[i] = string(f)
	}
	slices.Sort(types)
	return Checklist{Code: p.Code, Version: p.Number, Title: Text{VI: p.Title.VI, EN: p.Title.EN}, FacilityTypes: types, Hash: p.Hash,
		PublishedAt: p.PublishedAt.UTC().Truncate(time.Microsecond), Template: json.RawMessage(p.Template.Canonical())}, nil
}

// ChecklistData is the compact JSON of NewChecklist(p).
func ChecklistData(p checklist.Published) ([]byte, error) {
	c, err := NewChecklist(p)
	if err != nil {
		return nil, err
	}
	return json.Marshal(c)
}

// ChecklistChange is the change that sets the published version in the checklists dataset: national
// data (OrgShared, ScopeAll).
func ChecklistChange(p checklist.Published) (syncfeed.Change, error) {
	c, err := NewChecklist(p)
	if err != nil {
		return syncfeed.Change{}, err
	}
	return upsert(syncfeed.Checklists, syncfeed.EntityChecklist, ChecklistEntityID(p.Code, p.Number), syncfeed.OrgShared, syncfeed.ScopeAll, c)
}

// --- The legal catalogue (dataset catalogue, national) ---

// Violation is schemas/sync-violation.schema.json: an entry of the catalogue of administrative
// violations with every dated version of it, the oldest first.
type Violation struct {
	Code     string             `json:"code"`
	Versions []ViolationVersion `json:"versions"`
}

// ViolationVersion is schemas/legal-violation.schema.json, as the console shows it: one version of
// the entry, its fine model (amounts for individuals, null where no source gave them), whether the
// entry is confirmed and whether some amount of its fine is missing.
type ViolationVersion struct {
	ID                  string    `json:"id"`
	Code                string    `json:"code"`
	Decree              *string   `json:"decree"`
	Article             string    `json:"article"`
	Clause              string    `json:"clause"`
	Point               string    `json:"point"`
	LegalBasis          string    `json:"legal_basis"`
	DescriptionVI       string    `json:"description_vi"`
	DescriptionEN       string    `json:"description_en"`
	Sector              string    `json:"sector"`
	Subjects            []string  `json:"subjects"`
	Fine                any       `json:"fine"` // FixedFine, TieredFine or MultipleFine
	WarningAllowed      bool      `json:"warning_allowed"`
	AdditionalPenalties []Measure `json:"additional_penalties"`
	RemedialMeasures    []Measure `json:"remedial_measures"`
	Aliases             []string  `json:"aliases"`
	Corrects            []string  `json:"corrects"`
	Note                *string   `json:"note"`
	Confirmed           bool      `json:"confirmed"`
	Source              string    `json:"source"`
	ValidFrom           string    `json:"valid_from"`
	ValidTo             *string   `json:"valid_to"`
	ReplacedBy          *string   `json:"replaced_by"`
	RangeMissing        bool      `json:"range_missing"`
}

// Measure is an additional penalty or a remedial measure.
type Measure struct {
	Text      string `json:"text"`
	Confirmed bool   `json:"confirmed"`
}

// The three fine models (D14), as legal-violations.schema.json#/$defs has them.
type (
	// FixedFine is a range.
	FixedFine struct {
		Kind string `json:"kind"` // "fixed"
		Min  *int64 `json:"min"`
		Max  *int64 `json:"max"`
	}
	// TieredFine is a range chosen by a declared quantity.
	TieredFine struct {
		Kind     string `json:"kind"` // "tiers"
		Quantity string `json:"quantity"`
		Tiers    []Tier `json:"tiers"`
	}
	// Tier is one tier of a TieredFine, with whether a source confirmed it.
	Tier struct {
		Over       *int64  `json:"over"`
		UpTo       *int64  `json:"up_to"`
		Min        *int64  `json:"min"`
		Max        *int64  `json:"max"`
		LegalBasis string  `json:"legal_basis"`
		Confirmed  bool    `json:"confirmed"`
		Source     string  `json:"source"`
		Note       *string `json:"note"`
	}
	// MultipleFine is a multiple of a declared value.
	MultipleFine struct {
		Kind     string   `json:"kind"` // "multiple"
		Quantity string   `json:"quantity"`
		MinTimes *float64 `json:"min_times"`
		MaxTimes *float64 `json:"max_times"`
	}
)

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// FineOf is the wire form of a fine model (FixedFine, TieredFine or MultipleFine), as
// legal-violations.schema.json#/$defs has it; the console shows the catalogue in the same shape.
func FineOf(m legal.FineModel) any {
	factor := func(f *legal.Factor) *float64 {
		if f == nil {
			return nil
		}
		x := f.Float()
		return &x
	}
	switch m := m.(type) {
	case legal.FixedRange:
		return FixedFine{Kind: "fixed", Min: m.Min, Max: m.Max}
	case legal.Tiers:
		out := TieredFine{Kind: "tiers", Quantity: string(m.Quantity), Tiers: make([]Tier, len(m.Tiers))}
		for i, t := range m.Tiers {
			out.Tiers[i] = Tier{Over: t.Over, UpTo: t.UpTo, Min: t.Range.Min, Max: t.Range.Max, LegalBasis: t.LegalBasis,
				Confirmed: t.Confirmed, Source: t.Source, Note: nullString(t.Note)}
		}
		return out
	case legal.Multiple:
		return MultipleFine{Kind: "multiple", Quantity: string(m.Of), MinTimes: factor(m.MinTimes), MaxTimes: factor(m.MaxTimes)}
	}
	return FixedFine{Kind: "fixed"} // no model: a range nobody knows
}

// Measures is the wire form of additional penalties or remedial measures.
func Measures(ms []legal.Measure) []Measure {
	out := make([]Measure, len(ms))
	for i, m := range ms {
		out[i] = Measure(m)
	}
	return out
}

// NewViolationVersion is the phone's view of one version of a catalogue entry.
func NewViolationVersion(v legal.Violation) ViolationVersion {
	subjects := make([]string, len(v.Subjects))
	for i, s := range v.Subjects {
		subjects[i] = string(s)
	}
	return ViolationVersion{ID: v.ID, Code: v.Code, Decree: nullString(v.Decree), Article: v.Article, Clause: v.Clause,
		Point: v.Point, LegalBasis: v.LegalBasis, DescriptionVI: v.DescriptionVI, DescriptionEN: v.DescriptionEN,
		Sector: string(v.Sector), Subjects: subjects, Fine: FineOf(v.Fine), WarningAllowed: v.WarningAllowed,
		AdditionalPenalties: Measures(v.AdditionalPenalties), RemedialMeasures: Measures(v.RemedialMeasures),
		Aliases: orEmpty(v.Aliases), Corrects: orEmpty(v.Corrects), Note: nullString(v.Note), Confirmed: v.Confirmed,
		Source: v.Source, ValidFrom: v.ValidFrom.String(), ValidTo: nullString(v.ValidTo.String()), ReplacedBy: nullString(v.ReplacedBy),
		RangeMissing: v.RangeMissing()}
}

// NewViolation is the phone's view of the entry code: those of versions that are of that code, by
// their first day (then ID). It is an error when none is.
func NewViolation(code string, versions []legal.Violation) (Violation, error) {
	out := Violation{Code: code}
	for _, v := range versions {
		if v.Code == code {
			out.Versions = append(out.Versions, NewViolationVersion(v))
		}
	}
	if len(out.Versions) == 0 {
		return Violation{}, errs.E(errs.Op("syncdata.NewViolation"), "catalogue entry "+code+" without a version")
	}
	slices.SortFunc(out.Versions, func(a, b ViolationVersion) int {
		return cmp.Or(cmp.Compare(a.ValidFrom, b.ValidFrom), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// ViolationData is the compact JSON of NewViolation.
func ViolationData(code string, versions []legal.Violation) ([]byte, error) {
	v, err := NewViolation(code, versions)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// ViolationChange is the change that sets the entry code in the catalogue dataset: national data
// (OrgShared, ScopeAll), the entity ID being the code.
func ViolationChange(code string, versions []legal.Violation) (syncfeed.Change, error) {
	v, err := NewViolation(code, versions)
	if err != nil {
		return syncfeed.Change{}, err
	}
	return upsert(syncfeed.Catalogue, syncfeed.EntityViolation, code, syncfeed.OrgShared, syncfeed.ScopeAll, v)
}

// Decree is schemas/sync-decree.schema.json: a decree the catalogue's entries cite, with what a
// violation record prints of it (its title, issue date and amendments; docs/documents.md).
type Decree struct {
	Number      string      `json:"number"`
	Title       string      `json:"title"`
	Issued      *string     `json:"issued"`
	InForceFrom string      `json:"in_force_from"`
	InForceTo   *string     `json:"in_force_to"`
	AmendedBy   []Amendment `json:"amended_by"`
}

// Amendment is a document that amended a decree and the day it took effect.
type Amendment struct {
	Number      string `json:"number"`
	InForceFrom string `json:"in_force_from"`
}

// NewDecree is the phone's view of d; the amendments keep the legal data's order.
func NewDecree(d legal.Decree) Decree {
	out := Decree{Number: d.Number, Title: d.Title, Issued: nullString(d.Issued.String()), InForceFrom: d.InForceFrom.String(),
		InForceTo: nullString(d.InForceTo.String()), AmendedBy: make([]Amendment, len(d.AmendedBy))}
	for i, a := range d.AmendedBy {
		out.AmendedBy[i] = Amendment{Number: a.Number, InForceFrom: a.InForceFrom.String()}
	}
	return out
}

// DecreeData is the compact JSON of NewDecree(d).
func DecreeData(d legal.Decree) ([]byte, error) { return json.Marshal(NewDecree(d)) }

// DecreeChange is the change that sets the decree in the catalogue dataset: national data
// (OrgShared, ScopeAll), the entity ID being the decree's number.
func DecreeChange(d legal.Decree) (syncfeed.Change, error) {
	return upsert(syncfeed.Catalogue, syncfeed.EntityDecree, d.Number, syncfeed.OrgShared, syncfeed.ScopeAll, NewDecree(d))
}

// --- Number blocks (dataset numbers) ---

// NumberBlock is schemas/sync-number-block.schema.json: a block of record numbers reserved to the
// phone (D9), with what became of the numbers marked so far (the others are still the phone's), and
// the names a record of these numbers prints as its issuing body.
type NumberBlock struct {
	IssuingUnitID    string       `json:"issuing_unit_id"`
	IssuingUnitName  string       `json:"issuing_unit_name"`
	OrganisationName string       `json:"organisation_name"`
	Year             int          `json:"year"`
	First            int          `json:"first"`
	Last             int          `json:"last"`
	ReservedAt       time.Time    `json:"reserved_at"`
	Marks            []NumberMark `json:"marks"`
}

// NumberMark is a number of the block used on a record or voided.
type NumberMark struct {
	Number   int    `json:"number"`
	State    string `json:"state"`
	EntityID string `json:"entity_id,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// IssuingBody names the body a block's records are drawn up by: the organisation's name and the
// issuing unit's (the form's "issuing body", docs/documents.md).
type IssuingBody struct {
	Organisation string
	Unit         string
}

// NewNumberBlock is the phone's view of b, issued by body, with those of marks that are on its
// numbers, by number.
func NewNumberBlock(b numbering.Block, marks []numbering.Mark, body IssuingBody) NumberBlock {
	out := NumberBlock{IssuingUnitID: b.Series.IssuingUnitID, IssuingUnitName: body.Unit, OrganisationName: body.Organisation,
		Year: b.Series.Year, First: b.First, Last: b.Last,
		ReservedAt: b.ReservedAt.UTC().Truncate(time.Microsecond), Marks: []NumberMark{}}
	for _, m := range marks {
		if m.Series.IssuingUnitID == b.Series.IssuingUnitID && m.Series.Year == b.Series.Year && b.Contains(m.Number) {
			out.Marks = append(out.Marks, NumberMark{Number: m.Number, State: string(m.State), EntityID: m.EntityID, Reason: m.Reason})
		}
	}
	slices.SortFunc(out.Marks, func(a, b NumberMark) int { return cmp.Compare(a.Number, b.Number) })
	return out
}

// NumberBlockData is the compact JSON of NewNumberBlock.
func NumberBlockData(b numbering.Block, marks []numbering.Mark, body IssuingBody) ([]byte, error) {
	return json.Marshal(NewNumberBlock(b, marks, body))
}

// NumberBlockChange is the change that sets the block in the numbers dataset, in its device's scope.
func NumberBlockChange(b numbering.Block, marks []numbering.Mark, body IssuingBody) (syncfeed.Change, error) {
	return upsert(syncfeed.Numbers, syncfeed.EntityNumberBlock, b.ID, b.Series.OrgID, syncfeed.DeviceScope(b.DeviceID),
		NewNumberBlock(b, marks, body))
}
