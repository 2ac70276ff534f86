package mobilehttp

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
	"github.com/skhcn-caobang/thanhtra/server/syncsvc"
)

// The sync routes: POST /sync/pull and POST /sync/push (the protocol is in mobile-api/openapi.yaml,
// "Sync protocol", and docs/sync.md).
//
// The pull answer carries no server time in its body, so that the same state gives the same bytes
// and the same ETag: the server's time is the Date header (from the server's clock), present on 200
// and 304 alike.

// pullRequest is schemas/sync-pull-request.schema.json.
type pullRequest struct {
	Datasets map[string]string `json:"datasets"`
	Limit    int               `json:"limit"`
}

// pullResponse is schemas/sync-pull-response.schema.json.
type pullResponse struct {
	Datasets map[string]datasetPage `json:"datasets"`
}

type datasetPage struct {
	Changes  []change `json:"changes"`
	Next     string   `json:"next"`
	Complete bool     `json:"complete"`
	Checksum *uint32  `json:"checksum,omitempty"`
	Reset    bool     `json:"reset"`
}

type change struct {
	Type    string          `json:"type"`
	ID      string          `json:"id"`
	Op      string          `json:"op"`
	Version int64           `json:"version"`
	Data    json.RawMessage `json:"data,omitempty"` // exactly as the log holds it: phones checksum these bytes
}

// pushResponse is schemas/sync-push-response.schema.json.
type pushResponse struct {
	Results []pushResult `json:"results"`
}

type pushResult struct {
	ChangeID string `json:"change_id"`
	Outcome  string `json:"outcome"`
	Version  int64  `json:"version"`
	Code     string `json:"code,omitempty"`
	Message  string `json:"message,omitempty"` // the catalogue's message of Code, never the reason
	// Fields are the field errors of a rejection, codes only (the reason stays on the server).
	Fields []resultField `json:"fields,omitempty"`
}

type resultField struct {
	Field string `json:"field"`
	Code  string `json:"code"`
}

func toPullResponse(pages map[string]syncsvc.DatasetPage) pullResponse {
	out := pullResponse{Datasets: make(map[string]datasetPage, len(pages))}
	for name, p := range pages {
		dp := datasetPage{Changes: make([]change, len(p.Changes)), Next: string(p.Next), Complete: p.Complete,
			Checksum: p.Checksum, Reset: p.Reset}
		for i, e := range p.Changes {
			dp.Changes[i] = change{Type: e.EntityType, ID: e.EntityID, Op: string(e.Op), Version: e.Version, Data: e.Data}
			if e.Op == syncfeed.OpDelete {
				dp.Changes[i].Data = nil
			}
		}
		out.Datasets[name] = dp
	}
	return out
}

// encodePull renders a pull answer as encodeJSON would, but writes each change's data as it is:
// encoding/json checks and compacts every raw value again, which was a tenth of a first pull's time.
// The data comes from the log, where it was stored compact by json.Marshal.
func encodePull(r pullResponse) ([]byte, error) {
	names := make([]string, 0, len(r.Datasets))
	size := 64
	for name, p := range r.Datasets {
		names = append(names, name)
		for _, c := range p.Changes {
			size += len(c.Data) + len(c.ID) + len(c.Type) + 48
		}
	}
	slices.Sort(names) // the order encoding/json gives a map, so the ETag does not change
	b := make([]byte, 0, size)
	str := func(s string) error {
		q, err := encodeJSON(s)
		b = append(b, q...)
		return err
	}
	b = append(b, `{"datasets":{`...)
	for i, name := range names {
		p := r.Datasets[name]
		if i > 0 {
			b = append(b, ',')
		}
		if err := str(name); err != nil {
			return nil, err
		}
		b = append(b, `:{"changes":[`...)
		for j, c := range p.Changes {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"type":`...)
			if err := str(c.Type); err != nil {
				return nil, err
			}
			b = append(b, `,"id":`...)
			if err := str(c.ID); err != nil {
				return nil, err
			}
			b = append(b, `,"op":`...)
			if err := str(c.Op); err != nil {
				return nil, err
			}
			b = append(b, `,"version":`...)
			b = strconv.AppendInt(b, c.Version, 10)
			if len(c.Data) > 0 {
				b = append(b, `,"data":`...)
				b = append(b, c.Data...)
			}
			b = append(b, '}')
		}
		b = append(b, `],"next":`...)
		if err := str(p.Next); err != nil {
			return nil, err
		}
		b = append(b, `,"complete":`...)
		b = strconv.AppendBool(b, p.Complete)
		if p.Checksum != nil {
			b = append(b, `,"checksum":`...)
			b = strconv.AppendUint(b, uint64(*p.Checksum), 10)
		}
		b = append(b, `,"reset":`...)
		b = strconv.AppendBool(b, p.Reset)
		b = append(b, '}')
	}
	b = append(b, "}}"...)
	return b, nil
}

// encodeJSON renders v without escaping <, > and & (encoding/json's default), so that each change's
// data goes out byte for byte as the log holds it: a name such as "Sở KH&CN" must reach the phone as
// written, or the phone's checksum of it would not match the server's.
func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// consoleSession is the platform under which the console's login registers a browser session as a
// device (consolehttp's login).
const consoleSession = "web"

// phone returns the caller when its token belongs to a phone. Both logins bind a token to a device,
// but the console's devices are browser sessions: they hold no local copy, no outbox and no record
// numbers, and must not sync (403 role_required, like a token of a role that may not sync). The
// roles are checked by the sync service.
func (a *API) phone(c echo.Context) (identity.Principal, error) {
	const op = errs.Op("mobilehttp.phone")
	p := httpcore.PrincipalOf(c)
	if p.DeviceID == "" {
		return p, errs.E(op, errs.Forbidden, errs.CodeRoleRequired, "no device")
	}
	d, err := a.Identity.Store.Device(c.Request().Context(), p.OrgID, p.DeviceID)
	if err != nil {
		return p, errs.E(op, err)
	}
	if d.Platform == consoleSession {
		return p, errs.E(op, errs.Forbidden, errs.CodeRoleRequired, "a console session")
	}
	return p, nil
}

// pull answers a page per dataset (see syncsvc.Service.Pull), compressed with gzip when the phone
// accepts it, with an ETag of the uncompressed body; a request whose If-None-Match names that ETag
// gets 304 with no body.
func (a *API) pull(c echo.Context) error {
	started := time.Now()
	var in pullRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	if in.Limit < 0 {
		return errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "limit", Code: errs.CodeInvalidValue})
	}
	cursors := make(map[string]syncfeed.Cursor, len(in.Datasets))
	for name, cur := range in.Datasets {
		cursors[name] = syncfeed.Cursor(cur)
	}
	p, err := a.phone(c)
	if err != nil {
		return err
	}
	pages, err := a.Sync.Pull(c.Request().Context(), p, cursors, in.Limit)
	if err != nil {
		return err
	}
	body, err := encodePull(toPullResponse(pages))
	if err != nil {
		return errs.E(errs.Op("mobilehttp.pull"), errs.Internal, err)
	}
	h := c.Response().Header()
	h.Add("Vary", "Accept-Encoding")
	// The handler's time, for operators and the benchmarks (a standard header), set just before the
	// answer is written.
	timing := func() {
		h.Set("Server-Timing", fmt.Sprintf("pull;dur=%.3f", float64(time.Since(started).Microseconds())/1000))
	}
	if a.Sync.Clock != nil {
		h.Set("Date", a.Sync.Clock.Now().UTC().Format(http.TimeFormat))
	}
	tag := etag(body)
	h.Set("ETag", tag)
	if noneMatch(c.Request().Header.Get("If-None-Match"), tag) {
		timing()
		return c.NoContent(http.StatusNotModified)
	}
	// A small answer (the usual pull of a phone that is up to date) goes plain: gzip would save a
	// few dozen bytes and cost more server time than the rest of the pull.
	if len(body) < gzipMinBytes || !acceptsGzip(c.Request().Header.Get("Accept-Encoding")) {
		timing()
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body)
	}
	var zb bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer) // BestSpeed: a third of the time, and still far under the size target
	defer gzipWriters.Put(zw)
	zw.Reset(&zb)
	if _, err := zw.Write(body); err != nil {
		return errs.E(errs.Op("mobilehttp.pull"), errs.Internal, err)
	}
	if err := zw.Close(); err != nil {
		return errs.E(errs.Op("mobilehttp.pull"), errs.Internal, err)
	}
	h.Set("Content-Encoding", "gzip")
	timing()
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, zb.Bytes())
}

// gzipMinBytes is the smallest pull answer sent compressed.
const gzipMinBytes = 1024

// gzipWriters are reused: a new gzip.Writer allocates about 800 KB of tables.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return zw
}}

// etag is a weak entity tag of the uncompressed body: weak, because the gzip and the plain answers
// carry the same tag and are equal in content only, not byte for byte.
func etag(body []byte) string {
	sum := sha256.Sum256(body)
	return `W/"` + hex.EncodeToString(sum[:16]) + `"`
}

// noneMatch tells whether an If-None-Match header names tag ("*" names any), comparing weakly: W/
// prefixes are ignored on both sides.
func noneMatch(header, tag string) bool {
	want := strings.TrimPrefix(tag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || (t != "" && strings.TrimPrefix(t, "W/") == want) {
			return true
		}
	}
	return false
}

// acceptsGzip tells whether an Accept-Encoding header allows gzip: named with a quality above zero,
// or not named and "*" allowed.
func acceptsGzip(header string) bool {
	gz, star := -1.0, -1.0
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "gzip", "x-gzip":
			gz = max(gz, q)
		case "*":
			star = max(star, q)
		}
	}
	if gz >= 0 {
		return gz > 0
	}
	return star > 0
}

// push applies a batch of changes made offline (see syncsvc.Service.Push) and answers one result per
// item, in order. The body may be gzip-compressed (Content-Encoding: gzip); the batch limit applies
// to the body as sent and, again, to the body decompressed.
func (a *API) push(c echo.Context) error {
	p, err := a.phone(c)
	if err != nil {
		return err
	}
	lim := a.Sync.Limits
	body, err := readPushBody(c.Request(), lim.MaxBatchBytes)
	if err != nil {
		return err
	}
	items, err := syncpush.DecodeBatch(bytes.NewReader(body), lim)
	if err != nil {
		return err
	}
	rs, err := a.Sync.Push(c.Request().Context(), p, items)
	if err != nil {
		return err
	}
	lang := httpcore.Language(c.Request().Header.Get("Accept-Language"))
	out := pushResponse{Results: make([]pushResult, len(rs))}
	for i, r := range rs {
		out.Results[i] = pushResult{ChangeID: r.ChangeID, Outcome: string(r.Outcome), Version: r.Version, Code: string(r.Code)}
		for _, f := range r.Fields {
			out.Results[i].Fields = append(out.Results[i].Fields, resultField{Field: f.Field, Code: string(f.Code)})
		}
		if r.Code != "" && a.Messages != nil {
			out.Results[i].Message = a.Messages.Text(r.Code, errs.Invalid, lang)
		}
	}
	return c.JSON(http.StatusOK, out)
}

// readPushBody reads the request body, decompressing it when Content-Encoding says gzip, and refuses
// one longer than max bytes as sent or as decompressed (413 body_too_large), a body that is not JSON
// by its Content-Type or not valid gzip (400 push_malformed).
func readPushBody(r *http.Request, max int) ([]byte, error) {
	const op = errs.Op("mobilehttp.readPushBody")
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return nil, errs.E(op, errs.Invalid, errs.CodePushMalformed, "content type "+ct)
	}
	var src io.Reader = r.Body
	gzipped := false
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, readError(op, err, true)
		}
		defer zr.Close()
		src, gzipped = zr, true
	default:
		return nil, errs.E(op, errs.Invalid, errs.CodePushMalformed, "content encoding "+enc)
	}
	body, err := io.ReadAll(io.LimitReader(src, int64(max)+1))
	if err != nil {
		return nil, readError(op, err, gzipped)
	}
	if len(body) > max {
		return nil, errs.E(op, errs.TooLarge, errs.CodeBodyTooLarge, fmt.Sprintf("more than %d bytes decompressed", max))
	}
	return body, nil
}

// readError classifies an error reading the body: past the route's limit (413), a broken gzip
// stream (400), or the connection (the phone went away: 503, it will send again).
func readError(op errs.Op, err error, gzipped bool) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return errs.E(op, errs.TooLarge, errs.CodeBodyTooLarge, err)
	case gzipped:
		return errs.E(op, errs.Invalid, errs.CodePushMalformed, "not gzip: "+err.Error())
	}
	return errs.E(op, errs.Unavailable, err)
}
