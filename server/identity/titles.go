package identity

import (
	"context"
	"regexp"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Title is a person's legal title for a period (thanh tra viên, chánh thanh tra, trưởng đoàn of one
// campaign …). Sanctioning authority caps attach to titles, never to accounts (D2), and are looked up
// in the legal catalogue by Title.Code and the date of the act.
type Title struct {
	ID         string
	OrgID      string
	PersonID   string
	Code       string    // e.g. "thanh_tra_vien", "chanh_thanh_tra_so", "truong_doan"
	ValidFrom  time.Time // first day
	ValidTo    time.Time // last day; zero = still held
	CampaignID string    // set for a title held for one campaign only (trưởng đoàn)
	CreatedAt  time.Time
}

// HeldOn reports whether the title was held on the day of t.
func (t Title) HeldOn(day time.Time) bool {
	return !day.Before(t.ValidFrom) && (t.ValidTo.IsZero() || !day.After(t.ValidTo))
}

// TitlesOn returns the titles held on a day.
func TitlesOn(titles []Title, day time.Time) []Title {
	var out []Title
	for _, t := range titles {
		if t.HeldOn(day) {
			out = append(out, t)
		}
	}
	return out
}

// TitleStore persists titles.
type TitleStore interface {
	AddPersonTitle(ctx context.Context, t Title, e audit.Entry) error
	PersonTitles(ctx context.Context, orgID, personID string) ([]Title, error)
}

var titleCode = regexp.MustCompile(`^[a-z][a-z0-9_]{1,63}$`)

// ValidateTitle checks a title's own fields.
func ValidateTitle(t Title) error {
	var fields []errs.FieldError
	if t.PersonID == "" {
		fields = append(fields, errs.FieldError{Field: "person_id", Code: errs.CodeRequired})
	}
	if !titleCode.MatchString(t.Code) {
		fields = append(fields, errs.FieldError{Field: "code", Code: errs.CodeInvalidValue})
	}
	if t.ValidFrom.IsZero() {
		fields = append(fields, errs.FieldError{Field: "valid_from", Code: errs.CodeRequired})
	} else if !t.ValidTo.IsZero() && t.ValidTo.Before(t.ValidFrom) {
		fields = append(fields, errs.FieldError{Field: "valid_to", Code: errs.CodeInvalidValue})
	}
	if len(fields) > 0 {
		return errs.E(errs.Op("identity.ValidateTitle"), errs.Invalid, errs.CodeValidation, fields)
	}
	return nil
}
