package mobilehttp

import (
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/evidence"
	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

// The evidence upload (mobile-api/openapi.yaml, "Evidence upload"; docs/evidence.md): a phone
// announces evidence with PUT /evidence/{id}/upload (or in a sync push), learns where the upload
// stands with GET, and sends bytes with PATCH from the offset the server holds, tus-like:
//
//	PATCH /mobile/v1/evidence/{id}/upload
//	Upload-Offset: 0
//	Content-Type: application/offset+octet-stream
//
// Every answer carries Upload-Offset (the bytes the server holds) and Upload-Length (the announced
// size); an answer with the upload's state also carries Evidence-State.

// Headers of the upload protocol.
const (
	headerUploadOffset  = "Upload-Offset"
	headerUploadLength  = "Upload-Length"
	headerEvidenceState = "Evidence-State"
)

// uploadStatus is schemas/evidence-upload-status.schema.json.
type uploadStatus struct {
	ID     string `json:"id"`
	State  string `json:"state"`
	Offset int64  `json:"offset"`
	Size   int64  `json:"size"`
}

// announceRequest is schemas/sync-push-evidence.schema.json, the payload of a pushed evidence
// item. The handler hands the body as it came to the push applier's rules (gormstore), which decode it
// strictly; this struct documents the shape.
type announceRequest struct {
	VisitID     string       `json:"visit_id"`
	RecordID    string       `json:"record_id,omitempty"`
	FindingID   string       `json:"finding_id,omitempty"`
	SHA256      string       `json:"sha256"`
	Size        int64        `json:"size"`
	ContentType string       `json:"content_type"`
	Purpose     string       `json:"purpose"`
	CapturedAt  time.Time    `json:"captured_at"`
	GPS         *announceGPS `json:"gps,omitempty"`
}

type announceGPS struct {
	Lat       float64  `json:"lat"`
	Lon       float64  `json:"lon"`
	AccuracyM *float64 `json:"accuracy_m,omitempty"`
}

// evidenceRoutes are the upload's routes, for phones of inspectors and chiefs.
func (a *API) evidenceRoutes() []httpcore.Route {
	maxBody := evidence.DefaultLimits.MaxObjectBytes
	if a.Evidence != nil {
		maxBody = a.Evidence.Limits.Normal().MaxObjectBytes
	}
	return []httpcore.Route{
		{Method: http.MethodPut, Path: "/evidence/:id/upload", Access: httpcore.Authenticated, Handler: a.announceEvidence},
		{Method: http.MethodGet, Path: "/evidence/:id/upload", Access: httpcore.Authenticated, Handler: a.evidenceStatus},
		{Method: http.MethodPatch, Path: "/evidence/:id/upload", Access: httpcore.Authenticated, Handler: a.uploadEvidence, MaxBody: maxBody},
	}
}

// uploader returns the caller as the evidence service sees it: a phone of an inspector or a chief.
func (a *API) uploader(c echo.Context) (syncpush.Pusher, error) {
	p, err := a.phone(c)
	if err != nil {
		return syncpush.Pusher{}, err
	}
	if p.PersonID == "" || !p.Has(identity.RoleInspector, identity.RoleChief) {
		return syncpush.Pusher{}, errs.E(errs.Op("mobilehttp.uploader"), errs.Forbidden, errs.CodeRoleRequired)
	}
	return syncpush.Pusher{OrgID: p.OrgID, DeviceID: p.DeviceID, AccountID: p.AccountID, PersonID: p.PersonID}, nil
}

// announceEvidence announces evidence: the body is the payload of a pushed evidence item
// (schemas/evidence-announce-request.schema.json). The answer says stored when the organisation
// already holds the content, else the offset to upload from.
func (a *API) announceEvidence(c echo.Context) error {
	by, err := a.uploader(c)
	if err != nil {
		return err
	}
	if ct := c.Request().Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "Content-Type", Code: errs.CodeInvalidValue})
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return readError(errs.Op("mobilehttp.announceEvidence"), err, false)
	}
	st, err := a.Evidence.Announce(c.Request().Context(), by, c.Param("id"), body)
	if err != nil {
		return err
	}
	return writeStatus(c, st)
}

// evidenceStatus answers where the upload stands, in the headers and as JSON. (No HEAD: its errors
// could not carry their code, and the body is a few dozen bytes.)
func (a *API) evidenceStatus(c echo.Context) error {
	by, err := a.uploader(c)
	if err != nil {
		return err
	}
	st, err := a.Evidence.Status(c.Request().Context(), by, c.Param("id"))
	if err != nil {
		return err
	}
	return writeStatus(c, st)
}

// uploadEvidence takes bytes from Upload-Offset. An answer to a body cut short is the bytes the
// server kept; a phone that never saw it asks with GET.
func (a *API) uploadEvidence(c echo.Context) error {
	const op = errs.Op("mobilehttp.uploadEvidence")
	by, err := a.uploader(c)
	if err != nil {
		return err
	}
	req := c.Request()
	offset, err := strconv.ParseInt(req.Header.Get(headerUploadOffset), 10, 64)
	if err != nil || offset < 0 {
		code := errs.CodeInvalidValue
		if req.Header.Get(headerUploadOffset) == "" {
			code = errs.CodeRequired
		}
		return errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: headerUploadOffset, Code: code})
	}
	switch ct, _, _ := strings.Cut(strings.ToLower(req.Header.Get("Content-Type")), ";"); strings.TrimSpace(ct) {
	case "application/offset+octet-stream", "application/octet-stream":
	default:
		return errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "Content-Type", Code: errs.CodeInvalidValue})
	}
	length := req.ContentLength // -1: chunked, read up to the announced size
	st, err := a.Evidence.Write(req.Context(), by, c.Param("id"), offset, req.Body, length)
	if err != nil {
		var oe *evidence.OffsetError
		switch {
		case errors.As(err, &oe):
			c.Response().Header().Set(headerUploadOffset, strconv.FormatInt(oe.Offset, 10))
		case st.ID != "":
			setStatusHeaders(c, st)
		}
		if errs.CodeOf(err) == errs.CodeEvidenceQuotaExceeded {
			now := a.Evidence.Clock.Now()
			err = httpcore.WithRetryAfter(err, int(math.Ceil(evidence.NextDay(now).Sub(now).Seconds())))
		}
		return err
	}
	return writeStatus(c, st)
}

func setStatusHeaders(c echo.Context, st evidence.Status) {
	h := c.Response().Header()
	h.Set(headerUploadOffset, strconv.FormatInt(st.Offset, 10))
	h.Set(headerUploadLength, strconv.FormatInt(st.Size, 10))
	h.Set(headerEvidenceState, st.State)
	h.Set("Cache-Control", "no-store")
}

func writeStatus(c echo.Context, st evidence.Status) error {
	setStatusHeaders(c, st)
	return c.JSON(http.StatusOK, uploadStatus{ID: st.ID, State: st.State, Offset: st.Offset, Size: st.Size})
}
