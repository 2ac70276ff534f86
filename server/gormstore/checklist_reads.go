package gormstore

import (
	"context"

	"github.com/skhcn-caobang/thanhtra/server/checklist"
)

var _ checklist.Lister = (*Store)(nil)

// ChecklistCodes lists every code with at least one published version, in code order
// (checklist.Lister).
func (s *Store) ChecklistCodes(ctx context.Context) ([]string, error) {
	var codes []string
	if err := s.read(ctx).Model(&checklistVersionRow{}).Distinct("code").Order("code").Pluck("code", &codes).Error; err != nil {
		return nil, wrap("gormstore.ChecklistCodes", err, "")
	}
	return codes, nil
}
