package gormstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/mobile-api/document"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
)

var _ penalty.NationalReports = (*Store)(nil)

// nrData is the stored form of a prepared national database report (penalty_national_reports.data).
type nrData struct {
	SubjectKind         string        `json:"subject_kind"`
	Name                string        `json:"name"`
	DateOfBirth         string        `json:"date_of_birth,omitempty"`
	IDNumber            string        `json:"id_number,omitempty"`
	Gender              string        `json:"gender,omitempty"`
	Address             string        `json:"address,omitempty"`
	EnterpriseCode      string        `json:"enterprise_code,omitempty"`
	Registration        string        `json:"registration,omitempty"`
	Representative      string        `json:"representative,omitempty"`
	DecisionNumber      int           `json:"decision_number"`
	DecisionSymbol      string        `json:"decision_symbol"`
	DecisionYear        int           `json:"decision_year"`
	IssuedAt            time.Time     `json:"issued_at"`
	Violations          []nrViolation `json:"violations"`
	SanctionForm        string        `json:"sanction_form"`
	Total               int64         `json:"total"`
	AdditionalPenalties []string      `json:"additional_penalties,omitempty"`
	RemedialMeasures    []string      `json:"remedial_measures,omitempty"`
	Agency              string        `json:"agency"`
	SignerName          string        `json:"signer_name"`
	SignerTitle         string        `json:"signer_title"`
}

type nrViolation struct {
	Code      string `json:"code"`
	Act       string `json:"act"`
	Provision string `json:"provision"`
	Fine      int64  `json:"fine"`
}

// nationalReportOf prepares the national database record of a decision from its document content.
func nationalReportOf(doc document.Decision, c penalty.Case) nrData {
	v := doc.Violator
	kind := string(c.Subject.Kind)
	r := nrData{SubjectKind: kind, Name: v.Name, DecisionNumber: doc.Number, DecisionYear: doc.Year,
		DecisionSymbol: fmt.Sprintf("%02d/%s", doc.Number, document.DecisionNumberSuffix), IssuedAt: pdTime(doc.IssuedAt),
		SanctionForm: "Phạt tiền", Total: doc.Total, AdditionalPenalties: doc.AdditionalPenalties, RemedialMeasures: doc.RemedialMeasures,
		Agency: strings.TrimSpace(doc.IssuingBody.Name + ", " + doc.IssuingBody.Parent), SignerName: doc.Signer.Name, SignerTitle: doc.Signer.Title}
	if v.Kind == document.Organisation {
		r.Address, r.EnterpriseCode, r.Registration, r.Representative = v.Address, v.EnterpriseCode, v.Registration, v.Representative
	} else {
		r.DateOfBirth, r.IDNumber, r.Gender = v.DateOfBirth, v.IDNumber, v.Gender
		r.Address = v.Address
	}
	for _, x := range doc.Violations {
		var parts []string
		for _, p := range []struct{ label, val string }{{"điểm ", x.Point}, {"khoản ", x.Clause}, {"Điều ", x.Article}, {"Nghị định số ", x.Decree}} {
			if p.val != "" {
				parts = append(parts, p.label+p.val)
			}
		}
		r.Violations = append(r.Violations, nrViolation{Code: x.Code, Act: x.Act, Provision: strings.Join(parts, " "), Fine: x.Fine})
	}
	return r
}

func (d nrData) domain() penalty.NationalRecord {
	out := penalty.NationalRecord{SubjectKind: legal.SubjectKind(d.SubjectKind), Name: d.Name, DateOfBirth: d.DateOfBirth, IDNumber: d.IDNumber,
		Gender: d.Gender, Address: d.Address, EnterpriseCode: d.EnterpriseCode, Registration: d.Registration, Representative: d.Representative,
		DecisionNumber: d.DecisionNumber, DecisionSymbol: d.DecisionSymbol, DecisionYear: d.DecisionYear, SanctionForm: d.SanctionForm,
		Total: d.Total, AdditionalPenalties: d.AdditionalPenalties, RemedialMeasures: d.RemedialMeasures, Agency: d.Agency,
		SignerName: d.SignerName, SignerTitle: d.SignerTitle}
	out.IssuedAt = d.IssuedAt.UTC()
	for _, v := range d.Violations {
		out.Violations = append(out.Violations, penalty.NationalViolation{Code: v.Code, Act: v.Act, Provision: v.Provision, Fine: v.Fine})
	}
	return out
}

// markNationalReport records, in the transaction of the case's ActionReport event, that the
// decision's prepared report was sent.
func markNationalReport(tx *gorm.DB, c penalty.Case) error {
	r := c.NationalReport
	return tx.Model(&penaltyNationalReportRow{}).Where("org_id = ? AND case_id = ? AND reported_at IS NULL", c.OrgID, c.ID).
		Updates(map[string]any{"reported_at": pdTime(r.At), "reference": r.Reference, "reported_by": r.By.PersonID}).Error
}

// NationalReportEntries lists the organisation's prepared national database reports (penalty.NationalReports),
// by time of issue, with each case's state and the amount paid so far.
func (s *Store) NationalReportEntries(ctx context.Context, orgID string, f penalty.NationalReportFilter, limit int) ([]penalty.NationalReportEntry, error) {
	const op = "gormstore.NationalReportEntries"
	q := s.read(ctx).Where("org_id = ?", orgID)
	if !f.From.IsZero() {
		q = q.Where("issued_at >= ?", pdTime(f.From))
	}
	if !f.To.IsZero() {
		q = q.Where("issued_at < ?", pdTime(f.To))
	}
	if f.Reported != nil {
		if *f.Reported {
			q = q.Where("reported_at IS NOT NULL")
		} else {
			q = q.Where("reported_at IS NULL")
		}
	}
	var rows []penaltyNationalReportRow
	if err := q.Order("issued_at, case_id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap(op, err, "")
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.CaseID
	}
	cases := map[string]penaltyCaseRow{}
	if len(ids) > 0 {
		var crs []penaltyCaseRow
		if err := s.read(ctx).Select("id", "state", "data").Where("org_id = ? AND id IN ?", orgID, ids).Find(&crs).Error; err != nil {
			return nil, wrap(op, err, "")
		}
		for _, c := range crs {
			cases[c.ID] = c
		}
	}
	out := make([]penalty.NationalReportEntry, 0, len(rows))
	for _, r := range rows {
		var d nrData
		if err := json.Unmarshal([]byte(r.Data), &d); err != nil {
			return nil, errs.E(errs.Op(op), fmt.Errorf("case %s: national report: %w", r.CaseID, err))
		}
		e := penalty.NationalReportEntry{CaseID: r.CaseID, Record: d.domain(), Mountain: r.Mountain, Reference: r.Reference}
		if r.DueAt != nil {
			e.DueAt = r.DueAt.UTC()
		}
		if r.ReportedAt != nil {
			e.ReportedAt = r.ReportedAt.UTC()
		}
		if cr, ok := cases[r.CaseID]; ok {
			e.State = penalty.State(cr.State)
			c, err := cr.domain()
			if err != nil {
				return nil, errs.E(errs.Op(op), err)
			}
			for _, p := range c.Payments {
				e.Paid += p.Amount
			}
		}
		out = append(out, e)
	}
	return out, nil
}
