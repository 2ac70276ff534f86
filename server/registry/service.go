package registry

import (
	"context"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// Service applies the rules of the registry: who may read and change it, what a valid entry is, and
// the audit entry each change leaves. The HTTP handlers, the importer and the command line go
// through it.
//
// An organisation's administrator (and a system administrator) changes its registry; its chiefs,
// directors and inspectors read it. Errors: errs.Forbidden (role_required) for anyone else;
// errs.Invalid (validation_failed) with the fields named; errs.NotFound for an ID of no entity of the
// organisation (another organisation's IDs included); errs.Conflict with the field named when a
// natural key is taken (tax_code_taken, id_number_taken, site_address_taken, serial_taken,
// licence_number_taken, issuing_unit_taken).
type Service struct {
	Store Store
	Clock clock.Clock
	IDs   clock.IDs
}

// CanRead reports whether p may read the organisation's registry.
func CanRead(p identity.Principal, orgID string) bool {
	return p.CanAdminister(orgID) ||
		(p.OrgID == orgID && p.Has(identity.RoleChief, identity.RoleDirector, identity.RoleInspector))
}

// CanChange reports whether p may change the organisation's registry.
func CanChange(p identity.Principal, orgID string) bool { return p.CanAdminister(orgID) }

func forbidden(op errs.Op) error { return errs.E(op, errs.Forbidden, errs.CodeRoleRequired) }

func invalid(op errs.Op, fields []errs.FieldError) error {
	return errs.E(op, errs.Invalid, errs.CodeValidation, fields)
}

// conflict is the error of a natural key taken: the kind is the catalogue's for the first field's code.
func conflict(fields []errs.FieldError) error {
	return errs.E(errs.Conflict, fields[0].Code, fields)
}

func notFound(code errs.Code) error { return errs.E(errs.NotFound, code) }

func wrap(op errs.Op, err error) error {
	if err == nil {
		return nil
	}
	return errs.E(op, err)
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// CreateSubject registers a subject.
func (s *Service) CreateSubject(ctx context.Context, p identity.Principal, in Subject) (Subject, error) {
	const op = errs.Op("registry.CreateSubject")
	if !CanChange(p, in.OrgID) {
		return Subject{}, forbidden(op)
	}
	in = NormaliseSubject(in)
	if f := ValidateSubject(in); len(f) > 0 {
		return Subject{}, invalid(op, f)
	}
	now := s.Clock.Now().UTC()
	in.ID, in.CreatedAt, in.UpdatedAt = s.IDs.NewID(), now, now
	l := Lookup{TaxCodes: nonEmpty(in.TaxCode), IDNumbers: nonEmpty(in.IDNumber)}
	err := s.Store.ChangeRegistry(ctx, in.OrgID, l, func(snap Snapshot) (Changes, error) {
		if f := SubjectConflicts(snap.Subjects, in); len(f) > 0 {
			return Changes{}, conflict(f)
		}
		return Changes{CreateSubjects: []Subject{in},
			Audit: []audit.Entry{Entry(p, now, in.OrgID, "subject/"+in.ID, ActionSubjectCreate, SubjectData(in), nil)}}, nil
	})
	return in, wrap(op, err)
}

// UpdateSubject replaces the fields of the subject in.ID with those of in. Nothing is written or
// audited when nothing changed.
func (s *Service) UpdateSubject(ctx context.Context, p identity.Principal, in Subject) (Subject, error) {
	const op = errs.Op("registry.UpdateSubject")
	if !CanChange(p, in.OrgID) {
		return Subject{}, forbidden(op)
	}
	in = NormaliseSubject(in)
	if f := ValidateSubject(in); len(f) > 0 {
		return Subject{}, invalid(op, f)
	}
	now := s.Clock.Now().UTC()
	l := Lookup{SubjectIDs: []string{in.ID}, TaxCodes: nonEmpty(in.TaxCode), IDNumbers: nonEmpty(in.IDNumber)}
	err := s.Store.ChangeRegistry(ctx, in.OrgID, l, func(snap Snapshot) (Changes, error) {
		old, ok := snap.SubjectByID(in.ID)
		if !ok {
			return Changes{}, notFound(errs.CodeSubjectNotFound)
		}
		if f := SubjectConflicts(snap.Subjects, in); len(f) > 0 {
			return Changes{}, conflict(f)
		}
		in.CreatedAt, in.UpdatedAt = old.CreatedAt, old.UpdatedAt
		changed := SubjectChanges(old, in)
		if len(changed) == 0 {
			return Changes{}, nil
		}
		in.UpdatedAt = now
		return Changes{UpdateSubjects: []Subject{in},
			Audit: []audit.Entry{Entry(p, now, in.OrgID, "subject/"+in.ID, ActionSubjectUpdate, SubjectData(in), changed)}}, nil
	})
	return in, wrap(op, err)
}

// Subject returns one subject of the organisation.
func (s *Service) Subject(ctx context.Context, p identity.Principal, orgID, id string) (Subject, error) {
	return readOne(ctx, s, p, orgID, "registry.Subject", Lookup{SubjectIDs: []string{id}},
		func(snap Snapshot) (Subject, bool) { return snap.SubjectByID(id) }, errs.CodeSubjectNotFound)
}

// Subjects lists the organisation's subjects.
func (s *Service) Subjects(ctx context.Context, p identity.Principal, orgID string, f SubjectFilter) (Page[Subject], error) {
	return listPage(p, orgID, "registry.Subjects", &f.ListOptions, SubjectSorts,
		func() (Page[Subject], error) { return s.Store.ListSubjects(ctx, orgID, f) })
}

// prepareSite normalises and validates a site and resolves its unit history against the
// organisation's units.
func (s *Service) prepareSite(ctx context.Context, op errs.Op, in Site) (Site, error) {
	in = NormaliseSite(in)
	fields := ValidateSite(in)
	units, _, err := s.Store.AdminUnits(ctx, in.OrgID)
	if err != nil {
		return Site{}, errs.E(op, err)
	}
	resolved, uf := ResolveSiteUnits(units, in.Units)
	if fields = append(fields, uf...); len(fields) > 0 {
		return Site{}, invalid(op, fields)
	}
	in.Units = resolved
	return in, nil
}

// CreateSite registers a site of a subject. Its unit history is given as unit codes, each with or
// without dates (see ResolveSiteUnits).
func (s *Service) CreateSite(ctx context.Context, p identity.Principal, in Site) (Site, error) {
	const op = errs.Op("registry.CreateSite")
	if !CanChange(p, in.OrgID) {
		return Site{}, forbidden(op)
	}
	in, err := s.prepareSite(ctx, op, in)
	if err != nil {
		return Site{}, err
	}
	now := s.Clock.Now().UTC()
	in.ID, in.CreatedAt, in.UpdatedAt = s.IDs.NewID(), now, now
	l := Lookup{SubjectIDs: []string{in.SubjectID}, AddressKeys: []string{AddressKey(in.Address)}}
	err = s.Store.ChangeRegistry(ctx, in.OrgID, l, func(snap Snapshot) (Changes, error) {
		if _, ok := snap.SubjectByID(in.SubjectID); !ok {
			return Changes{}, notFound(errs.CodeSubjectNotFound)
		}
		if f := SiteConflicts(snap.Sites, in); len(f) > 0 {
			return Changes{}, conflict(f)
		}
		return Changes{CreateSites: []Site{in},
			Audit: []audit.Entry{Entry(p, now, in.OrgID, "site/"+in.ID, ActionSiteCreate, SiteData(in), nil)}}, nil
	})
	return in, wrap(op, err)
}

// UpdateSite replaces the fields and the unit history of the site in.ID with those of in.
func (s *Service) UpdateSite(ctx context.Context, p identity.Principal, in Site) (Site, error) {
	const op = errs.Op("registry.UpdateSite")
	if !CanChange(p, in.OrgID) {
		return Site{}, forbidden(op)
	}
	in, err := s.prepareSite(ctx, op, in)
	if err != nil {
		return Site{}, err
	}
	now := s.Clock.Now().UTC()
	l := Lookup{SiteIDs: []string{in.ID}, SubjectIDs: []string{in.SubjectID}, AddressKeys: []string{AddressKey(in.Address)}}
	err = s.Store.ChangeRegistry(ctx, in.OrgID, l, func(snap Snapshot) (Changes, error) {
		old, ok := snap.SiteByID(in.ID)
		if !ok {
			return Changes{}, notFound(errs.CodeSiteNotFound)
		}
		if _, ok := snap.SubjectByID(in.SubjectID); !ok {
			return Changes{}, notFound(errs.CodeSubjectNotFound)
		}
		if f := SiteConflicts(snap.Sites, in); len(f) > 0 {
			return Changes{}, conflict(f)
		}
		in.CreatedAt, in.UpdatedAt = old.CreatedAt, old.UpdatedAt
		changed := SiteChanges(old, in)
		if len(changed) == 0 {
			return Changes{}, nil
		}
		in.UpdatedAt = now
		return Changes{UpdateSites: []Site{in},
			Audit: []audit.Entry{Entry(p, now, in.OrgID, "site/"+in.ID, ActionSiteUpdate, SiteData(in), changed)}}, nil
	})
	return in, wrap(op, err)
}

// Site returns one site of the organisation with its unit history.
func (s *Service) Site(ctx context.Context, p identity.Principal, orgID, id string) (Site, error) {
	return readOne(ctx, s, p, orgID, "registry.Site", Lookup{SiteIDs: []string{id}},
		func(snap Snapshot) (Site, bool) { return snap.SiteByID(id) }, errs.CodeSiteNotFound)
}

// Sites lists the organisation's sites with their unit histories.
func (s *Service) Sites(ctx context.Context, p identity.Principal, orgID string, f SiteFilter) (Page[Site], error) {
	return listPage(p, orgID, "registry.Sites", &f.ListOptions, SiteSorts,
		func() (Page[Site], error) { return s.Store.ListSites(ctx, orgID, f) })
}

// CreateInstrument registers an instrument at a site. A serial of that kind already at another site of
// the organisation is refused (serial_taken): an instrument belongs to one site.
func (s *Service) CreateInstrument(ctx context.Context, p identity.Principal, in Instrument) (Instrument, error) {
	const op = errs.Op("registry.CreateInstrument")
	if !CanChange(p, in.OrgID) {
		return Instrument{}, forbidden(op)
	}
	in = NormaliseInstrument(in)
	if f := ValidateInstrument(in); len(f) > 0 {
		return Instrument{}, invalid(op, f)
	}
	now := s.Clock.Now().UTC()
	in.ID, in.CreatedAt, in.UpdatedAt = s.IDs.NewID(), now, now
	l := Lookup{SiteIDs: []string{in.SiteID}, Serials: []string{in.Serial}}
	err := s.Store.ChangeRegistry(ctx, in.OrgID, l, func(snap Snapshot) (Changes, error) {
		if _, ok := snap.SiteByID(in.SiteID); !ok {
			return Changes{}, notFound(errs.CodeSiteNotFound)
		}
		if f := InstrumentConflicts(snap.Instruments, in); len(f) > 0 {
			return Changes{}, conflict(f)
		}
		return Changes{CreateInstruments: []Instrument{in},
			Audit: []audit.Entry{Entry(p, now, in.OrgID, "instrument/"+in.ID, ActionInstrumentCreate, InstrumentData(in), nil)}}, nil
	})
	return in, wrap(op, err)
}

// UpdateInstrument replaces the fields of the instrument in.ID with those of in. Changing its site
// moves the instrument (the serial stays with one site).
func (s *Service) UpdateInstrument(ctx context.Context, p identity.Principal, in Instrument) (Instrument, error) {
	const op = errs.Op("registry.UpdateInstrument")
	if !CanChange(p, in.OrgID) {
		return Instrument{}, forbidden(op)
	}
	in = NormaliseInstrument(in)
	if f := ValidateInstrument(in); len(f) > 0 {
		return Instrument{}, invalid(op, f)
	}
	now := s.Clock.Now().UTC()
	l := Lookup{InstrumentIDs: []string{in.ID}, SiteIDs: []string{in.SiteID}, Serials: []string{in.Serial}}
	err := s.Store.ChangeRegistry(ctx, in.OrgID, l, func(snap Snapshot) (Changes, error) {
		old, ok := snap.InstrumentByID(in.ID)
		if !ok {
			return Changes{}, notFound(errs.CodeInstrumentNotFound)
		}
		if _, ok := snap.SiteByID(in.SiteID); !ok {
			return Changes{}, notFound(errs.CodeSiteNotFound)
		}
		if f := InstrumentConflicts(snap.Instruments, in); len(f) > 0 {
			return Changes{}, conflict(f)
		}
		in.CreatedAt, in.UpdatedAt = old.CreatedAt, old.UpdatedAt
		changed := InstrumentChanges(old, in)
		if len(changed) == 0 {
			return Changes{}, nil
		}
		in.UpdatedAt = now
		return Changes{UpdateInstruments: []Instrument{in},
			Audit: []audit.Entry{Entry(p, now, in.OrgID, "instrument/"+in.ID, ActionInstrumentUpdate, InstrumentData(in), changed)}}, nil
	})
	return in, wrap(op, err)
}

// Instrument returns one instrument of the organisation.
func (s *Service) Instrument(ctx context.Context, p identity.Principal, orgID, id string) (Instrument, error) {
	return readOne(ctx, s, p, orgID, "registry.Instrument", Lookup{InstrumentIDs: []string{id}},
		func(snap Snapshot) (Instrument, bool) { return snap.InstrumentByID(id) }, errs.CodeInstrumentNotFound)
}

// Instruments lists the organisation's instruments.
func (s *Service) Instruments(ctx context.Context, p identity.Principal, orgID string, f InstrumentFilter) (Page[Instrument], error) {
	return listPage(p, orgID, "registry.Instruments", &f.ListOptions, InstrumentSorts,
		func() (Page[Instrument], error) { return s.Store.ListInstruments(ctx, orgID, f) })
}

// CreateLicence registers a licence or certificate.
func (s *Service) CreateLicence(ctx context.Context, p identity.Principal, in Licence) (Licence, error) {
	const op = errs.Op("registry.CreateLicence")
	if !CanChange(p, in.OrgID) {
		return Licence{}, forbidden(op)
	}
	in = NormaliseLicence(in)
	if f := ValidateLicence(in); len(f) > 0 {
		return Licence{}, invalid(op, f)
	}
	now := s.Clock.Now().UTC()
	in.ID, in.CreatedAt, in.UpdatedAt = s.IDs.NewID(), now, now
	l := Lookup{SiteIDs: nonEmpty(in.SiteID), LicenceNumbers: []string{in.Number}}
	err := s.Store.ChangeRegistry(ctx, in.OrgID, l, func(snap Snapshot) (Changes, error) {
		if _, ok := snap.SiteByID(in.SiteID); in.SiteID != "" && !ok {
			return Changes{}, notFound(errs.CodeSiteNotFound)
		}
		if f := LicenceConflicts(snap.Licences, in); len(f) > 0 {
			return Changes{}, conflict(f)
		}
		return Changes{CreateLicences: []Licence{in},
			Audit: []audit.Entry{Entry(p, now, in.OrgID, "licence/"+in.ID, ActionLicenceCreate, LicenceData(in), nil)}}, nil
	})
	return in, wrap(op, err)
}

// UpdateLicence replaces the fields of the licence in.ID with those of in.
func (s *Service) UpdateLicence(ctx context.Context, p identity.Principal, in Licence) (Licence, error) {
	const op = errs.Op("registry.UpdateLicence")
	if !CanChange(p, in.OrgID) {
		return Licence{}, forbidden(op)
	}
	in = NormaliseLicence(in)
	if f := ValidateLicence(in); len(f) > 0 {
		return Licence{}, invalid(op, f)
	}
	now := s.Clock.Now().UTC()
	l := Lookup{LicenceIDs: []string{in.ID}, SiteIDs: nonEmpty(in.SiteID), LicenceNumbers: []string{in.Number}}
	err := s.Store.ChangeRegistry(ctx, in.OrgID, l, func(snap Snapshot) (Changes, error) {
		old, ok := snap.LicenceByID(in.ID)
		if !ok {
			return Changes{}, notFound(errs.CodeLicenceNotFound)
		}
		if _, ok := snap.SiteByID(in.SiteID); in.SiteID != "" && !ok {
			return Changes{}, notFound(errs.CodeSiteNotFound)
		}
		if f := LicenceConflicts(snap.Licences, in); len(f) > 0 {
			return Changes{}, conflict(f)
		}
		in.CreatedAt, in.UpdatedAt = old.CreatedAt, old.UpdatedAt
		changed := LicenceChanges(old, in)
		if len(changed) == 0 {
			return Changes{}, nil
		}
		in.UpdatedAt = now
		return Changes{UpdateLicences: []Licence{in},
			Audit: []audit.Entry{Entry(p, now, in.OrgID, "licence/"+in.ID, ActionLicenceUpdate, LicenceData(in), changed)}}, nil
	})
	return in, wrap(op, err)
}

// Licence returns one licence of the organisation.
func (s *Service) Licence(ctx context.Context, p identity.Principal, orgID, id string) (Licence, error) {
	return readOne(ctx, s, p, orgID, "registry.Licence", Lookup{LicenceIDs: []string{id}},
		func(snap Snapshot) (Licence, bool) { return snap.LicenceByID(id) }, errs.CodeLicenceNotFound)
}

// Licences lists the organisation's licences.
func (s *Service) Licences(ctx context.Context, p identity.Principal, orgID string, f LicenceFilter) (Page[Licence], error) {
	return listPage(p, orgID, "registry.Licences", &f.ListOptions, LicenceSorts,
		func() (Page[Licence], error) { return s.Store.ListLicences(ctx, orgID, f) })
}

// CreateIssuingUnit registers an issuing unit of the organisation.
func (s *Service) CreateIssuingUnit(ctx context.Context, p identity.Principal, in IssuingUnit) (IssuingUnit, error) {
	const op = errs.Op("registry.CreateIssuingUnit")
	if !CanChange(p, in.OrgID) {
		return IssuingUnit{}, forbidden(op)
	}
	in = NormaliseIssuingUnit(in)
	if f := ValidateIssuingUnit(in); len(f) > 0 {
		return IssuingUnit{}, invalid(op, f)
	}
	now := s.Clock.Now().UTC()
	in.ID, in.CreatedAt, in.UpdatedAt = s.IDs.NewID(), now, now
	e := Entry(p, now, in.OrgID, "issuing_unit/"+in.ID, ActionIssuingUnitCreate, IssuingUnitData(in), nil)
	return in, wrap(op, s.Store.CreateIssuingUnit(ctx, in, e))
}

// UpdateIssuingUnit replaces the fields of the issuing unit in.ID with those of in.
func (s *Service) UpdateIssuingUnit(ctx context.Context, p identity.Principal, in IssuingUnit) (IssuingUnit, error) {
	const op = errs.Op("registry.UpdateIssuingUnit")
	if !CanChange(p, in.OrgID) {
		return IssuingUnit{}, forbidden(op)
	}
	in = NormaliseIssuingUnit(in)
	if f := ValidateIssuingUnit(in); len(f) > 0 {
		return IssuingUnit{}, invalid(op, f)
	}
	old, err := s.Store.IssuingUnit(ctx, in.OrgID, in.ID)
	if err != nil {
		return IssuingUnit{}, errs.E(op, err)
	}
	in.CreatedAt, in.UpdatedAt = old.CreatedAt, old.UpdatedAt
	changed := IssuingUnitChanges(old, in)
	if len(changed) == 0 {
		return in, nil
	}
	in.UpdatedAt = s.Clock.Now().UTC()
	e := Entry(p, in.UpdatedAt, in.OrgID, "issuing_unit/"+in.ID, ActionIssuingUnitUpdate, IssuingUnitData(in), changed)
	return in, wrap(op, s.Store.UpdateIssuingUnit(ctx, in, e))
}

// IssuingUnits lists the organisation's issuing units. Every member of the organisation reads them
// (clerks and phones show them in numbers).
func (s *Service) IssuingUnits(ctx context.Context, p identity.Principal, orgID string) ([]IssuingUnit, error) {
	const op = errs.Op("registry.IssuingUnits")
	if p.OrgID != orgID && !p.Has(identity.RoleSystemAdmin) {
		return nil, errs.E(op, errs.Forbidden, errs.CodeWrongOrganisation)
	}
	units, err := s.Store.IssuingUnits(ctx, orgID)
	return units, wrap(op, err)
}

// readOne reads one entity of the organisation through a snapshot: the caller must be a reader, and an
// ID the snapshot does not hold is not found (with the entity's own code).
func readOne[T any](ctx context.Context, s *Service, p identity.Principal, orgID string, op errs.Op, l Lookup,
	find func(Snapshot) (T, bool), missing errs.Code) (T, error) {
	var zero T
	if !CanRead(p, orgID) {
		return zero, forbidden(op)
	}
	snap, err := s.Store.ReadRegistry(ctx, orgID, l)
	if err != nil {
		return zero, errs.E(op, err)
	}
	if x, ok := find(snap); ok {
		return x, nil
	}
	return zero, errs.E(op, notFound(missing))
}

// listPage lists one page of entities: the caller must be a reader, and the page and sort key are
// normalised (an unknown key is invalid) before list runs with them.
func listPage[T any](p identity.Principal, orgID string, op errs.Op, o *ListOptions, sorts []string,
	list func() (Page[T], error)) (Page[T], error) {
	if !CanRead(p, orgID) {
		return Page[T]{}, forbidden(op)
	}
	var fields []errs.FieldError
	if *o, fields = o.normalise(sorts); len(fields) > 0 {
		return Page[T]{}, invalid(op, fields)
	}
	page, err := list()
	return page, wrap(op, err)
}
