package evidence

import (
	"context"
	"fmt"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// VisitEvidence is what the chief sees of a visit's evidence: each reference with its state (and
// its stored object's metadata once stored), and each violation record with the evidence it lists
// that has not arrived. A record is complete only when that list is empty.
type VisitEvidence struct {
	VisitID string
	Items   []Item
	Records []RecordEvidence
	// Missing lists the evidence the visit's answers, findings and records name, or that was announced
	// for it, whose bytes have not arrived, sorted.
	Missing []string
}

// Item is one evidence reference of a visit.
type Item struct {
	Ref    Ref
	Object *Object // nil until stored
}

// RecordEvidence is a violation record's evidence.
type RecordEvidence struct {
	ID          string
	Number      int
	Year        int
	Status      string
	EvidenceIDs []string
	Missing     []string // of EvidenceIDs, those not stored (announced or not)
}

// Complete reports whether every evidence the record lists has arrived.
func (r RecordEvidence) Complete() bool { return len(r.Missing) == 0 }

// VisitReader reads a visit's evidence (gormstore).
type VisitReader interface {
	// VisitEvidence returns a visit's evidence; a visit the organisation does not have is errs.NotFound
	// with errs.CodeVisitNotFound.
	VisitEvidence(ctx context.Context, orgID, visitID string) (VisitEvidence, error)
}

// VisitEvidence returns the evidence of one of the organisation's visits, for the console (the
// caller has checked the role).
func (s *Service) VisitEvidence(ctx context.Context, orgID, visitID string) (VisitEvidence, error) {
	r, ok := s.Store.(VisitReader)
	if !ok {
		return VisitEvidence{}, errs.E(errs.Op("evidence.VisitEvidence"), errs.Internal, fmt.Sprintf("the store (%T) cannot read a visit's evidence", s.Store))
	}
	v, err := r.VisitEvidence(ctx, orgID, visitID)
	if err != nil {
		return VisitEvidence{}, errs.E(errs.Op("evidence.VisitEvidence"), err)
	}
	return v, nil
}
