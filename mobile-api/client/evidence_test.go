package client_test

// Evidence on the phone (PRODUCT.md sync 5, evidence 6): captured with its SHA-256, its reference
// pushed, its bytes uploaded in pieces from the server's offset through cuts, set aside when the
// server can never take it without blocking the others, and checked byte for byte on the server.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/mobile-api/client"
)

// noiseJPEG makes a unique JPEG of w×h pixels of random noise (every photo different: D22).
func noiseJPEG(t testing.TB, rng *rand.Rand, w, h int) []byte {
	t.Helper()
	b, err := noisePhoto(rng, w, h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func noisePhoto(rng *rand.Rand, w, h int) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.Uint32())
	}
	img.Set(0, 0, color.RGBA{1, 2, 3, 255})
	var b bytes.Buffer
	err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
	return b.Bytes(), err
}

// cutTransport cuts every n-th evidence PATCH half-way through its body, as 3G does.
type cutTransport struct {
	base    http.RoundTripper
	n, seen atomic.Int64
	cuts    atomic.Int64
}

func (ct *cutTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPatch && r.ContentLength > 1024 && ct.seen.Add(1)%ct.n.Load() == 0 {
		ct.cuts.Add(1)
		r = r.Clone(r.Context())
		r.Body = &cutBody{r: r.Body, left: r.ContentLength / 2}
	}
	return ct.base.RoundTrip(r)
}

type cutBody struct {
	r    io.ReadCloser
	left int64
}

func (b *cutBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errors.New("connection cut")
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cutBody) Close() error { return b.r.Close() }

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestEvidenceUploadThroughCuts(t *testing.T) {
	w := newWorld(t)
	ct := &cutTransport{base: http.DefaultTransport.(*http.Transport).Clone()}
	ct.n.Store(3)
	c, err := client.OpenWithTransport(&client.Config{StorePath: w.store, ServerURL: w.srv.URL, UploadChunkBytes: 64 << 10,
		BackoffBaseMillis: 5, BackoffMaxMillis: 20}, nil, nil, ct)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	campaignID, visitID := fieldVisit(t, c)
	rng := rand.New(rand.NewPCG(1, 2))
	big, small, sig := noiseJPEG(t, rng, 800, 500), noiseJPEG(t, rng, 80, 60), noiseJPEG(t, rng, 60, 40)
	if len(big) < 3*(64<<10) {
		t.Fatalf("the big photo is only %d bytes", len(big))
	}
	file := filepath.Join(t.TempDir(), "camera.jpg")
	if err := os.WriteFile(file, big, 0o600); err != nil {
		t.Fatal(err)
	}
	// Capture refuses what the server never takes, before anything is stored.
	if _, err := c.CaptureEvidence(&client.NewEvidence{VisitID: visitID, Bytes: []byte("GIF89a not a photo")}); client.ErrorCode(err) != client.CodeInvalid {
		t.Errorf("a GIF captured: %v", err)
	}
	if _, err := c.CaptureEvidence(&client.NewEvidence{VisitID: visitID, Bytes: small, ContentType: "image/png"}); client.ErrorCode(err) != client.CodeInvalid {
		t.Errorf("a JPEG captured as PNG: %v", err)
	}
	e1, err := c.CaptureEvidence(&client.NewEvidence{VisitID: visitID, FilePath: file, HasGPS: true, Lat: 22.66, Lon: 106.25, AccuracyM: 8})
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(file) // the app lets go of its own file: the client has its copy
	e2, err := c.CaptureEvidence(&client.NewEvidence{VisitID: visitID, Bytes: small})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetAnswer(visitID, "F1.1", `{"value": true, "evidence": ["`+e1+`", "`+e2+`"]}`); err != nil {
		t.Fatal(err)
	}
	unit, year := numberSeries(c)
	rec, err := c.CreateRecord(visitID, unit, year, `{"drawn_up_at": "`+visitDay+`T09:00:00+07:00",
		"violations": [{"code": "FUEL-99-COND", "description": "Không có hợp đồng đại lý"}], "persons": [{"role": "inspector", "name": "Cán bộ an", "signed": true}], "evidence_ids": ["`+e1+`"], "status": "signed"}`, true)
	if err != nil {
		t.Fatal(err)
	}
	e3, err := c.CaptureEvidence(&client.NewEvidence{VisitID: visitID, RecordID: rec.ID, Purpose: client.PurposeSignature, Bytes: sig})
	if err != nil {
		t.Fatal(err)
	}
	// A photo whose file is damaged on the phone after capture: the server refuses the bytes, the
	// phone finds its file changed and sets the upload aside; the others go on.
	e4, err := c.CaptureEvidence(&client.NewEvidence{VisitID: visitID, Bytes: noiseJPEG(t, rng, 50, 50)})
	if err != nil {
		t.Fatal(err)
	}
	info, _ := c.Evidence(e4)
	if info.State != client.StateQueued || info.SHA256 != sha(noiseJPEGOf(t, w.store, e4)) {
		t.Fatalf("captured: %+v", info)
	}
	damaged := noiseJPEGOf(t, w.store, e4)
	damaged[len(damaged)-3] ^= 0xFF
	if err := os.WriteFile(filepath.Join(w.store+"-evidence", e4), damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	// A photo of a visit the server can never take: its reference is set aside, so is its upload.
	badVisit, err := c.CreateVisit(&client.NewVisit{CampaignID: campaignID, SiteID: "01930c2e-7a4b-7c1d-9e2f-000000000bad", Date: visitDay,
		ChecklistCode: "fuel-station", ChecklistVersion: 1})
	if err != nil {
		t.Fatal(err)
	}
	e5, err := c.CaptureEvidence(&client.NewEvidence{VisitID: badVisit, Bytes: noiseJPEG(t, rng, 40, 40)})
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	rep, err := c.Sync()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sync %v: %+v %+v", time.Since(start), rep.Push, rep.Upload)
	if rep.Upload.Stored != 3 || rep.Upload.Rejected != 1 || rep.Upload.Pending != 0 || rep.Upload.Resumed == 0 || ct.cuts.Load() == 0 {
		t.Errorf("upload %+v with %d cuts: want 3 stored, 1 rejected, resumed after the cuts", rep.Upload, ct.cuts.Load())
	}
	want := map[string][]byte{e1: big, e2: small, e3: sig}
	for id := range want {
		if info, err := c.Evidence(id); err != nil || info.State != client.StateStored || info.Uploaded != info.Size {
			t.Errorf("evidence %s: %+v %v", id, info, err)
		}
	}
	if info, err := c.Evidence(e4); err != nil || info.State != client.StateRejected || info.Code != "evidence_file_changed" {
		t.Errorf("damaged evidence %s: %+v %v, want rejected evidence_file_changed", e4, info, err)
	}
	if info, err := c.Evidence(e5); err != nil || info.State != client.StateRejected || info.Code == "" || info.ReferenceState != client.StateRejected {
		t.Errorf("evidence of a refused visit %s: %+v %v, want rejected with its reference", e5, info, err)
	}

	// The server holds each byte for byte, and the visit and its record are complete but for the
	// damaged photo.
	chief := w.srv.Login(t, "ct-chief")
	r := w.srv.Do(t, http.MethodGet, "/api/v1/visits/"+visitID+"/evidence", chief, nil)
	var ve struct {
		Evidence []struct {
			ID, State, SHA256 string
		} `json:"evidence"`
		Records []struct {
			ID       string `json:"id"`
			Complete bool   `json:"complete"`
		} `json:"records"`
		Missing []string `json:"missing_evidence_ids"`
	}
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &ve) != nil {
		t.Fatalf("visit evidence: %d %s", r.Status, r.Body)
	}
	if s, _ := c.Record(rec.ID); len(ve.Records) != 1 {
		t.Logf("record: %s", s)
	}
	if len(ve.Evidence) != 4 || len(ve.Records) != 1 || !ve.Records[0].Complete || len(ve.Missing) != 1 || ve.Missing[0] != e4 {
		t.Errorf("the server's view of the visit: %s", r.Body)
	}
	for id, b := range want {
		r := w.srv.Do(t, http.MethodGet, "/api/v1/evidence/"+id+"/content", chief, nil)
		if r.Status != http.StatusOK || !bytes.Equal(r.Body, b) {
			t.Errorf("content of %s: %d, %d bytes (sha %s), want %d bytes (sha %s)", id, r.Status, len(r.Body), sha(r.Body), len(b), sha(b))
		}
	}

	if st, err := c.Status(); err != nil || st.Uploads != 0 || st.UploadsSetAside != 2 {
		t.Errorf("status: %+v %v, want no upload waiting and 2 set aside", st, err)
	}
	// Nothing is left to send; a retried rejection is judged again (and refused again).
	rep, err = c.Sync()
	if err != nil || rep.Upload.Requests != 0 {
		t.Errorf("second sync: %+v %v", rep.Upload, err)
	}
	if err := c.RetryEvidence(e4); err != nil {
		t.Fatal(err)
	}
	if rep, err := c.Upload(); err != nil || rep.Rejected != 1 {
		t.Errorf("retried: %+v %v", rep, err)
	}
}

// noiseJPEGOf reads the client's copy of an evidence file.
func noiseJPEGOf(t testing.TB, store, id string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(store+"-evidence", id))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Prune lets go of a visit's work only when the server acknowledged every change of it, stored all
// its evidence, and the pulled copy caught up (PRODUCT.md sync 5): never a draft, a photo not yet up,
// or work the phone could no longer show.
func TestPruneWaitsForAcknowledgementAndEvidence(t *testing.T) {
	w := newWorld(t)
	c, err := client.Open(&client.Config{StorePath: w.store, ServerURL: w.srv.URL, BackoffBaseMillis: 5, BackoffMaxMillis: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("ct-an", "test-password-123"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pull(); err != nil {
		t.Fatal(err)
	}
	campaignID, siteID := openCampaign(c)
	unit, year := numberSeries(c)
	rng := rand.New(rand.NewPCG(3, 4))
	newVisit := func() string {
		id, err := c.CreateVisit(&client.NewVisit{CampaignID: campaignID, SiteID: siteID, Date: visitDay, ChecklistCode: "fuel-station",
			ChecklistVersion: 1, Status: "in_progress"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	photo := func(visitID string) string {
		id, err := c.CaptureEvidence(&client.NewEvidence{VisitID: visitID, Bytes: noiseJPEG(t, rng, 120, 90)})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	record := `{"drawn_up_at": "` + visitDay + `T09:00:00+07:00", "violations": [{"code": "FUEL-99-COND", "description": "Không có hợp đồng đại lý"}],
		"persons": [{"role": "inspector", "name": "Cán bộ an", "signed": true}], "status": "signed"}`
	prune := func(want client.PruneReport) {
		t.Helper()
		got, err := c.Prune()
		if err != nil || got.Visits != want.Visits || got.Records != want.Records || got.Evidence != want.Evidence {
			t.Fatalf("prune: %+v %v, want %d visits, %d records, %d evidence", got, err, want.Visits, want.Records, want.Evidence)
		}
	}
	a := newVisit()
	pa := photo(a)
	if err := c.SetAnswer(a, "F1.1", `{"value": true, "evidence": ["`+pa+`"]}`); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SaveFinding("", a, `{"description": "Giá niêm yết không rõ", "evidence_ids": ["`+pa+`"]}`); err != nil {
		t.Fatal(err)
	}
	ra, err := c.CreateRecord(a, unit, year, record, true)
	if err != nil {
		t.Fatal(err)
	}
	b := newVisit()
	pb := photo(b)
	rb, err := c.CreateRecord(b, unit, year, record, false) // a draft
	if err != nil {
		t.Fatal(err)
	}
	prune(client.PruneReport{}) // nothing sent yet
	if _, err := c.Push(); err != nil {
		t.Fatal(err)
	}
	prune(client.PruneReport{}) // acknowledged, but the photos are not up
	if _, err := c.Upload(); err != nil {
		t.Fatal(err)
	}
	prune(client.PruneReport{}) // up, but the pulled copy does not show the work yet
	if _, err := c.Pull(); err != nil {
		t.Fatal(err)
	}
	cc := newVisit()
	photo(cc) // taken after the sync: waits
	prune(client.PruneReport{Visits: 1, Records: 1, Evidence: 1})

	// Visit a is let go; the phone still shows it, its record and its number from the pulled copy.
	if _, err := os.Stat(filepath.Join(w.store+"-evidence", pa)); !os.IsNotExist(err) {
		t.Errorf("the stored photo of the pruned visit is still on the phone: %v", err)
	}
	if _, err := os.Stat(filepath.Join(w.store+"-evidence", pb)); err != nil {
		t.Errorf("the photo of the visit with a draft is gone: %v", err)
	}
	if info, err := c.Evidence(pa); err != nil || !info.Pruned || info.State != client.StateStored {
		t.Errorf("pruned evidence: %+v %v", info, err)
	}
	if s, err := c.Record(ra.ID); err != nil || !strings.Contains(s, `"number":`+strconv.Itoa(ra.Number)+`,`) || !strings.Contains(s, `"pruned":true`) {
		t.Errorf("pruned record: %s %v", s, err)
	}
	if v, err := c.Visit(a); err != nil || !strings.Contains(v, `"F1.1":{`) {
		t.Errorf("pruned visit: %s %v", v, err)
	}
	if n, _ := c.NumbersLeft(unit, year); n <= 0 {
		t.Fatal("no numbers left")
	}
	if next, _ := c.NextNumber(unit, year); next == ra.Number || next == rb.Number {
		t.Errorf("number %d is offered again after the prune", next)
	}

	// The draft queued and everything synced: b and cc go too.
	if err := c.UpdateRecord(rb.ID, record, true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sync(); err != nil {
		t.Fatal(err)
	}
	prune(client.PruneReport{Visits: 2, Records: 1, Evidence: 2})
	if left, _ := c.LocalVisitIDs(); left != "[]" {
		t.Errorf("local visits left: %s", left)
	}
}
