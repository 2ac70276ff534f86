package checklist

import (
	"context"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Lister lists what has been published, for the console's list of checklists.
type Lister interface {
	// ChecklistCodes lists every code with at least one published version, in code order.
	ChecklistCodes(ctx context.Context) ([]string, error)
}

// Published checklists are national reference data that every account may read (D24): the reads
// below take no principal.

// Versions lists every published version of every code, by code and then version, without the
// templates.
func (s *Service) Versions(ctx context.Context) ([]Version, error) {
	const op = errs.Op("checklist.Versions")
	codes, err := s.Lister.ChecklistCodes(ctx)
	if err != nil {
		return nil, errs.E(op, err)
	}
	var out []Version
	for _, code := range codes {
		vs, err := s.Store.ChecklistVersions(ctx, code)
		if err != nil {
			return nil, errs.E(op, err)
		}
		out = append(out, vs...)
	}
	return out, nil
}

// Version returns one published version with its template: errs.NotFound (checklist_not_found) when
// that code and version were never published.
func (s *Service) Version(ctx context.Context, code string, number int) (Published, error) {
	p, err := s.Store.ChecklistVersion(ctx, code, number)
	if err != nil {
		return Published{}, errs.E(errs.Op("checklist.Version"), err)
	}
	return p, nil
}

// Check validates answers against a published version as for a visit made on visitDate (see
// Validate): the findings, or errs.Invalid (validation_failed) naming each bad answer by its key
// ("F1.2", "F2.7@<instance>"). An unpublished version is errs.NotFound (checklist_not_found).
func (s *Service) Check(ctx context.Context, code string, number int, answers map[string]Answer, visitDate time.Time) ([]Finding, error) {
	const op = errs.Op("checklist.Check")
	p, err := s.Store.ChecklistVersion(ctx, code, number)
	if err != nil {
		return nil, errs.E(op, err)
	}
	fs, err := Validate(p.Template, answers, visitDate)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return fs, nil
}
