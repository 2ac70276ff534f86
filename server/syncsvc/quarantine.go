package syncsvc

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/paging"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

// QuarantineStore keeps the pushed items that could never be accepted (syncpush.Ledger.Quarantine
// writes them) and how the chief dealt with each.
type QuarantineStore interface {
	// ListQuarantine returns the organisation's quarantined items, oldest first, and their total;
	// with openOnly, only those not resolved yet.
	ListQuarantine(ctx context.Context, orgID string, openOnly bool, p paging.Page) ([]syncpush.Quarantined, int, error)
	// QuarantineResolutions returns the resolutions of those of the items that are resolved, by ID.
	QuarantineResolutions(ctx context.Context, orgID string, ids []int64) (map[int64]Resolution, error)
	// ResolveQuarantine marks an open item resolved at the given time with the note and the person
	// who resolved it, with an audit event, in one transaction. Errors: errs.NotFound
	// (CodeQuarantineNotFound) for no such item of the organisation; errs.Conflict
	// (CodeQuarantineResolved) for an item already resolved.
	ResolveQuarantine(ctx context.Context, orgID string, id int64, note, byPersonID string, at time.Time) error
}

// Resolution is how the chief dealt with a quarantined item: what was done about it (re-entered by
// hand, told the inspector, nothing to do …) and by whom. The item itself is never changed or
// replayed: a change that must still happen is made again through the ordinary routes.
type Resolution struct {
	Note       string
	ByPersonID string
}

// QuarantinedItem is a quarantined item with its resolution (the zero Resolution while open).
type QuarantinedItem struct {
	syncpush.Quarantined
	Resolution Resolution
}

// MaxResolutionNote is the longest note, in characters.
const MaxResolutionNote = 2000

// Quarantine is the chief's side of the push quarantine: the items phones sent that can never be
// accepted, kept with their original payload, code and reason, to be looked at and marked resolved.
type Quarantine struct {
	Store QuarantineStore
	Clock clock.Clock
}

// CanReviewQuarantine tells whether p may see and resolve the quarantine of the organisation: its
// chief or administrator, or a system administrator.
func CanReviewQuarantine(p identity.Principal, orgID string) bool {
	return p.Has(identity.RoleSystemAdmin) || (p.OrgID == orgID && p.Has(identity.RoleChief, identity.RoleOrgAdmin))
}

// List returns a page of the organisation's quarantined items, oldest first, with their total; with
// openOnly, only those not resolved yet. Errors: errs.Forbidden (CodeRoleRequired) for a caller
// CanReviewQuarantine refuses; errs.Unavailable when the database cannot be reached.
func (q *Quarantine) List(ctx context.Context, p identity.Principal, orgID string, openOnly bool, page paging.Page) ([]QuarantinedItem, int, error) {
	const op = errs.Op("syncsvc.Quarantine.List")
	if !CanReviewQuarantine(p, orgID) {
		return nil, 0, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	items, total, err := q.Store.ListQuarantine(ctx, orgID, openOnly, page)
	if err != nil {
		return nil, 0, errs.E(op, err)
	}
	var resolved []int64
	for _, it := range items {
		if it.ResolvedAt != nil {
			resolved = append(resolved, it.ID)
		}
	}
	var res map[int64]Resolution
	if len(resolved) > 0 {
		if res, err = q.Store.QuarantineResolutions(ctx, orgID, resolved); err != nil {
			return nil, 0, errs.E(op, err)
		}
	}
	out := make([]QuarantinedItem, len(items))
	for i, it := range items {
		out[i] = QuarantinedItem{Quarantined: it, Resolution: res[it.ID]}
	}
	return out, total, nil
}

// Resolve marks an open quarantined item resolved, with the note (required) and the caller's person.
// Errors: errs.Forbidden (CodeRoleRequired); errs.Invalid (CodeValidation on "note": required or
// too_long); those of QuarantineStore.ResolveQuarantine.
func (q *Quarantine) Resolve(ctx context.Context, p identity.Principal, orgID string, id int64, note string) error {
	const op = errs.Op("syncsvc.Quarantine.Resolve")
	if !CanReviewQuarantine(p, orgID) {
		return errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	note = strings.TrimSpace(note)
	switch {
	case note == "":
		return errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "note", Code: errs.CodeRequired})
	case utf8.RuneCountInString(note) > MaxResolutionNote:
		return errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "note", Code: errs.CodeTooLong})
	}
	if err := q.Store.ResolveQuarantine(ctx, orgID, id, note, p.PersonID, q.Clock.Now().UTC()); err != nil {
		return errs.E(op, err)
	}
	return nil
}
