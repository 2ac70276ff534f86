package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/mobile-api/contract"
	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/app/apptest"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/config"
	"github.com/skhcn-caobang/thanhtra/server/consolehttp"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/evidence"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/jobs"
	"github.com/skhcn-caobang/thanhtra/server/registry"
	"github.com/skhcn-caobang/thanhtra/server/thumbnail"
)

// viewWorld is a server with an organisation whose campaign's team is a chief and an inspector, an
// inspector outside the team, a director and a clerk, a visit pushed by the inspector's phone, and
// a chief of a second organisation.
type viewWorld struct {
	t                *testing.T
	srv              *apptest.Server
	console, mobile  *schematest.Doc
	visitID          string
	phone, outsider  string // phone tokens
	chief, director  string // console tokens
	clerk, otherOrg  string
	chiefPhone       string // the chief's console token used on the phone API (no device)
	photo, sig, scan []byte
}

func newViewWorld(t *testing.T, tune func(*config.Config)) *viewWorld {
	t.Helper()
	ctx := context.Background()
	// The clock starts now: object lock compares retention dates with the storage server's time.
	now := time.Now().UTC().Truncate(time.Second)
	cfg := apptest.Config(t)
	if tune != nil {
		tune(&cfg)
	}
	srv := apptest.Start(t, cfg, clock.NewManual(now))
	w := &viewWorld{t: t, srv: srv, console: schematest.LoadOpenAPI(t, consolehttp.OpenAPI, consolehttp.Prefix),
		mobile: schematest.LoadOpenAPI(t, contract.OpenAPI, contract.Prefix)}
	a, org := srv.App, srv.Org.ID
	raw, err := schemas.AdminUnits.ReadFile("admin-units/caobang.json")
	if err != nil {
		t.Fatal(err)
	}
	seed, err := adminunit.ParseSeed(raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Units.Seed(ctx, identity.Operator, org, seed); err != nil {
		t.Fatal(err)
	}
	subj, err := a.Registry.CreateSubject(ctx, identity.Operator, registry.Subject{OrgID: org, Kind: registry.Organisation,
		Name: "Công ty Xăng dầu Cao Bằng", TaxCode: "4800100001", Address: "Phường Hợp Giang"})
	if err != nil {
		t.Fatal(err)
	}
	site, err := a.Registry.CreateSite(ctx, identity.Operator, registry.Site{OrgID: org, SubjectID: subj.ID, Type: registry.FuelStation,
		Name: "Cửa hàng xăng dầu số 1", Address: "Tổ 5, phường Sông Hiến",
		Units: []registry.SiteUnit{{UnitCode: "local-phuong-thuc-phan", ValidFrom: adminunit.Date(2025, 7, 1)}}})
	if err != nil {
		t.Fatal(err)
	}
	chief := srv.CreateAccount(t, "v-chief", identity.RoleChief)
	insp := srv.CreateAccount(t, "v-insp", identity.RoleInspector)
	srv.CreateAccount(t, "v-outsider", identity.RoleInspector)
	srv.CreateAccount(t, "v-director", identity.RoleDirector)
	srv.CreateAccount(t, "v-clerk", identity.RoleClerk)
	today := now.In(adminunit.Vietnam)
	day := func(d time.Time) time.Time { return adminunit.Date(d.Year(), d.Month(), d.Day()) }
	camp, err := a.Campaigns.SaveCampaign(ctx, identity.Operator, campaign.Campaign{OrgID: org, Number: "9/KH-SKHCN",
		DecisionDate: day(today.AddDate(0, 0, -40)), Title: "Kiểm tra xăng dầu", Kind: campaign.Check, Origin: campaign.Planned,
		Sectors: []campaign.Sector{campaign.Fuel}, PeriodFrom: day(today.AddDate(0, 0, -30)), PeriodTo: day(today.AddDate(0, 0, 30)),
		Team:       []campaign.Member{{PersonID: chief.PersonID, Role: campaign.Leader}, {PersonID: insp.PersonID, Role: campaign.TeamMember}},
		SubjectIDs: []string{subj.ID}, SiteIDs: []string{site.ID}})
	if err != nil {
		t.Fatal(err)
	}
	w.phone, w.outsider = phoneToken(t, srv, "v-insp", "phone-v-insp"), phoneToken(t, srv, "v-outsider", "phone-v-outsider")
	w.chief, w.director, w.clerk = srv.Login(t, "v-chief"), srv.Login(t, "v-director"), srv.Login(t, "v-clerk")
	w.chiefPhone = w.chief
	other, err := a.Identity.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: "backan", Name: "Sở KH&CN Bắc Kạn"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Identity.CreateAccount(ctx, identity.Operator, identity.NewAccount{OrgID: other.ID, FullName: "Chánh thanh tra Bắc Kạn",
		Login: "bk-chief", Password: apptest.Password, Roles: []identity.Role{identity.RoleChief}}); err != nil {
		t.Fatal(err)
	}
	w.otherOrg = srv.Login(t, "bk-chief")
	w.visitID = clock.UUIDv7{}.NewID()
	r := srv.Do(t, http.MethodPost, "/mobile/v1/sync/push", w.phone, map[string]any{"items": []any{map[string]any{
		"change_id": clock.UUIDv7{}.NewID(), "entity_type": "visit", "entity_id": w.visitID, "base_version": 0, "captured_at": now,
		"payload": map[string]any{"campaign_id": camp.ID, "site_id": site.ID, "date": today.Format(time.DateOnly), "checklist_code": "fuel-station",
			"checklist_version": 1, "status": "in_progress"}}}})
	if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(`"applied"`)) {
		t.Fatalf("push the visit: %d %s", r.Status, r.Body)
	}
	w.photo, w.sig, w.scan = testPhoto(t), testSignature(t), []byte("%PDF-1.7\n% biên bản làm việc\n%%EOF\n")
	return w
}

// testPhoto is a 1200 × 900 JPEG, red on the left.
func testPhoto(t *testing.T) []byte {
	m := image.NewRGBA(image.Rect(0, 0, 1200, 900))
	for y := range 900 {
		for x := range 1200 {
			c := color.RGBA{30, 40, 200, 255}
			if x < 600 {
				c = color.RGBA{210, 30, 30, 255}
			}
			m.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// testSignature is a black stroke on a transparent PNG.
func testSignature(t *testing.T) []byte {
	m := image.NewNRGBA(image.Rect(0, 0, 600, 200))
	for x := 50; x < 550; x++ {
		m.SetNRGBA(x, 100, color.NRGBA{0, 0, 0, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// upload announces a file of the visit from the inspector's phone and, unless announceOnly, sends it
// whole; it returns the evidence ID.
func (w *viewWorld) upload(file []byte, contentType, purpose string, announceOnly bool) string {
	w.t.Helper()
	id := clock.UUIDv7{}.NewID()
	r := w.srv.Do(w.t, http.MethodPut, "/mobile/v1/evidence/"+id+"/upload", w.phone, map[string]any{"visit_id": w.visitID,
		"sha256": sha(file), "size": len(file), "content_type": contentType, "purpose": purpose, "captured_at": time.Now().UTC()})
	if r.Status != http.StatusOK {
		w.t.Fatalf("announce: %d %s", r.Status, r.Body)
	}
	if announceOnly {
		return id
	}
	r = w.srv.Do(w.t, http.MethodPatch, "/mobile/v1/evidence/"+id+"/upload", w.phone, file, "Upload-Offset", "0",
		"Content-Type", "application/offset+octet-stream")
	if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(`"stored"`)) {
		w.t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	return id
}

// get calls a GET route and checks a JSON answer against the document of its API.
func (w *viewWorld) get(path, token string, header ...string) apptest.Response {
	w.t.Helper()
	r := w.srv.Do(w.t, http.MethodGet, path, token, nil, header...)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		doc := w.console
		if strings.HasPrefix(path, "/mobile/") {
			doc = w.mobile
		}
		doc.CheckResponse(w.t, http.MethodGet, path, r.Status, r.Body)
	}
	return r
}

func (w *viewWorld) refused(r apptest.Response, status int, code string) {
	w.t.Helper()
	if r.Status != status || r.ErrorCode() != code {
		w.t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, status, code)
	}
}

// makeThumbnails runs the sweep (which enqueues through the job runner) and then each object's job
// directly, so that the test does not wait for the runner's workers (they may run the same job too:
// it is idempotent).
func (w *viewWorld) makeThumbnails() {
	w.t.Helper()
	ctx := context.Background()
	a := w.srv.App
	if err := a.Thumbnails.Sweep(ctx, jobs.Job{}); err != nil {
		w.t.Fatal(err)
	}
	todo, err := a.Store.ObjectsWithoutThumbnail(ctx, "", "", 100)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, o := range todo {
		p, _ := json.Marshal(thumbnail.Payload{OrgID: o.OrgID, SHA256: o.SHA256})
		if err := a.Thumbnails.Handle(ctx, jobs.Job{Kind: thumbnail.Kind, Payload: p, Attempt: 1, MaxAttempts: 5}); err != nil {
			w.t.Fatal(err)
		}
	}
}

type viewBody struct {
	ID        string `json:"id"`
	State     string `json:"state"`
	Thumbnail string `json:"thumbnail"`
	Object    *struct {
		ContentType string `json:"content_type"`
	} `json:"object"`
	Links struct{ Content, Thumbnail string } `json:"links"`
}

func TestEvidenceViewOverHTTP(t *testing.T) {
	w := newViewWorld(t, nil)
	photo := w.upload(w.photo, "image/jpeg", "photo", false)
	sig := w.upload(w.sig, "image/png", "signature", false)
	scan := w.upload(w.scan, "application/pdf", "document", false)
	pending := w.upload(testPhoto(t)[:2000], "image/jpeg", "photo", true)
	api := consolehttp.Prefix + "/evidence/"
	phoneAPI := contract.Prefix + "/evidence/"

	t.Run("description", func(t *testing.T) {
		w.t = t
		r := w.get(api+photo, w.chief)
		var v viewBody
		if err := json.Unmarshal(r.Body, &v); err != nil || r.Status != http.StatusOK {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		if v.ID != photo || v.State != "stored" || (v.Thumbnail != "pending" && v.Thumbnail != "ready") || v.Object == nil || v.Object.ContentType != "image/jpeg" ||
			v.Links.Content != api+photo+"/content" || v.Links.Thumbnail != api+photo+"/thumbnail" {
			t.Errorf("photo: %s", r.Body)
		}
		r = w.get(api+pending, w.director)
		v = viewBody{}
		if err := json.Unmarshal(r.Body, &v); err != nil || r.Status != http.StatusOK || v.State != "announced" || v.Object != nil {
			t.Errorf("announced only: %d %s", r.Status, r.Body)
		}
		if r := w.get(api+scan, w.chief); !bytes.Contains(r.Body, []byte(`"thumbnail":"none"`)) {
			t.Errorf("a PDF's thumbnail: %s", r.Body)
		}
	})

	t.Run("content", func(t *testing.T) {
		w.t = t
		r := w.get(api+photo+"/content", w.director)
		if r.Status != http.StatusOK || !bytes.Equal(r.Body, w.photo) {
			t.Fatalf("content: %d, %d bytes", r.Status, len(r.Body))
		}
		etag := `"` + sha(w.photo) + `"`
		for h, want := range map[string]string{"Content-Type": "image/jpeg", "ETag": etag, "Cache-Control": "private, no-cache",
			"X-Content-Type-Options": "nosniff", "Content-Disposition": `inline; filename="` + photo + `.jpg"`, "Accept-Ranges": "bytes"} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("%s: %q, want %q", h, got, want)
			}
		}
		r = w.get(api+photo+"/content", w.chief, "Range", "bytes=100-199")
		if r.Status != http.StatusPartialContent || !bytes.Equal(r.Body, w.photo[100:200]) ||
			r.Header.Get("Content-Range") != "bytes 100-199/"+strconv.Itoa(len(w.photo)) {
			t.Errorf("range: %d %q, %d bytes", r.Status, r.Header.Get("Content-Range"), len(r.Body))
		}
		if r := w.get(api+photo+"/content", w.chief, "If-None-Match", etag); r.Status != http.StatusNotModified || len(r.Body) != 0 {
			t.Errorf("If-None-Match: %d", r.Status)
		}
		if r := w.get(api+scan+"/content", w.chief); r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/pdf" || !bytes.Equal(r.Body, w.scan) {
			t.Errorf("the PDF: %d %q", r.Status, r.Header.Get("Content-Type"))
		}
		w.refused(w.get(api+pending+"/content", w.chief), http.StatusConflict, string(errs.CodeEvidenceNotStored))
	})

	t.Run("thumbnails", func(t *testing.T) {
		w.t = t
		// The intake asks for a thumbnail when the bytes arrive: the job runner makes it without the
		// sweep. Until then it is pending.
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			r := w.get(api+photo+"/thumbnail", w.chief)
			if r.Status == http.StatusOK {
				break
			}
			w.refused(r, http.StatusConflict, string(errs.CodeThumbnailPending))
			if time.Now().After(deadline) {
				t.Fatal("no thumbnail 20 s after the photo arrived: the intake did not ask for one")
			}
		}
		w.makeThumbnails()
		for _, id := range []string{photo, sig} {
			r := w.get(api+id+"/thumbnail", w.chief)
			if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/jpeg" {
				t.Fatalf("thumbnail of %s: %d %s", id, r.Status, r.Body)
			}
			img, err := jpeg.Decode(bytes.NewReader(r.Body))
			if err != nil || max(img.Bounds().Dx(), img.Bounds().Dy()) != 320 {
				t.Errorf("thumbnail: %v %v", img.Bounds(), err)
			}
		}
		if r := w.get(api+photo, w.chief); !bytes.Contains(r.Body, []byte(`"thumbnail":"ready"`)) {
			t.Errorf("after the job: %s", r.Body)
		}
		w.refused(w.get(api+scan+"/thumbnail", w.chief), http.StatusNotFound, string(errs.CodeThumbnailUnavailable))
		w.refused(w.get(api+pending+"/thumbnail", w.chief), http.StatusConflict, string(errs.CodeEvidenceNotStored))
	})

	t.Run("phone", func(t *testing.T) {
		w.t = t
		r := w.get(phoneAPI+photo+"/content", w.phone, "Range", "bytes=1000-")
		if r.Status != http.StatusPartialContent || !bytes.Equal(r.Body, w.photo[1000:]) {
			t.Fatalf("a download continued: %d, %d bytes", r.Status, len(r.Body))
		}
		if r := w.get(phoneAPI+sig+"/thumbnail", w.phone); r.Status != http.StatusOK || r.Header.Get("ETag") != `"thumb-`+sha(w.sig)+`"` {
			t.Errorf("thumbnail: %d %q", r.Status, r.Header.Get("ETag"))
		}
		w.refused(w.get(phoneAPI+photo+"/content", w.outsider), http.StatusNotFound, string(errs.CodeEvidenceNotFound))
		w.refused(w.get(phoneAPI+photo+"/thumbnail", w.outsider), http.StatusNotFound, string(errs.CodeEvidenceNotFound))
		w.refused(w.get(phoneAPI+photo+"/content", w.chiefPhone), http.StatusForbidden, string(errs.CodeRoleRequired))
		w.refused(w.get(phoneAPI+clock.UUIDv7{}.NewID()+"/content", w.phone), http.StatusNotFound, string(errs.CodeEvidenceNotFound))
		w.refused(w.get(phoneAPI+pending+"/content", w.phone), http.StatusConflict, string(errs.CodeEvidenceNotStored))
	})

	t.Run("access", func(t *testing.T) {
		w.t = t
		for _, p := range []string{"", "/content", "/thumbnail"} {
			w.refused(w.get(api+photo+p, w.otherOrg), http.StatusNotFound, string(errs.CodeEvidenceNotFound))
			w.refused(w.get(api+photo+p, w.clerk), http.StatusForbidden, string(errs.CodeRoleRequired))
			w.refused(w.get(api+photo+p, ""), http.StatusUnauthorized, string(errs.CodeTokenMissing))
		}
		w.refused(w.get(api+strings.Repeat("x", 300), w.chief), http.StatusNotFound, string(errs.CodeEvidenceNotFound))
	})

	t.Run("a stored object gone from the store", func(t *testing.T) {
		w.t = t
		if err := w.srv.App.Blobs.Delete(context.Background(), evidence.ContentKey(w.srv.Org.ID, sha(w.scan))); err != nil {
			t.Fatal(err)
		}
		if r := w.get(api+scan+"/content", w.chief); r.Status != http.StatusInternalServerError {
			t.Errorf("%d %s, want 500 (a break for thanhtra verify)", r.Status, r.Body)
		}
	})
}

// With EVIDENCE_RETENTION, evidence content cannot be deleted (on S3 with object lock, or the local
// store), while thumbnails stay deletable. With S3_PUBLIC_URL (S3 only), the content answers are
// redirects to presigned URLs, after the same access check.
func TestEvidenceLockAndPresign(t *testing.T) {
	w := newViewWorld(t, func(c *config.Config) {
		c.EvidenceRetention = time.Hour
		if c.S3Endpoint != "" {
			c.S3ObjectLock, c.S3PublicURL, c.S3PresignTTL = true, "http://"+c.S3Endpoint, 2*time.Minute
		}
	})
	photo := w.upload(w.photo, "image/jpeg", "photo", false)
	w.makeThumbnails()
	ctx := context.Background()
	org := w.srv.Org.ID
	info, err := w.srv.App.Blobs.Stat(ctx, evidence.ContentKey(org, sha(w.photo)))
	if err != nil || info.RetainUntil.Before(time.Now().Add(50*time.Minute)) {
		t.Fatalf("the content's lock: %+v %v", info, err)
	}
	if err := w.srv.App.Blobs.Delete(ctx, evidence.ContentKey(org, sha(w.photo))); errs.CodeOf(err) != errs.CodeObjectLocked {
		t.Errorf("deleting locked evidence: %v, want %s", err, errs.CodeObjectLocked)
	}
	if err := w.srv.App.Blobs.Delete(ctx, thumbnail.Key(org, sha(w.photo))); err != nil {
		t.Errorf("deleting a thumbnail: %v", err)
	}

	if w.srv.App.Config.S3PublicURL == "" {
		return // the local store gives no URLs: the content is streamed (TestEvidenceViewOverHTTP)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path, token string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, w.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for _, c := range []struct{ path, token string }{
		{consolehttp.Prefix + "/evidence/" + photo + "/content", w.chief},
		{contract.Prefix + "/evidence/" + photo + "/content", w.phone},
	} {
		res := get(c.path, c.token)
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusFound || !strings.Contains(loc, "X-Amz-Expires=120") || res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("%s: %d %q", c.path, res.StatusCode, loc)
		}
		s3, err := http.Get(loc)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(s3.Body)
		s3.Body.Close()
		if s3.StatusCode != http.StatusOK || !bytes.Equal(b, w.photo) || s3.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("the presigned URL: %d %q, %d bytes", s3.StatusCode, s3.Header.Get("Content-Type"), len(b))
		}
	}
	if res := get(contract.Prefix+"/evidence/"+photo+"/content", w.outsider); res.StatusCode != http.StatusNotFound {
		t.Errorf("outsider: %d, want 404 and no URL", res.StatusCode)
	}
}
