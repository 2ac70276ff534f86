package consolehttp

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
)

// The decision's document, the national database report and declared circumstances (issue 7;
// docs/penalties.md).

// DecisionDocumentIndex finds an issued decision's stored document. gormstore.Store implements it;
// the console reaches it through RecordDocuments.Index, the same store.
type DecisionDocumentIndex interface {
	// DecisionDocumentObject returns the object key and SHA-256 of the stored document of one of the
	// organisation's decisions in format "json" or "pdf"; errs.NotFound (decision_document_not_found)
	// when there is none yet.
	DecisionDocumentObject(ctx context.Context, orgID, caseID, format string) (key, sha256 string, err error)
}

func (a *API) penaltyDecisionPDF(c echo.Context) error {
	return a.serveDecisionDocument(c, "pdf", "application/pdf")
}

func (a *API) penaltyDecisionJSON(c echo.Context) error {
	return a.serveDecisionDocument(c, "json", echo.MIMEApplicationJSON)
}

// serveDecisionDocument streams the stored decision document, with its SHA-256 as the ETag.
func (a *API) serveDecisionDocument(c echo.Context, format, contentType string) error {
	var idx DecisionDocumentIndex
	if a.RecordDocuments != nil {
		idx, _ = a.RecordDocuments.Index.(DecisionDocumentIndex)
	}
	if idx == nil {
		return errs.E(errs.Unavailable, "decision documents are not configured")
	}
	// The caller must be allowed to read the case (the service checks the roles).
	svc, err := a.penalties()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	caseID := c.Param("id")
	v, err := svc.View(ctx, httpcore.PrincipalOf(c), caseID)
	if err != nil {
		return err
	}
	key, sum, err := idx.DecisionDocumentObject(ctx, orgParam(c), caseID, format)
	if err != nil {
		return err
	}
	etag := strconv.Quote(sum)
	h := c.Response().Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, no-cache")
	if c.Request().Header.Get("If-None-Match") == etag {
		return c.NoContent(http.StatusNotModified)
	}
	rc, info, err := a.RecordDocuments.Blobs.Get(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	name := "quyet-dinh-" + caseID
	if d := v.Case.Decision; d != nil {
		name = "quyet-dinh-" + strconv.Itoa(d.Number) + "-" + strconv.Itoa(d.Year)
	}
	h.Set(echo.HeaderContentType, contentType)
	h.Set(echo.HeaderContentLength, strconv.FormatInt(info.Size, 10))
	h.Set("Content-Disposition", `inline; filename="`+name+"."+format+`"`)
	c.Response().WriteHeader(http.StatusOK)
	_, err = io.Copy(c.Response(), rc)
	return err
}

type (
	// penaltyNationalReportList is schemas/penalty-national-report-list.schema.json.
	penaltyNationalReportList struct {
		Items []penaltyNationalReportItem `json:"items"`
	}
	penaltyNationalReportItem struct {
		CaseID     string                `json:"case_id"`
		DueAt      *time.Time            `json:"due_at"`
		Overdue    bool                  `json:"overdue"`
		Mountain   bool                  `json:"mountain"`
		ReportedAt *time.Time            `json:"reported_at"`
		Reference  string                `json:"reference"`
		State      string                `json:"state"`
		Paid       int64                 `json:"paid"`
		Record     penaltyNationalRecord `json:"record"`
	}
	penaltyNationalRecord struct {
		SubjectKind         string                     `json:"subject_kind"`
		Name                string                     `json:"name"`
		DateOfBirth         string                     `json:"date_of_birth"`
		IDNumber            string                     `json:"id_number"`
		Gender              string                     `json:"gender"`
		Address             string                     `json:"address"`
		EnterpriseCode      string                     `json:"enterprise_code"`
		Registration        string                     `json:"registration"`
		Representative      string                     `json:"representative"`
		DecisionNumber      int                        `json:"decision_number"`
		DecisionSymbol      string                     `json:"decision_symbol"`
		DecisionYear        int                        `json:"decision_year"`
		IssuedAt            time.Time                  `json:"issued_at"`
		Violations          []penaltyNationalViolation `json:"violations"`
		SanctionForm        string                     `json:"sanction_form"`
		Total               int64                      `json:"total"`
		AdditionalPenalties []string                   `json:"additional_penalties"`
		RemedialMeasures    []string                   `json:"remedial_measures"`
		Agency              string                     `json:"agency"`
		SignerName          string                     `json:"signer_name"`
		SignerTitle         string                     `json:"signer_title"`
	}
	penaltyNationalViolation struct {
		Code      string `json:"code"`
		Act       string `json:"act"`
		Provision string `json:"provision"`
		Fine      int64  `json:"fine"`
	}
	// penaltyNationalBatchRequest is schemas/penalty-national-batch-request.schema.json.
	penaltyNationalBatchRequest struct {
		CaseIDs   []string `json:"case_ids"`
		Reference string   `json:"reference"`
	}
	// penaltyNationalBatchResult is schemas/penalty-national-batch-result.schema.json.
	penaltyNationalBatchResult struct {
		Reported []penaltyReportedCase `json:"reported"`
	}
	penaltyReportedCase struct {
		CaseID  string `json:"case_id"`
		Version int64  `json:"version"`
	}
	// penaltyCircumstanceList is schemas/penalty-circumstance-list.schema.json.
	penaltyCircumstanceList struct {
		Items []penaltyLegalCircumstance `json:"items"`
	}
	penaltyLegalCircumstance struct {
		Code       string `json:"code"`
		Kind       string `json:"kind"`
		Text       string `json:"text"`
		Basis      string `json:"basis"`
		NeedsNote  bool   `json:"needs_note"`
		AtApproval bool   `json:"at_approval"`
		Confirmed  bool   `json:"confirmed"`
	}
	// penaltyCircumstancesRequest is schemas/penalty-circumstances-request.schema.json.
	penaltyCircumstancesRequest struct {
		Version       int64                         `json:"version"`
		Charge        int                           `json:"charge"`
		Circumstances []penaltyCircumstanceDeclared `json:"circumstances"`
		Reason        string                        `json:"reason,omitempty"`
	}
	penaltyCircumstanceDeclared struct {
		Code string `json:"code"`
		Note string `json:"note,omitempty"`
	}
)

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// penaltyNationalReports lists the decisions to report to the national database: ?from and ?to
// (days, issue date from ≤ day < to), ?state=unreported (default), reported or all, ?format=json
// (default) or csv, ?limit (1–1000, default 500).
func (a *API) penaltyNationalReports(c echo.Context) error {
	q := queryParamsOf(c)
	var f penalty.NationalReportFilter
	f.From, f.To = q.day("from"), q.day("to")
	switch q.text("state") {
	case "", "unreported":
		no := false
		f.Reported = &no
	case "reported":
		yes := true
		f.Reported = &yes
	case "all":
	default:
		q.bad("state", errs.CodeInvalidValue)
	}
	format := q.text("format")
	if format != "" && format != "json" && format != "csv" {
		q.bad("format", errs.CodeInvalidValue)
	}
	limit, ok := q.integer("limit", 1, 1000)
	if !ok {
		limit = 500
	}
	if err := q.err(); err != nil {
		return err
	}
	svc, err := a.penalties()
	if err != nil {
		return err
	}
	entries, err := svc.NationalReportList(c.Request().Context(), httpcore.PrincipalOf(c), f, limit)
	if err != nil {
		return err
	}
	now := svc.Clock.Now()
	out := penaltyNationalReportList{Items: make([]penaltyNationalReportItem, len(entries))}
	for i, e := range entries {
		r := e.Record
		rec := penaltyNationalRecord{SubjectKind: string(r.SubjectKind), Name: r.Name, DateOfBirth: r.DateOfBirth, IDNumber: r.IDNumber,
			Gender: r.Gender, Address: r.Address, EnterpriseCode: r.EnterpriseCode, Registration: r.Registration, Representative: r.Representative,
			DecisionNumber: r.DecisionNumber, DecisionSymbol: r.DecisionSymbol, DecisionYear: r.DecisionYear, IssuedAt: r.IssuedAt.UTC(),
			Violations: []penaltyNationalViolation{}, SanctionForm: r.SanctionForm, Total: r.Total,
			AdditionalPenalties: orEmpty(r.AdditionalPenalties), RemedialMeasures: orEmpty(r.RemedialMeasures), Agency: r.Agency,
			SignerName: r.SignerName, SignerTitle: r.SignerTitle}
		for _, v := range r.Violations {
			rec.Violations = append(rec.Violations, penaltyNationalViolation{Code: v.Code, Act: v.Act, Provision: v.Provision, Fine: v.Fine})
		}
		out.Items[i] = penaltyNationalReportItem{CaseID: e.CaseID, DueAt: timePtr(e.DueAt), Mountain: e.Mountain,
			Overdue: e.ReportedAt.IsZero() && !e.DueAt.IsZero() && !now.Before(e.DueAt), ReportedAt: timePtr(e.ReportedAt),
			Reference: e.Reference, State: string(e.State), Paid: e.Paid, Record: rec}
	}
	if format != "csv" {
		return c.JSON(http.StatusOK, out)
	}
	return writeNationalCSV(c, out)
}

// nationalCSVHeader are the columns of the CSV export: one row per decision, the violations joined.
var nationalCSVHeader = []string{"case_id", "decision_symbol", "issued_at", "due_at", "overdue", "mountain", "subject_kind", "name",
	"date_of_birth", "id_number", "gender", "address", "enterprise_code", "registration", "representative", "violations", "provisions",
	"sanction_form", "total", "additional_penalties", "remedial_measures", "agency", "signer_title", "signer_name", "state", "paid",
	"reported_at", "reference"}

// writeNationalCSV writes the list as CSV (UTF-8 with a byte-order mark, which spreadsheet programs
// need to read Vietnamese).
func writeNationalCSV(c echo.Context, l penaltyNationalReportList) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="csdl-xlvphc.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	c.Response().Write([]byte("\ufeff"))
	w := csv.NewWriter(c.Response())
	w.Write(nationalCSVHeader)
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, it := range l.Items {
		r := it.Record
		var acts, provisions []string
		for _, v := range r.Violations {
			acts = append(acts, v.Act+" ("+strconv.FormatInt(v.Fine, 10)+")")
			provisions = append(provisions, v.Provision)
		}
		w.Write([]string{it.CaseID, r.DecisionSymbol, r.IssuedAt.UTC().Format(time.RFC3339), ts(it.DueAt), strconv.FormatBool(it.Overdue),
			strconv.FormatBool(it.Mountain), r.SubjectKind, r.Name, r.DateOfBirth, r.IDNumber, r.Gender, r.Address, r.EnterpriseCode,
			r.Registration, r.Representative, strings.Join(acts, "; "), strings.Join(provisions, "; "), r.SanctionForm,
			strconv.FormatInt(r.Total, 10), strings.Join(r.AdditionalPenalties, "; "), strings.Join(r.RemedialMeasures, "; "), r.Agency,
			r.SignerTitle, r.SignerName, it.State, strconv.FormatInt(it.Paid, 10), ts(it.ReportedAt), it.Reference})
	}
	w.Flush()
	return w.Error()
}

// penaltyNationalReported marks a batch of decisions as reported under one reference.
func (a *API) penaltyNationalReported(c echo.Context) error {
	var in penaltyNationalBatchRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	var fields []errs.FieldError
	if len(in.CaseIDs) == 0 {
		fields = append(fields, errs.FieldError{Field: "case_ids", Code: errs.CodeRequired})
	}
	if len(in.CaseIDs) > 500 {
		fields = append(fields, errs.FieldError{Field: "case_ids", Code: errs.CodeTooLong})
	}
	if strings.TrimSpace(in.Reference) == "" {
		fields = append(fields, errs.FieldError{Field: "reference", Code: errs.CodeRequired})
	}
	if err := invalidFields(fields); err != nil {
		return err
	}
	svc, err := a.penalties()
	if err != nil {
		return err
	}
	cases, err := svc.ReportNationalBatch(c.Request().Context(), httpcore.PrincipalOf(c), in.CaseIDs, strings.TrimSpace(in.Reference))
	if err != nil {
		return err
	}
	out := penaltyNationalBatchResult{Reported: make([]penaltyReportedCase, len(cases))}
	for i, k := range cases {
		out.Reported[i] = penaltyReportedCase{CaseID: k.ID, Version: k.Version}
	}
	return c.JSON(http.StatusOK, out)
}

// penaltyCircumstanceList is the law's list of circumstances a declaration names by code.
func (a *API) penaltyCircumstanceList(c echo.Context) error {
	out := penaltyCircumstanceList{Items: make([]penaltyLegalCircumstance, len(penalty.LegalCircumstances))}
	for i, x := range penalty.LegalCircumstances {
		out.Items[i] = penaltyLegalCircumstance{Code: x.Code, Kind: string(x.Kind), Text: x.Text, Basis: x.Basis, NeedsNote: x.Other,
			AtApproval: x.Repeat, Confirmed: x.Confirmed}
	}
	return c.JSON(http.StatusOK, out)
}

// declarePenaltyCircumstances replaces a charge's circumstances by the declared ones, each by its
// code in the law's list; it answers the case as the chief sees it (an inspector, who may declare but
// not read the case in the console, gets 204).
func (a *API) declarePenaltyCircumstances(c echo.Context) error {
	var in penaltyCircumstancesRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	if in.Version < 1 {
		return invalidFields([]errs.FieldError{{Field: "version", Code: errs.CodeRequired}})
	}
	ds := make([]penalty.CircumstanceDeclaration, len(in.Circumstances))
	for i, x := range in.Circumstances {
		ds[i] = penalty.CircumstanceDeclaration{Code: x.Code, Note: x.Note}
	}
	cs, err := penalty.CircumstancesOf(ds)
	if err != nil {
		return err
	}
	svc, err := a.penalties()
	if err != nil {
		return err
	}
	p := httpcore.PrincipalOf(c)
	if _, err := svc.DeclareCircumstances(c.Request().Context(), p, c.Param("id"), in.Version, in.Charge, cs, in.Reason); err != nil {
		return err
	}
	if !p.Has(identity.RoleChief) {
		return c.NoContent(http.StatusNoContent)
	}
	return a.answerPenalty(c, svc, c.Param("id"))
}
