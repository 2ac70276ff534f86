package registry

import (
	"context"
	"slices"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/paging"
)

// Store persists the registry. Every method is scoped to one organisation: rows of another are never
// read, returned or changed.
type Store interface {
	// AdminUnits returns the organisation's administrative units (see adminunit.Store).
	AdminUnits(ctx context.Context, orgID string) ([]adminunit.Unit, []adminunit.Succession, error)
	// ReadRegistry returns every row that any key of l names, sites with their unit history.
	ReadRegistry(ctx context.Context, orgID string, l Lookup) (Snapshot, error)
	// ChangeRegistry reads what l names inside one write transaction (the rows locked on PostgreSQL),
	// calls plan with it, and writes the changes plan returns together with their audit entries. An
	// error from plan rolls the transaction back and is returned unchanged. A unique key taken by a
	// concurrent transaction is errs.Conflict. plan must do no I/O: it runs while the transaction is open.
	ChangeRegistry(ctx context.Context, orgID string, l Lookup, plan func(Snapshot) (Changes, error)) error

	ListSubjects(ctx context.Context, orgID string, f SubjectFilter) (Page[Subject], error)
	ListSites(ctx context.Context, orgID string, f SiteFilter) (Page[Site], error)
	ListInstruments(ctx context.Context, orgID string, f InstrumentFilter) (Page[Instrument], error)
	ListLicences(ctx context.Context, orgID string, f LicenceFilter) (Page[Licence], error)

	// CreateIssuingUnit stores a new issuing unit; a code already used is errs.CodeIssuingUnitTaken.
	CreateIssuingUnit(ctx context.Context, u IssuingUnit, e audit.Entry) error
	// UpdateIssuingUnit replaces an issuing unit's fields.
	UpdateIssuingUnit(ctx context.Context, u IssuingUnit, e audit.Entry) error
	IssuingUnit(ctx context.Context, orgID, id string) (IssuingUnit, error)
	// IssuingUnits lists the organisation's issuing units by code.
	IssuingUnits(ctx context.Context, orgID string) ([]IssuingUnit, error)
}

// Lookup names rows of the registry by their IDs and natural keys. Empty strings are ignored.
type Lookup struct {
	SubjectIDs, TaxCodes, IDNumbers []string
	SiteIDs, AddressKeys            []string // AddressKeys as made by AddressKey
	InstrumentIDs, Serials          []string // Serials normalised; any kind
	LicenceIDs, LicenceNumbers      []string // any kind
}

// Snapshot holds the rows a Lookup found.
type Snapshot struct {
	Subjects    []Subject
	Sites       []Site
	Instruments []Instrument
	Licences    []Licence
}

// SubjectByID returns the subject with the ID from the snapshot.
func (s Snapshot) SubjectByID(id string) (Subject, bool) {
	i := slices.IndexFunc(s.Subjects, func(x Subject) bool { return x.ID == id })
	if i < 0 {
		return Subject{}, false
	}
	return s.Subjects[i], true
}

// SiteByID returns the site with the ID from the snapshot.
func (s Snapshot) SiteByID(id string) (Site, bool) {
	i := slices.IndexFunc(s.Sites, func(x Site) bool { return x.ID == id })
	if i < 0 {
		return Site{}, false
	}
	return s.Sites[i], true
}

// InstrumentByID returns the instrument with the ID from the snapshot.
func (s Snapshot) InstrumentByID(id string) (Instrument, bool) {
	i := slices.IndexFunc(s.Instruments, func(x Instrument) bool { return x.ID == id })
	if i < 0 {
		return Instrument{}, false
	}
	return s.Instruments[i], true
}

// LicenceByID returns the licence with the ID from the snapshot.
func (s Snapshot) LicenceByID(id string) (Licence, bool) {
	i := slices.IndexFunc(s.Licences, func(x Licence) bool { return x.ID == id })
	if i < 0 {
		return Licence{}, false
	}
	return s.Licences[i], true
}

// Changes is what one ChangeRegistry transaction writes. Creations come in dependency order (a
// site's subject before the site); an updated site's unit history is replaced by Site.Units.
type Changes struct {
	CreateSubjects, UpdateSubjects       []Subject
	CreateSites, UpdateSites             []Site
	CreateInstruments, UpdateInstruments []Instrument
	CreateLicences, UpdateLicences       []Licence
	Audit                                []audit.Entry
}

// ListOptions page and sort a list. Sort is one of the keys the list offers, "-" in front for
// descending; empty is the list's default. Ties are broken by ID, so that pages are stable.
type ListOptions struct {
	paging.Page
	Sort string
}

// Page is one page of a list, with the number of items on all pages together.
type Page[T any] struct {
	Items []T
	Total int
	paging.Page
}

// The sort keys each list offers; the first is the default.
var (
	SubjectSorts    = []string{"name", "-name", "created", "-created", "tax_code", "-tax_code"}
	SiteSorts       = []string{"name", "-name", "created", "-created", "type", "-type", "address", "-address"}
	InstrumentSorts = []string{"serial", "-serial", "created", "-created", "verification_expiry", "-verification_expiry", "kind", "-kind"}
	LicenceSorts    = []string{"expiry", "-expiry", "number", "-number", "created", "-created", "issued", "-issued"}
)

// normalise defaults and caps the page (paging.Page.Normal) and checks the sort key.
func (o ListOptions) normalise(sorts []string) (ListOptions, []errs.FieldError) {
	o.Page = o.Page.Normal()
	switch {
	case o.Sort == "":
		o.Sort = sorts[0]
	case !slices.Contains(sorts, o.Sort):
		return o, []errs.FieldError{{Field: "sort", Code: errs.CodeInvalidSort}}
	}
	return o, nil
}

// SubjectFilter selects subjects.
type SubjectFilter struct {
	ListOptions
	Kind SubjectKind
	Text string // in the name, tax code, ID number, representative or address; case and diacritics ignored
}

// SiteFilter selects sites.
type SiteFilter struct {
	ListOptions
	Type      SiteType
	SubjectID string
	// UnitCode selects the sites in the unit or in any unit below it; with On, only on that day
	// (the site's history and the units' parents as they were that day), otherwise on any day.
	UnitCode string
	On       time.Time
	Text     string // in the name or address; case and diacritics ignored
}

// InstrumentFilter selects instruments.
type InstrumentFilter struct {
	ListOptions
	SiteID string
	Kind   InstrumentKind
	Text   string // in the serial, model or manufacturer
	// VerificationExpiresBefore selects instruments whose verification ends before that day.
	VerificationExpiresBefore time.Time
}

// LicenceFilter selects licences.
type LicenceFilter struct {
	ListOptions
	SiteID string
	Kind   LicenceKind
	Text   string // in the number or the holder's name
	// ExpiresBefore selects licences whose last valid day is before that day.
	ExpiresBefore time.Time
}
