// Package syncsvc is the phone's sync: who may pull and push, which scopes a phone has, and how a pull
// of several datasets and a pushed batch are answered. The rules of the log and of the ledger are in
// server/syncfeed and server/syncpush; the storage implements them; the HTTP side is server/mobilehttp.
package syncsvc

import (
	"context"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/numbering"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

// Scoper computes a phone's scopes: for each dataset, the scope keys its person and device may see
// (D3: campaign membership). Datasets absent from the map have no scope (nothing is served).
type Scoper interface {
	PhoneScopes(ctx context.Context, orgID, personID, deviceID string) (map[string][]string, error)
}

// IssuingUnits lists the organisation's issuing units (whose record numbers a device holds blocks of).
type IssuingUnits interface {
	IssuingUnitIDs(ctx context.Context, orgID string) ([]string, error)
}

// Service answers pulls and pushes.
type Service struct {
	Log      syncfeed.Log
	Scopes   Scoper
	Ledger   syncpush.Ledger
	Appliers syncpush.Applier
	Limits   syncpush.Limits
	// Numbers tops up the device's blocks of record numbers before the numbers dataset is read (D9).
	// Nil leaves blocks as they are.
	Numbers *numbering.Service
	Units   IssuingUnits
	Clock   clock.Clock
}

// DatasetPage is the answer for one dataset of a pull.
type DatasetPage struct {
	syncfeed.Page
	// Reset tells the phone to drop its copy of the dataset before applying this page: the page is
	// the start of the dataset (its cursor could not be continued).
	Reset bool
}

// canSync tells whether the principal may sync: a device of an inspector or a chief.
func canSync(p identity.Principal) bool {
	return p.DeviceID != "" && p.PersonID != "" && p.Has(identity.RoleInspector, identity.RoleChief)
}

// Pull answers one page per requested dataset after its cursor (a missing or empty cursor is the
// start). A cursor that cannot be continued (errs.Stale) is answered with the dataset from the start
// and Reset set, in the same answer. Errors: errs.Forbidden without a device or the role; errs.Invalid
// for an unknown dataset (CodeUnknownDataset) or a cursor that is not one (CodeCursorInvalid).
func (s *Service) Pull(ctx context.Context, p identity.Principal, cursors map[string]syncfeed.Cursor, limit int) (map[string]DatasetPage, error) {
	const op = errs.Op("syncsvc.Pull")
	if !canSync(p) {
		return nil, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	var fields []errs.FieldError
	for name := range cursors {
		if !syncfeed.KnownDataset(name) {
			fields = append(fields, errs.FieldError{Field: "datasets." + name, Code: errs.CodeUnknownDataset})
		}
	}
	if len(fields) > 0 {
		return nil, errs.E(op, errs.Invalid, errs.CodeValidation, fields)
	}
	if len(cursors) == 0 {
		cursors = make(map[string]syncfeed.Cursor, len(syncfeed.Datasets))
		for _, d := range syncfeed.Datasets {
			cursors[d] = ""
		}
	}
	if _, ok := cursors[syncfeed.Numbers]; ok {
		if err := s.topUp(ctx, p); err != nil {
			return nil, errs.E(op, err)
		}
	}
	scopes, err := s.Scopes.PhoneScopes(ctx, p.OrgID, p.PersonID, p.DeviceID)
	if err != nil {
		return nil, errs.E(op, err)
	}
	// The datasets whose cursor is valid for the phone's scopes and past which nothing was logged have
	// nothing new: one query answers all of them (the usual pull of a phone that is up to date).
	positions := map[string]syncfeed.Position{}
	for name, cursor := range cursors {
		if cursor == "" {
			continue
		}
		if pos, err := cursor.Decode(name, syncfeed.Fingerprint(name, scopes[name])); err == nil {
			positions[name] = pos
		}
	}
	changed, err := s.Log.ChangedSince(ctx, p.OrgID, positions)
	if err != nil {
		return nil, errs.E(op, err)
	}
	out := make(map[string]DatasetPage, len(cursors))
	for _, name := range syncfeed.Datasets {
		cursor, ok := cursors[name]
		if !ok {
			continue
		}
		if _, known := positions[name]; known && !changed[name] {
			out[name] = DatasetPage{Page: syncfeed.Page{Next: cursor, Complete: true}}
			continue
		}
		page, err := s.Log.Since(ctx, p.OrgID, name, scopes[name], cursor, limit)
		dp := DatasetPage{Page: page}
		if errs.KindOf(err) == errs.Stale {
			dp.Reset = true
			page, err = s.Log.Since(ctx, p.OrgID, name, scopes[name], "", limit)
			dp.Page = page
		}
		if err != nil {
			return nil, errs.E(op, errs.FieldError{Field: "datasets." + name, Code: errs.CodeOf(err)}, err)
		}
		out[name] = dp
	}
	return out, nil
}

// topUp reserves the device another block of record numbers, for each issuing unit of the
// organisation in the current year (Asia/Ho_Chi_Minh), when it runs low.
func (s *Service) topUp(ctx context.Context, p identity.Principal) error {
	if s.Numbers == nil || s.Units == nil {
		return nil
	}
	units, err := s.Units.IssuingUnitIDs(ctx, p.OrgID)
	if err != nil {
		return err
	}
	year := s.Clock.Now().In(clock.Vietnam).Year()
	for _, u := range units {
		if _, _, err := s.Numbers.TopUp(ctx, p, numbering.Series{OrgID: p.OrgID, IssuingUnitID: u, Year: year}); err != nil {
			return err
		}
	}
	return nil
}

// Push applies a batch from the principal's device (see syncpush.Apply). Errors: errs.Forbidden
// without a device or the role; those of syncpush.Apply.
func (s *Service) Push(ctx context.Context, p identity.Principal, items []syncpush.Item) ([]syncpush.Result, error) {
	const op = errs.Op("syncsvc.Push")
	if !canSync(p) {
		return nil, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	by := syncpush.Pusher{OrgID: p.OrgID, DeviceID: p.DeviceID, AccountID: p.AccountID, PersonID: p.PersonID}
	rs, err := syncpush.Apply(ctx, s.Ledger, by, items, s.Limits, s.Appliers)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return rs, nil
}
