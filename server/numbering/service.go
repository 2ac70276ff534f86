package numbering

import (
	"context"
	"strconv"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// Store persists the register. ReserveBlock fills in First and Last from the series' counter;
// MarkNumber runs check on the device's blocks and the marks already made, inside the transaction
// that writes the mark.
type Store interface {
	// ReserveBlock reserves a block when need, called on the device's blocks and marks once the
	// series is locked, still says so (two retries of one phone must not both reserve).
	ReserveBlock(ctx context.Context, b Block, size int, need func([]Block, []Mark) bool, e audit.Entry) (Block, bool, error)
	NumberState(ctx context.Context, s Series, deviceID string) ([]Block, []Mark, error)
	MarkNumber(ctx context.Context, m Mark, check func([]Block, []Mark) (bool, error), e audit.Entry) (bool, error)
}

// Service applies who may do what: a device's own account tops up its blocks and marks its numbers
// (inspectors and chiefs, who draw up records); the chief, the director and the administrator read
// the register.
type Service struct {
	Store Store
	Clock clock.Clock
	IDs   clock.IDs
}

func chain(s Series) string {
	return "numbers/" + s.IssuingUnitID + "/" + strconv.Itoa(s.Year)
}

// TopUp returns the device's blocks in the series, reserving another block first when fewer than
// TopUpBelow of its numbers are left. Phones call it (through pull) whenever they have signal.
func (s *Service) TopUp(ctx context.Context, p identity.Principal, series Series) ([]Block, []Mark, error) {
	const op = errs.Op("numbering.TopUp")
	if p.DeviceID == "" || p.OrgID != series.OrgID || !p.Has(identity.RoleInspector, identity.RoleChief) {
		return nil, nil, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	if err := series.Validate(); err != nil {
		return nil, nil, errs.E(op, err)
	}
	blocks, marks, err := s.Store.NumberState(ctx, series, p.DeviceID)
	if err != nil {
		return nil, nil, errs.E(op, err)
	}
	if !NeedsTopUp(blocks, marks) {
		return blocks, marks, nil
	}
	now := s.Clock.Now().UTC()
	b := Block{ID: s.IDs.NewID(), Series: series, DeviceID: p.DeviceID, ReservedAt: now}
	e := audit.Entry{Chain: chain(series), OrgID: series.OrgID, Action: "numbers.reserve", ActorAccountID: p.AccountID,
		ActorPersonID: p.PersonID, At: now}
	if _, _, err := s.Store.ReserveBlock(ctx, b, DefaultBlockSize, NeedsTopUp, e); err != nil {
		return nil, nil, errs.E(op, err)
	}
	blocks, marks, err = s.Store.NumberState(ctx, series, p.DeviceID)
	if err != nil {
		return nil, nil, errs.E(op, err)
	}
	return blocks, marks, nil
}

// Mark records that the caller's device used a number on a record or voided it with a reason. The
// same mark twice is a no-op (a phone retrying); anything else on a number already marked is a
// conflict.
func (s *Service) Mark(ctx context.Context, p identity.Principal, m Mark) error {
	const op = errs.Op("numbering.Mark")
	if p.DeviceID == "" || p.OrgID != m.Series.OrgID || !p.Has(identity.RoleInspector, identity.RoleChief) {
		return errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	if err := m.Series.Validate(); err != nil {
		return errs.E(op, err)
	}
	m.DeviceID = p.DeviceID
	if m.At.IsZero() {
		m.At = s.Clock.Now().UTC()
	}
	e := audit.Entry{Chain: chain(m.Series), OrgID: m.Series.OrgID, Action: "numbers." + string(m.State), ActorAccountID: p.AccountID,
		ActorPersonID: p.PersonID, At: s.Clock.Now().UTC(), Reason: m.Reason,
		Data: map[string]any{"number": m.Number, "device_id": m.DeviceID, "entity_id": m.EntityID}}
	_, err := s.Store.MarkNumber(ctx, m, func(blocks []Block, marks []Mark) (bool, error) { return CheckMark(m, blocks, marks) }, e)
	if err != nil {
		return errs.E(op, err)
	}
	return nil
}

// Register lays out a series for the chief, the director and the administrator.
func (s *Service) Register(ctx context.Context, p identity.Principal, series Series) ([]Entry, error) {
	const op = errs.Op("numbering.Register")
	if !p.Has(identity.RoleSystemAdmin) && !(p.OrgID == series.OrgID && p.Has(identity.RoleChief, identity.RoleDirector, identity.RoleOrgAdmin)) {
		return nil, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	blocks, marks, err := s.Store.NumberState(ctx, series, "")
	if err != nil {
		return nil, errs.E(op, err)
	}
	return Register(blocks, marks), nil
}
