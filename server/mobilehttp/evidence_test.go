package mobilehttp_test

// The evidence upload through the whole server (apptest: the database of TEST_DATABASE_URL or
// SQLite, the S3 server of TEST_S3_ENDPOINT or the local object store). Cuts are made with a raw
// connection that sends part of a body and then half-closes: the server sees the body end early, as
// when a phone loses its signal, and its answer still reaches the test, which can then check that
// the offset the server reports is exactly the bytes that reached it.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/mobile-api/contract"
	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/app/apptest"
	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/config"
	"github.com/skhcn-caobang/thanhtra/server/consolehttp"
	"github.com/skhcn-caobang/thanhtra/server/evidence"
	"github.com/skhcn-caobang/thanhtra/server/evidence/evidencetest"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/registry"
)

// evStart is the test clock's start: a Monday morning in Cao Bằng.
var evStart = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)

// evOrg is one organisation of the test: a campaign with a fuel station (with coordinates), a visit
// pushed by its first phone, and the tokens of its phones.
type evOrg struct {
	id         string
	visitID    string
	campaignID string
	siteID     string
	siteLat    float64
	siteLon    float64
	phones     []string // access tokens of phones of the campaign's team
	logins     []string // their logins
	chief      string   // the chief's console token
}

type evWorld struct {
	t       testing.TB
	srv     *apptest.Server
	clock   *clock.Manual
	mobile  *schematest.Doc
	console *schematest.Doc
	org     evOrg
	other   evOrg // another organisation
	rng     *mrand.Rand
}

func newEvWorld(t testing.TB, tune func(*config.Config)) *evWorld {
	return newEvWorldOf(t, tune, 3)
}

// newEvWorldOf is newEvWorld with phones phones in the first organisation's team.
func newEvWorldOf(t testing.TB, tune func(*config.Config), phones int) *evWorld {
	t.Helper()
	c := clock.NewManual(evStart)
	cfg := apptest.Config(t)
	if tune != nil {
		tune(&cfg)
	}
	srv := apptest.Start(t, cfg, c)
	w := &evWorld{t: t, srv: srv, clock: c, rng: mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 1))}
	if _, bench := t.(*testing.B); !bench { // the benchmarks check no answers against the documents
		w.mobile = schematest.LoadOpenAPI(t, contract.OpenAPI, contract.Prefix)
		w.console = schematest.LoadOpenAPI(t, consolehttp.OpenAPI, consolehttp.Prefix)
	}
	w.org = w.setupOrg(srv.Org.ID, "cb", 22.6657, 106.2522, phones)
	other, err := srv.App.Identity.CreateOrganisation(context.Background(), identity.Operator, identity.NewOrganisation{Code: "backan", Name: "Sở KH&CN Bắc Kạn"})
	if err != nil {
		t.Fatal(err)
	}
	w.other = w.setupOrg(other.ID, "bk", 22.1470, 105.8348, 1)
	return w
}

// setupOrg makes an organisation's campaign, site, team and visit, and logs its phones in.
func (w *evWorld) setupOrg(orgID, prefix string, lat, lon float64, phones int) evOrg {
	t := w.t
	t.Helper()
	ctx := context.Background()
	a := w.srv.App
	raw, err := schemas.AdminUnits.ReadFile("admin-units/caobang.json")
	if err != nil {
		t.Fatal(err)
	}
	seed, err := adminunit.ParseSeed(raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Units.Seed(ctx, identity.Operator, orgID, seed); err != nil {
		t.Fatal(err)
	}
	account := func(login string, roles ...identity.Role) identity.Account {
		acct, err := a.Identity.CreateAccount(ctx, identity.Operator, identity.NewAccount{OrgID: orgID, FullName: "Cán bộ " + login,
			Login: login, Password: apptest.Password, Roles: roles})
		if err != nil {
			t.Fatal(err)
		}
		return acct
	}
	subj, err := a.Registry.CreateSubject(ctx, identity.Operator, registry.Subject{OrgID: orgID, Kind: registry.Organisation,
		Name: "Công ty Xăng dầu " + prefix, TaxCode: "48001000" + strconv.Itoa(len(prefix)) + "1", Address: "Phường Hợp Giang"})
	if err != nil {
		t.Fatal(err)
	}
	site, err := a.Registry.CreateSite(ctx, identity.Operator, registry.Site{OrgID: orgID, SubjectID: subj.ID, Type: registry.FuelStation,
		Name: "Cửa hàng xăng dầu " + prefix, Address: "Tổ 5, phường Sông Hiến", Lat: &lat, Lon: &lon,
		Units: []registry.SiteUnit{{UnitCode: "040", ValidTo: adminunit.Date(2025, 6, 30)}, {UnitCode: "local-phuong-thuc-phan", ValidFrom: adminunit.Date(2025, 7, 1)}}})
	if err != nil {
		t.Fatal(err)
	}
	chief := account(prefix+"-chief", identity.RoleChief)
	team := []campaign.Member{{PersonID: chief.PersonID, Role: campaign.Leader}}
	var logins []string
	for i := range phones {
		login := fmt.Sprintf("%s-insp%d", prefix, i+1)
		acct := account(login, identity.RoleInspector)
		team = append(team, campaign.Member{PersonID: acct.PersonID, Role: campaign.TeamMember})
		logins = append(logins, login)
	}
	camp, err := a.Campaigns.SaveCampaign(ctx, identity.Operator, campaign.Campaign{OrgID: orgID, Number: "1/KH-" + prefix,
		DecisionDate: adminunit.Date(2026, 1, 5), Title: "Kiểm tra xăng dầu", Kind: campaign.Check, Origin: campaign.Planned,
		Sectors: []campaign.Sector{campaign.Fuel}, PeriodFrom: adminunit.Date(2026, 1, 10), PeriodTo: adminunit.Date(2026, 12, 31),
		Team: team, SubjectIDs: []string{subj.ID}, SiteIDs: []string{site.ID}})
	if err != nil {
		t.Fatal(err)
	}
	o := evOrg{id: orgID, siteLat: lat, siteLon: lon, logins: logins, campaignID: camp.ID, siteID: site.ID}
	w.login(&o)
	o.chief = w.srv.Login(t, prefix+"-chief")
	o.visitID = newID()
	r := w.srv.Do(t, http.MethodPost, "/mobile/v1/sync/push", o.phones[0], map[string]any{"items": []any{map[string]any{
		"change_id": newID(), "entity_type": "visit", "entity_id": o.visitID, "base_version": 0, "captured_at": evStart,
		"payload": map[string]any{"campaign_id": camp.ID, "site_id": site.ID, "date": "2026-03-02", "checklist_code": "fuel-station",
			"checklist_version": 1, "status": "in_progress"}}}})
	if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(`"applied"`)) {
		t.Fatalf("push the visit: %d %s", r.Status, r.Body)
	}
	return o
}

// login logs the org's phones in (again: access tokens live 10 minutes of the test's clock).
func (w *evWorld) login(o *evOrg) {
	w.t.Helper()
	o.phones = nil
	for _, login := range o.logins {
		r := w.srv.Do(w.t, http.MethodPost, "/mobile/v1/auth/login", "", map[string]any{"login": login, "password": apptest.Password,
			"device": map[string]string{"id": "phone-" + login, "platform": "android"}})
		var pair struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(r.Body, &pair); err != nil || pair.AccessToken == "" {
			w.t.Fatalf("login %s: %d %s", login, r.Status, r.Body)
		}
		o.phones = append(o.phones, pair.AccessToken)
	}
}

func newID() string { return clock.UUIDv7{}.NewID() }

// announce announces a file of the org's visit with PUT and returns the answer.
func (w *evWorld) announce(o evOrg, phone int, id string, file []byte, contentType, purpose string, gps ...float64) apptest.Response {
	w.t.Helper()
	p := map[string]any{"visit_id": o.visitID, "sha256": evidencetest.SHA256(file), "size": len(file), "content_type": contentType,
		"purpose": purpose, "captured_at": "2026-03-02T09:00:00+07:00"}
	if len(gps) == 2 {
		p["gps"] = map[string]any{"lat": gps[0], "lon": gps[1], "accuracy_m": 5}
	}
	return w.do(http.MethodPut, "/evidence/"+id+"/upload", o.phones[phone], p)
}

// do sends a request to the phone API and checks the answer against the document.
func (w *evWorld) do(method, path, token string, body any, header ...string) apptest.Response {
	w.t.Helper()
	r := w.srv.Do(w.t, method, contract.Prefix+path, token, body, header...)
	if method != http.MethodHead {
		w.mobile.CheckResponse(w.t, method, contract.Prefix+path, r.Status, r.Body)
	}
	return r
}

// patch sends bytes from offset.
func (w *evWorld) patch(token, id string, offset int, body []byte) apptest.Response {
	w.t.Helper()
	if body == nil {
		body = []byte{}
	}
	return w.do(http.MethodPatch, "/evidence/"+id+"/upload", token, body, "Upload-Offset", strconv.Itoa(offset),
		"Content-Type", "application/offset+octet-stream")
}

// status decodes an upload status answer.
func (w *evWorld) status(r apptest.Response) (state string, offset int64) {
	w.t.Helper()
	var st struct {
		State  string `json:"state"`
		Offset int64  `json:"offset"`
	}
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &st) != nil {
		w.t.Fatalf("not a status: %d %s", r.Status, r.Body)
	}
	if h := r.Header.Get("Upload-Offset"); h != strconv.FormatInt(st.Offset, 10) {
		w.t.Fatalf("Upload-Offset %q, body offset %d", h, st.Offset)
	}
	return st.State, st.Offset
}

// head returns the offset and state the server reports (GET; the phone's question after a cut).
func (w *evWorld) head(token, id string) (string, int64) {
	w.t.Helper()
	r := w.do(http.MethodGet, "/evidence/"+id+"/upload", token, nil)
	st, off := w.status(r)
	if r.Header.Get("Evidence-State") != st || r.Header.Get("Upload-Length") == "" {
		w.t.Fatalf("status headers %v", r.Header)
	}
	return st, off
}

// cut sends a PATCH whose body ends after sent (a Content-Length of declared, or chunked when
// declared is -1), half-closes the connection and returns the server's answer.
func (w *evWorld) cut(token, id string, offset int, sent []byte, declared int) (int, http.Header, []byte) {
	w.t.Helper()
	u, err := url.Parse(w.srv.URL)
	if err != nil {
		w.t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		w.t.Fatal(err)
	}
	defer conn.Close()
	var b bytes.Buffer
	fmt.Fprintf(&b, "PATCH %s/evidence/%s/upload HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nUpload-Offset: %d\r\n"+
		"Content-Type: application/offset+octet-stream\r\n", contract.Prefix, id, u.Host, token, offset)
	if declared >= 0 {
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", declared)
		b.Write(sent)
	} else {
		b.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		if len(sent) > 0 {
			fmt.Fprintf(&b, "%x\r\n", len(sent))
			b.Write(sent)
			b.WriteString("\r\n")
		}
	}
	go func() {
		conn.Write(b.Bytes())
		conn.(*net.TCPConn).CloseWrite()
	}()
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		w.t.Fatalf("cut PATCH: no answer: %v", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, body
}

// stored checks that the org holds file under its content key, byte for byte.
func (w *evWorld) stored(o evOrg, file []byte) {
	w.t.Helper()
	rc, info, err := w.srv.App.Blobs.Get(context.Background(), evidence.ContentKey(o.id, evidencetest.SHA256(file)))
	if err != nil {
		w.t.Fatalf("the content is not stored: %v", err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, file) || info.SHA256 != evidencetest.SHA256(file) {
		w.t.Fatalf("stored content differs (%d bytes, want %d; %v)", len(got), len(file), err)
	}
}

// chunksLeft counts the chunk objects of an upload.
func (w *evWorld) chunksLeft(id string) int {
	w.t.Helper()
	n := 0
	if err := w.srv.App.Blobs.List(context.Background(), evidence.UploadPrefix(id), func(blob.Info) error { n++; return nil }); err != nil {
		w.t.Fatal(err)
	}
	return n
}

// pngFile is a file of size bytes whose signature is PNG's, the rest random: a PNG as far as the
// upload is concerned (nothing decodes it).
func pngFile(size int) []byte {
	b := make([]byte, size)
	rand.Read(b)
	copy(b, []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'})
	return b
}

// TestEvidenceCutAtEveryByte cuts the upload of a small file at every byte boundary: each time the
// server keeps exactly the bytes that reached it (a chunked body), says so when asked, takes the rest
// from there and ends with the verified file. A whole small file cut short (the path that goes
// straight to the content key) keeps nothing and starts again from 0.
func TestEvidenceCutAtEveryByte(t *testing.T) {
	w := newEvWorld(t, nil)
	phone := w.org.phones[0]
	const size = 40 // every boundary costs a few fsyncs: 40 keeps the test to seconds
	for k := 0; k < size; k++ {
		file := pngFile(size)
		id := newID()
		if st, off := w.status(w.announce(w.org, 0, id, file, "image/png", "signature")); st != "announced" || off != 0 {
			t.Fatalf("announce: %s %d", st, off)
		}
		status, hdr, body := w.cut(phone, id, 0, file[:k], -1)
		if status != http.StatusOK || hdr.Get("Upload-Offset") != strconv.Itoa(k) {
			t.Fatalf("cut at %d: %d Upload-Offset %q %s", k, status, hdr.Get("Upload-Offset"), body)
		}
		if st, off := w.head(phone, id); st != "announced" || off != int64(k) {
			t.Fatalf("cut at %d: the status says %s %d", k, st, off)
		}
		if st, off := w.status(w.patch(phone, id, k, file[k:])); st != "stored" || off != size {
			t.Fatalf("resumed at %d: %s %d", k, st, off)
		}
		w.stored(w.org, file)
		if n := w.chunksLeft(id); n != 0 {
			t.Fatalf("cut at %d: %d chunk objects left", k, n)
		}
	}
	// The whole-file path: a cut keeps nothing, the file is sent again whole.
	for _, k := range []int{1, 7, 8, size / 2, size - 1} {
		file := pngFile(size)
		id := newID()
		w.announce(w.org, 0, id, file, "image/png", "signature")
		status, hdr, body := w.cut(phone, id, 0, file[:k], size)
		if status != http.StatusOK || hdr.Get("Upload-Offset") != "0" {
			t.Fatalf("whole file cut at %d: %d %q %s", k, status, hdr.Get("Upload-Offset"), body)
		}
		if st, off := w.status(w.patch(phone, id, 0, file)); st != "stored" || off != size {
			t.Fatalf("whole file again: %s %d", st, off)
		}
		w.stored(w.org, file)
	}
}

// TestEvidenceCutAtRandomOffsets uploads a 1 MiB photo through chunks (the whole-file path is turned
// off by a small EVIDENCE_WHOLE_MAX_BYTES), each PATCH declaring the rest of the file and cut at a
// random point, until one gets through.
func TestEvidenceCutAtRandomOffsets(t *testing.T) {
	w := newEvWorld(t, func(c *config.Config) { c.EvidenceWholeMaxBytes = 64 << 10 })
	phone := w.org.phones[1] // a team mate of the phone that pushed the visit
	for range 2 {
		file := evidencetest.Photo(w.rng, 1<<20, &evidencetest.Exif{TakenAt: "2026:03:02 09:01:02", Lat: 22.6667, Lon: 106.2522, HasGPS: true})
		id := newID()
		w.announce(w.org, 1, id, file, "image/jpeg", "photo", 22.6657, 106.2522)
		held := 0
		for cuts := 0; held < len(file); cuts++ {
			if cuts < 8 {
				k := w.rng.IntN(len(file) - held)
				status, hdr, body := w.cut(phone, id, held, file[held:held+k], len(file)-held)
				if status != http.StatusOK || hdr.Get("Upload-Offset") != strconv.Itoa(held+k) {
					t.Fatalf("cut at %d+%d: %d %q %s", held, k, status, hdr.Get("Upload-Offset"), body)
				}
				if _, off := w.head(phone, id); off != int64(held+k) {
					t.Fatalf("the status after a cut at %d: %d", held+k, off)
				}
				held += k
				continue
			}
			st, off := w.status(w.patch(phone, id, held, file[held:]))
			if st != "stored" || off != int64(len(file)) {
				t.Fatalf("last piece: %s %d", st, off)
			}
			held = len(file)
		}
		w.stored(w.org, file)
		if n := w.chunksLeft(id); n != 0 {
			t.Fatalf("%d chunk objects left", n)
		}
	}
}

// TestEvidenceUpload covers the rest of the protocol on one server: refusals with their codes,
// deduplication within and not across organisations, two phones sending the same photo at once,
// the chief's view, the daily quota and the cleanup of an abandoned upload.
func TestEvidenceUpload(t *testing.T) {
	w := newEvWorld(t, func(c *config.Config) { c.EvidenceDeviceDailyBytes = 4 << 20 })
	org, phone := w.org, w.org.phones[0]

	t.Run("a photo whole, with its EXIF, in the chief's view", func(t *testing.T) {
		w.t = t
		file := evidencetest.Photo(w.rng, 200<<10, &evidencetest.Exif{TakenAt: "2026:03:02 09:01:02", Lat: 22.6675, Lon: 106.2522, HasGPS: true})
		id := newID()
		w.announce(org, 0, id, file, "image/jpeg", "photo", 22.6657, 106.2522)
		if st, off := w.status(w.patch(phone, id, 0, file)); st != "stored" || off != int64(len(file)) {
			t.Fatalf("whole: %s %d", st, off)
		}
		w.stored(org, file)
		// Sent again: stored, the body is not read.
		if st, _ := w.status(w.patch(phone, id, 0, file)); st != "stored" {
			t.Fatalf("again: %s", st)
		}
		r := w.srv.Do(t, http.MethodGet, "/api/v1/visits/"+org.visitID+"/evidence", org.chief, nil)
		w.console.CheckResponse(t, http.MethodGet, "/api/v1/visits/"+org.visitID+"/evidence", r.Status, r.Body)
		var v struct {
			Evidence []struct {
				ID        string   `json:"id"`
				State     string   `json:"state"`
				DistanceM *float64 `json:"distance_m"`
				Object    *struct {
					ExifTakenAt *time.Time `json:"exif_taken_at"`
					ExifGPS     *struct{ Lat, Lon float64 }
					Width       int `json:"width"`
				} `json:"object"`
			} `json:"evidence"`
		}
		if err := json.Unmarshal(r.Body, &v); err != nil || r.Status != http.StatusOK {
			_, verr := w.srv.App.Evidence.VisitEvidence(context.Background(), org.id, org.visitID)
			t.Fatalf("chief's view: %d %s (%v)", r.Status, r.Body, verr)
		}
		found := false
		for _, e := range v.Evidence {
			if e.ID != id {
				continue
			}
			found = true
			if e.State != "stored" || e.Object == nil || e.Object.ExifTakenAt == nil || e.Object.Width != evidencetest.Width ||
				!e.Object.ExifTakenAt.Equal(time.Date(2026, 3, 2, 2, 1, 2, 0, time.UTC)) {
				t.Errorf("the photo in the chief's view: %s", r.Body)
			}
			if e.DistanceM == nil || *e.DistanceM < 195 || *e.DistanceM > 205 {
				t.Errorf("distance %v, want about 200 m (from EXIF's GPS)", e.DistanceM)
			}
		}
		if !found {
			t.Fatalf("not in the chief's view: %s", r.Body)
		}
		if r := w.srv.Do(t, http.MethodGet, "/api/v1/visits/"+org.visitID+"/evidence", w.other.chief, nil); r.Status != http.StatusNotFound {
			t.Errorf("another organisation's chief: %d %s", r.Status, r.Body)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		w.t = t
		file := pngFile(5000)
		id := newID()
		w.announce(org, 0, id, file, "image/png", "photo")
		code := func(r apptest.Response, status int, code string) {
			t.Helper()
			if r.Status != status || r.ErrorCode() != code {
				t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, status, code)
			}
		}
		w.patch(phone, id, 0, file[:1000])
		r := w.patch(phone, id, 0, file)
		code(r, http.StatusConflict, "evidence_offset_mismatch")
		if r.Header.Get("Upload-Offset") != "1000" {
			t.Fatalf("409 Upload-Offset %q, want 1000", r.Header.Get("Upload-Offset"))
		}
		code(w.patch(phone, id, 1000, append(bytes.Clone(file[1000:]), 0)), http.StatusBadRequest, "evidence_size_exceeded")
		if status, _, body := w.cut(phone, id, 1000, append(bytes.Clone(file[1000:]), 1, 2, 3), -1); status != http.StatusBadRequest ||
			!bytes.Contains(body, []byte("evidence_size_exceeded")) {
			t.Fatalf("a chunked body longer than announced: %d %s", status, body)
		}
		code(w.patch(phone, newID(), 0, file), http.StatusNotFound, "evidence_unknown")
		code(w.do(http.MethodGet, "/evidence/"+id+"/upload", w.other.phones[0], nil), http.StatusForbidden, "evidence_other_org")
		code(w.do(http.MethodPatch, "/evidence/"+id+"/upload", phone, file[1000:], "Content-Type", "application/offset+octet-stream"),
			http.StatusBadRequest, "validation_failed")
		code(w.do(http.MethodPatch, "/evidence/"+id+"/upload", phone, file[1000:], "Upload-Offset", "1000", "Content-Type", "image/png"),
			http.StatusBadRequest, "validation_failed")
		code(w.do(http.MethodGet, "/evidence/"+id+"/upload", w.srv.Login(t, "cb-chief"), nil), http.StatusForbidden, "role_required")

		// Announces refused by the limits.
		code(w.announce(org, 0, newID(), []byte("%PDF-1.7 a signature as a PDF"), "application/pdf", "signature"), http.StatusBadRequest, "evidence_type_not_allowed")
		big := map[string]any{"visit_id": org.visitID, "sha256": evidencetest.SHA256(file), "size": 50<<20 + 1, "content_type": "image/jpeg",
			"purpose": "photo", "captured_at": "2026-03-02T09:00:00+07:00"}
		code(w.do(http.MethodPut, "/evidence/"+newID()+"/upload", phone, big), http.StatusRequestEntityTooLarge, "evidence_too_large")
		code(w.announce(org, 0, id, pngFile(5000), "image/png", "photo"), http.StatusConflict, "entity_immutable")
		code(w.do(http.MethodPut, "/evidence/not-an-id/upload", phone, map[string]any{}), http.StatusBadRequest, "validation_failed")

		// The bytes are not what was announced: nothing is stored, the upload starts again.
		wrong := pngFile(5000)
		code(w.patch(phone, id, 1000, wrong[1000:]), http.StatusBadRequest, "evidence_checksum_mismatch")
		if _, off := w.head(phone, id); off != 0 || w.chunksLeft(id) != 0 {
			t.Fatalf("after a mismatch: offset %d, %d chunks", off, w.chunksLeft(id))
		}
		if _, err := w.srv.App.Blobs.Stat(context.Background(), evidence.ContentKey(org.id, evidencetest.SHA256(file))); err == nil {
			t.Fatal("a mismatching upload left an object")
		}
		code(w.patch(phone, id, 0, wrong), http.StatusBadRequest, "evidence_checksum_mismatch") // the whole-file path
		if _, err := w.srv.App.Blobs.Stat(context.Background(), evidence.ContentKey(org.id, evidencetest.SHA256(file))); err == nil {
			t.Fatal("a mismatching whole upload left an object")
		}
		if st, _ := w.status(w.patch(phone, id, 0, file)); st != "stored" {
			t.Fatalf("the right bytes after the wrong ones: %s", st)
		}

		// A JPEG announced as a PNG: refused at its first bytes, whole or in pieces, and at the join
		// when the first piece was too short to tell.
		jpg := evidencetest.Photo(w.rng, 3000, nil)
		jid := newID()
		w.announce(org, 0, jid, jpg, "image/png", "photo")
		code(w.patch(phone, jid, 0, jpg), http.StatusBadRequest, "evidence_type_mismatch")
		code(w.patch(phone, jid, 0, jpg[:500]), http.StatusBadRequest, "evidence_type_mismatch")
		w.status(w.patch(phone, jid, 0, jpg[:3]))
		code(w.patch(phone, jid, 3, jpg[3:]), http.StatusBadRequest, "evidence_type_mismatch")
		if _, off := w.head(phone, jid); off != 0 || w.chunksLeft(jid) != 0 {
			t.Fatalf("after a type mismatch: offset %d, %d chunks", off, w.chunksLeft(jid))
		}
	})

	t.Run("deduplication within the organisation, not across", func(t *testing.T) {
		w.t = t
		file := evidencetest.Photo(w.rng, 40<<10, nil)
		first := newID()
		w.announce(org, 0, first, file, "image/jpeg", "photo")
		w.status(w.patch(phone, first, 0, file))
		// The same photo under another ID, from the team mate: stored at once.
		if st, _ := w.status(w.announce(org, 1, newID(), file, "image/jpeg", "photo")); st != "stored" {
			t.Fatalf("same content, same organisation: %s", st)
		}
		// Another organisation learns nothing: it uploads its own copy.
		oid := newID()
		if st, off := w.status(w.announce(w.other, 0, oid, file, "image/jpeg", "photo")); st != "announced" || off != 0 {
			t.Fatalf("same content, other organisation: %s %d", st, off)
		}
		if st, _ := w.status(w.patch(w.other.phones[0], oid, 0, file)); st != "stored" {
			t.Fatalf("the other organisation's upload: %s", st)
		}
		w.stored(w.other, file)
	})

	t.Run("two phones send the same photo at once", func(t *testing.T) {
		w.t = t
		for _, pieces := range []int{1, 3} {
			file := evidencetest.Photo(w.rng, 300<<10, nil)
			ids := []string{newID(), newID()}
			for i, id := range ids {
				w.announce(org, i, id, file, "image/jpeg", "photo")
			}
			var wg sync.WaitGroup
			states := make([]string, 2)
			for i, id := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					step := len(file)/pieces + 1
					for off := 0; off < len(file); {
						end := min(off+step, len(file))
						r := w.srv.Do(t, http.MethodPatch, contract.Prefix+"/evidence/"+id+"/upload", org.phones[i], file[off:end],
							"Upload-Offset", strconv.Itoa(off), "Content-Type", "application/offset+octet-stream")
						var st struct {
							State  string `json:"state"`
							Offset int    `json:"offset"`
						}
						if json.Unmarshal(r.Body, &st) != nil || r.Status != http.StatusOK {
							t.Errorf("phone %d: %d %s", i, r.Status, r.Body)
							return
						}
						states[i], off = st.State, st.Offset
					}
				}()
			}
			wg.Wait()
			if states[0] != "stored" || states[1] != "stored" {
				t.Fatalf("%d pieces: states %v", pieces, states)
			}
			objects := 0
			w.srv.App.Blobs.List(context.Background(), evidence.ContentKey(org.id, evidencetest.SHA256(file)), func(blob.Info) error { objects++; return nil })
			if objects != 1 {
				t.Fatalf("%d objects for one photo", objects)
			}
			if _, ok, err := w.srv.App.Store.HeldObject(context.Background(), org.id, evidencetest.SHA256(file)); !ok || err != nil {
				t.Fatalf("no object row: %v", err)
			}
			w.stored(org, file)
		}
	})

	t.Run("daily quota per device", func(t *testing.T) {
		w.t = t
		quotaPhone := w.org.phones[2]
		for i := 0; ; i++ {
			file := evidencetest.Photo(w.rng, 1<<20, nil)
			id := newID()
			w.announce(org, 2, id, file, "image/jpeg", "photo")
			r := w.patch(quotaPhone, id, 0, file)
			if r.Status == http.StatusOK {
				if i >= 4 {
					t.Fatalf("%d MiB accepted on a day of 4 MiB", i+1)
				}
				continue
			}
			if r.Status != http.StatusTooManyRequests || r.ErrorCode() != "evidence_quota_exceeded" || i != 4 {
				t.Fatalf("upload %d: %d %s", i, r.Status, r.Body)
			}
			// 02:00 UTC is 09:00 in Vietnam: the day ends in 15 hours.
			if got := r.Header.Get("Retry-After"); got != strconv.Itoa(15*3600) {
				t.Errorf("Retry-After %q, want %d", got, 15*3600)
			}
			// Another phone is not held back; the next day this one goes on.
			other := newID()
			w.announce(org, 1, other, file, "image/jpeg", "photo")
			if st, _ := w.status(w.patch(w.org.phones[1], other, 0, file)); st != "stored" {
				t.Fatalf("another phone: %s", st)
			}
			w.clock.Advance(15 * time.Hour)
			w.login(&w.org)
			org = w.org
			if st, _ := w.status(w.patch(w.org.phones[2], id, 0, file)); st != "stored" {
				t.Fatalf("the next day: %s", st)
			}
			break
		}
	})

	t.Run("cleanup of an abandoned upload", func(t *testing.T) {
		w.t = t
		file := pngFile(20000)
		id := newID()
		w.announce(org, 0, id, file, "image/png", "photo")
		w.status(w.patch(w.org.phones[0], id, 0, file[:7000]))
		w.status(w.patch(w.org.phones[0], id, 7000, file[7000:9000]))
		alive := newID()
		w.announce(org, 0, alive, file, "image/png", "document")
		// A chunk a stopped server left behind, recorded nowhere.
		stray := evidence.ChunkKey(newID(), 0)
		if _, err := w.srv.App.Blobs.Put(context.Background(), stray, bytes.NewReader([]byte("left over")), 9, blob.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		if n := w.chunksLeft(id); n != 2 {
			t.Fatalf("%d chunks before the cleanup, want 2", n)
		}
		// A week and a day later (the objects' times are the store's real ones).
		w.clock.Set(time.Now().Add(8 * 24 * time.Hour))
		w.login(&w.org)
		w.status(w.patch(w.org.phones[0], alive, 0, file[:100])) // touched today: stays
		// The daily job may already have run on the clock's jump: then this finds nothing left to
		// do, and what counts is what is gone. (Earlier cases may have left strays of their own —
		// chunks of requests that lost a race to commit — which go too.)
		uploads, strays, err := w.srv.App.Evidence.Cleanup(context.Background())
		if err != nil || uploads > 1 {
			t.Fatalf("cleanup: %d uploads, %d strays, %v", uploads, strays, err)
		}
		if exists, _ := w.srv.App.Store.UploadExists(context.Background(), id); exists {
			t.Fatal("the abandoned upload is still there")
		}
		if n := w.chunksLeft(id); n != 0 {
			t.Fatalf("%d chunks left after the cleanup", n)
		}
		if _, err := w.srv.App.Blobs.Stat(context.Background(), stray); err == nil {
			t.Fatal("the stray chunk is still there")
		}
		if exists, _ := w.srv.App.Store.UploadExists(context.Background(), alive); !exists || w.chunksLeft(alive) != 1 {
			t.Fatal("the live upload was removed")
		}
	})
}

// TestEvidenceUnderRetention stores evidence with the object lock on (EVIDENCE_RETENTION; long enough
// to end after the real clock, which the local store compares with): the upload
// works, whole and in chunks (the chunks stay deletable), and the lock's end is recorded with the
// object. With S3 the lock needs a bucket made with object lock (S3_OBJECT_LOCK); this runs on the
// local store.
func TestEvidenceUnderRetention(t *testing.T) {
	if os.Getenv("TEST_S3_ENDPOINT") != "" {
		t.Skip("the local store's lock; S3's needs a bucket made with object lock")
	}
	w := newEvWorld(t, func(c *config.Config) { c.EvidenceRetention = 400 * 24 * time.Hour; c.EvidenceWholeMaxBytes = 1024 })
	phone := w.org.phones[0]
	for _, pieces := range []int{1, 2} {
		file := evidencetest.Photo(w.rng, 20000, nil)
		id := newID()
		w.announce(w.org, 0, id, file, "image/jpeg", "photo")
		if pieces == 2 {
			w.status(w.patch(phone, id, 0, file[:9000]))
			w.status(w.patch(phone, id, 9000, file[9000:]))
		} else {
			w.status(w.patch(phone, id, 0, file))
		}
		w.stored(w.org, file)
		if n := w.chunksLeft(id); n != 0 {
			t.Fatalf("%d chunks left under retention", n)
		}
		obj, ok, err := w.srv.App.Store.HeldObject(context.Background(), w.org.id, evidencetest.SHA256(file))
		if err != nil || !ok || obj.RetainUntil == nil || !obj.RetainUntil.Equal(evStart.Add(400*24*time.Hour)) {
			t.Fatalf("the object's lock: %+v %v", obj.RetainUntil, err)
		}
	}
}
