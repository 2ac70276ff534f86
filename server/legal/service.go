package legal

import (
	"context"
	"slices"
	"strconv"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// Store persists the legal reference data. It is national (no organisation ID). Every change is
// written in one transaction with its audit event.
type Store interface {
	// LegalCatalogue reads every version of every entry.
	LegalCatalogue(ctx context.Context) (Catalogue, error)
	// UpsertViolation stores version v of a catalogue entry as ReviseViolation decides against the
	// versions stored for its code (today being the store clock's day in Vietnam), and records e with
	// the revision in its data. Conflicts are errs.Conflict (CodeLegalVersionInForce,
	// CodeLegalVersionOrder).
	UpsertViolation(ctx context.Context, v Violation, e audit.Entry) (Revision, error)
	// SetFineRange fills the unknown range of the version with that ID (of its tier *tier for a
	// tiered fine) as FillRange does, and records e on the chain of the version's code (the store
	// sets e.Chain, which the caller cannot know before the version is found). An unknown ID is errs.NotFound
	// (CodeViolationNotFound); a known range is errs.Conflict (CodeFineRangePresent).
	SetFineRange(ctx context.Context, id string, tier *int, r FixedRange, confirmed bool, source string, e audit.Entry) (Violation, error)
}

// Service applies the rules for editing the legal reference data: only a system administrator may
// change it (D24), every input is validated with field errors, every change is audited on the chain
// legal/violation/<code>. Anyone may read it.
type Service struct {
	Store Store
	Clock clock.Clock
	IDs   clock.IDs
}

// ViolationChain is the audit chain of a catalogue entry.
func ViolationChain(code string) string { return "legal/violation/" + code }

// Catalogue reads the whole catalogue, every version of every entry.
func (s *Service) Catalogue(ctx context.Context) (Catalogue, error) {
	c, err := s.Store.LegalCatalogue(ctx)
	if err != nil {
		return Catalogue{}, errs.E(errs.Op("legal.Catalogue"), err)
	}
	return c, nil
}

func (s *Service) mayEdit(op errs.Op, p identity.Principal) error {
	if !p.Has(identity.RoleSystemAdmin) {
		return errs.E(op, errs.Forbidden, errs.CodeRoleRequired, "national legal data is edited only by a system administrator")
	}
	return nil
}

// UpsertViolation adds a version of a catalogue entry, new or replacing the current one from
// in.ValidFrom (see ReviseViolation): a version that has been in force is never changed in place.
// in.ID and in.ReplacedBy are set by the service. The decree cited must be in the catalogue, and the
// code must not be another entry's alias.
func (s *Service) UpsertViolation(ctx context.Context, p identity.Principal, in Violation) (Revision, error) {
	const op = errs.Op("legal.UpsertViolation")
	if err := s.mayEdit(op, p); err != nil {
		return Revision{}, err
	}
	fields := in.Validate()
	cat, err := s.Store.LegalCatalogue(ctx)
	if err != nil {
		return Revision{}, errs.E(op, err)
	}
	if in.Decree != "" {
		if _, err := cat.Decree(in.Decree); err != nil {
			fields = append(fields, errs.FieldError{Field: "decree", Code: errs.CodeDecreeNotFound})
		}
	}
	if canon := cat.CanonicalCode(in.Code); canon != in.Code {
		fields = append(fields, errs.FieldError{Field: "code", Code: errs.CodeInvalidValue})
	}
	for i, a := range in.Aliases {
		isCode := slices.ContainsFunc(cat.Violations, func(v Violation) bool { return v.Code == a })
		owner := cat.CanonicalCode(a) // a itself unless a is an alias
		if isCode || (owner != a && owner != in.Code) {
			fields = append(fields, errs.FieldError{Field: "aliases[" + strconv.Itoa(i) + "]", Code: errs.CodeInvalidValue})
		}
	}
	if len(fields) > 0 {
		return Revision{}, errs.E(op, errs.Invalid, errs.CodeValidation, fields)
	}
	in.ID = s.IDs.NewID()
	in.ReplacedBy = ""
	e := audit.Entry{Chain: ViolationChain(in.Code), Action: "legal.violation.upsert", ActorAccountID: p.AccountID,
		ActorPersonID: p.PersonID, At: s.Clock.Now(), Data: ViolationAuditData(in)}
	rev, err := s.Store.UpsertViolation(ctx, in, e)
	if err != nil {
		return Revision{}, errs.E(op, err)
	}
	return rev, nil
}

// RangeInput is a fine range read from a source, for a version whose range was not known.
type RangeInput struct {
	VersionID string
	Tier      *int // the tier's index, for a tiered fine; nil for a fixed range
	Min, Max  int64
	Confirmed bool   // the amounts were read in a named source
	Source    string // where they were read, e.g. "VBHN 04/VBHN-BKHCN, Điều 6 khoản 2"
}

// SetMissingRange enters a range that no source had given (see FillRange): the one change made in
// place on a version that has been in force. A known range is errs.Conflict (CodeFineRangePresent).
func (s *Service) SetMissingRange(ctx context.Context, p identity.Principal, in RangeInput) (Violation, error) {
	const op = errs.Op("legal.SetMissingRange")
	if err := s.mayEdit(op, p); err != nil {
		return Violation{}, err
	}
	r := FixedRange{Min: &in.Min, Max: &in.Max}
	var fields []errs.FieldError
	if in.VersionID == "" {
		fields = append(fields, errs.FieldError{Field: "version_id", Code: errs.CodeRequired})
	}
	if f := validateRange("", r); len(f) > 0 {
		fields = append(fields, errs.FieldError{Field: "max", Code: errs.CodeInvalidValue})
	}
	fields = append(fields, text("source", in.Source, 1000, true)...)
	if len(fields) > 0 {
		return Violation{}, errs.E(op, errs.Invalid, errs.CodeValidation, fields)
	}
	data := map[string]any{"version_id": in.VersionID, "min": in.Min, "max": in.Max, "confirmed": in.Confirmed, "source": in.Source}
	if in.Tier != nil {
		data["tier"] = *in.Tier
	}
	// The chain is known once the store has found the version; it fills in the code.
	e := audit.Entry{Action: "legal.violation.set_range", ActorAccountID: p.AccountID, ActorPersonID: p.PersonID,
		At: s.Clock.Now(), Data: data}
	v, err := s.Store.SetFineRange(ctx, in.VersionID, in.Tier, r, in.Confirmed, in.Source, e)
	if err != nil {
		return Violation{}, errs.E(op, err)
	}
	return v, nil
}

// ViolationAuditData is what the audit log keeps of a version: enough to see what changed.
func ViolationAuditData(v Violation) map[string]any {
	d := map[string]any{"id": v.ID, "code": v.Code, "decree": v.Decree, "article": v.Article, "clause": v.Clause,
		"point": v.Point, "sector": string(v.Sector), "confirmed": v.Confirmed, "valid_from": v.ValidFrom.String(),
		"valid_to": v.ValidTo.String(), "source": v.Source, "description_vi": v.DescriptionVI}
	switch m := v.Fine.(type) {
	case FixedRange:
		d["fine"] = map[string]any{"kind": "fixed", "min": m.Min, "max": m.Max}
	case Tiers:
		var tiers []map[string]any
		for _, t := range m.Tiers {
			tiers = append(tiers, map[string]any{"over": t.Over, "up_to": t.UpTo, "min": t.Range.Min, "max": t.Range.Max})
		}
		d["fine"] = map[string]any{"kind": "tiers", "quantity": string(m.Quantity), "tiers": tiers}
	case Multiple:
		d["fine"] = map[string]any{"kind": "multiple", "quantity": string(m.Of), "min_times": m.MinTimes, "max_times": m.MaxTimes}
	}
	return d
}
