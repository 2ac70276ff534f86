package stats

import (
	"context"
	"fmt"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// Report is what a reader gets for a period: the figures, and for a frozen month the frozen record
// and the revision (the current figures that differ), never a silent change.
type Report struct {
	// Summary is the figures shown: for a frozen month, exactly the frozen ones (read back from their
	// canonical JSON); otherwise the current ones.
	Summary Summary
	// Frozen is the frozen month, or nil.
	Frozen *Frozen
	// Revision lists the current figures that differ from the frozen ones; nil when the month is not
	// frozen, empty when nothing changed since.
	Revision *Revision
	// ComputedAt is when the current figures were computed.
	ComputedAt time.Time
}

// Service answers who may read and freeze the statistics (D28) and compares a frozen month with its
// current figures.
type Service struct {
	Store Store
	Clock clock.Clock
	// Cache, when set, keeps the figures of the periods read, so that a period read again is not
	// computed again while nothing that could change it was written (docs/statistics.md).
	Cache Cache
}

// The roles (D28): the chief, the director (who reads everything) and clerks read an organisation's
// figures; the chief freezes its months; a system administrator reads and freezes the national view and
// may read any organisation's.
var (
	readers  = []identity.Role{identity.RoleChief, identity.RoleDirector, identity.RoleClerk, identity.RoleSystemAdmin}
	freezers = []identity.Role{identity.RoleChief}
)

// allowed checks that p may act on scope with one of roles.
func allowed(op errs.Op, p identity.Principal, scope Scope, roles []identity.Role) error {
	switch {
	case p.Has(identity.RoleSystemAdmin):
		return nil
	case scope.National:
		return errs.E(op, errs.Forbidden, errs.CodeRoleRequired, "the national view is for system administrators")
	case scope.OrgID != p.OrgID:
		return errs.E(op, errs.Forbidden, errs.CodeWrongOrganisation, "another organisation's figures")
	case !p.Has(roles...):
		return errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	return nil
}

// checkScope refuses a scope that names neither an organisation nor the nation.
func checkScope(op errs.Op, s Scope) error {
	if s.National == (s.OrgID != "") {
		return errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "org", Code: errs.CodeInvalidValue})
	}
	return nil
}

// Compute returns the current figures of a period, normalised, without any check of the caller (for
// background exports that checked the caller when they were requested): the stored ones when the
// cache has them current, otherwise computed from the rows.
func (s *Service) Compute(ctx context.Context, scope Scope, period Period) (Summary, error) {
	const op = errs.Op("stats.Compute")
	if sum, ok := s.cached(ctx, scope, period); ok {
		return sum, nil
	}
	rows, err := s.Store.StatsRows(ctx, QueryOf(scope, period))
	if err != nil {
		return Summary{}, errs.E(op, err)
	}
	sum, err := Build(scope, period, rows)
	if err != nil {
		return Summary{}, errs.E(op, errs.Internal, err)
	}
	if s.Cache != nil {
		// Asked for once, computed by the refresh from then on. Failing to ask costs the next reader
		// time, not figures: the read does not fail for it.
		_ = s.Cache.WantSummary(ctx, scope, period, s.Clock.Now())
	}
	return sum, nil
}

// Summary is the report of a period for p: a month that is frozen answers its frozen figures and the
// revision; any other period its current figures.
func (s *Service) Summary(ctx context.Context, p identity.Principal, scope Scope, period Period) (Report, error) {
	const op = errs.Op("stats.Summary")
	if err := checkScope(op, scope); err != nil {
		return Report{}, err
	}
	if err := allowed(op, p, scope, readers); err != nil {
		return Report{}, err
	}
	return s.report(ctx, scope, period)
}

// Report is Summary without the check of the caller, for background exports.
func (s *Service) Report(ctx context.Context, scope Scope, period Period) (Report, error) {
	return s.report(ctx, scope, period)
}

func (s *Service) report(ctx context.Context, scope Scope, period Period) (Report, error) {
	const op = errs.Op("stats.Report")
	now := s.Clock.Now()
	current, err := s.Compute(ctx, scope, period)
	if err != nil {
		return Report{}, err
	}
	if period.Kind != Month {
		return Report{Summary: current, ComputedAt: now}, nil
	}
	f, ok, err := s.Store.FrozenMonth(ctx, scope, period)
	if err != nil {
		return Report{}, errs.E(op, err)
	}
	if !ok {
		return Report{Summary: current, ComputedAt: now}, nil
	}
	frozen, err := FromCanonical(f.Canonical)
	if err != nil {
		return Report{}, errs.E(op, errs.Internal, err)
	}
	_, sum, err := Canonical(current)
	if err != nil {
		return Report{}, errs.E(op, errs.Internal, err)
	}
	rev := &Revision{SHA256: sum, Changes: Diff(frozen.Rows, current.Rows)}
	if rev.Changes == nil {
		rev.Changes = []Change{}
	}
	return Report{Summary: frozen, Frozen: &f, Revision: rev, ComputedAt: now}, nil
}

// Freeze closes a month: its current figures are stored as canonical JSON with their SHA-256, who
// froze them and when, audited in the same transaction. Only a month that has ended can be frozen
// (stats_month_open); a month is frozen once (stats_month_frozen).
func (s *Service) Freeze(ctx context.Context, p identity.Principal, scope Scope, month Period) (Report, error) {
	const op = errs.Op("stats.Freeze")
	if err := checkScope(op, scope); err != nil {
		return Report{}, err
	}
	if month.Kind != Month {
		return Report{}, errs.E(op, errs.Invalid, errs.CodeStatsPeriodInvalid, "only a month can be frozen")
	}
	if scope.National && !p.Has(identity.RoleSystemAdmin) || !scope.National && (scope.OrgID != p.OrgID || !p.Has(freezers...)) {
		return Report{}, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	now := s.Clock.Now()
	if now.Before(month.End()) {
		return Report{}, errs.E(op, errs.Conflict, errs.CodeStatsMonthOpen, fmt.Sprintf("%s ends at %s", month, month.End().Format(time.RFC3339)))
	}
	current, err := s.Compute(ctx, scope, month)
	if err != nil {
		return Report{}, err
	}
	data, sum, err := Canonical(current)
	if err != nil {
		return Report{}, errs.E(op, errs.Internal, err)
	}
	f := Frozen{Scope: scope, Month: month, Canonical: data, SHA256: sum, FrozenAt: now, ByPerson: p.PersonID, ByAccount: p.AccountID}
	f.Audit = audit.Entry{Chain: Chain(scope), OrgID: scope.OrgID, Action: "stats.freeze", ActorAccountID: p.AccountID,
		ActorPersonID: p.PersonID, At: now, Data: map[string]any{"month": month.String(), "sha256": sum, "rows": len(current.Rows)}}
	if err := s.Store.FreezeMonth(ctx, f); err != nil {
		return Report{}, errs.E(op, err)
	}
	return Report{Summary: current, Frozen: &f, Revision: &Revision{SHA256: sum, Changes: []Change{}}, ComputedAt: now}, nil
}

// FrozenMonths lists a scope's frozen months, the latest first (without their figures).
func (s *Service) FrozenMonths(ctx context.Context, p identity.Principal, scope Scope) ([]Frozen, error) {
	const op = errs.Op("stats.FrozenMonths")
	if err := checkScope(op, scope); err != nil {
		return nil, err
	}
	if err := allowed(op, p, scope, readers); err != nil {
		return nil, err
	}
	out, err := s.Store.FrozenMonths(ctx, scope)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return out, nil
}
