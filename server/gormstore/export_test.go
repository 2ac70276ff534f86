package gormstore

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/blob/blobtest"
	"github.com/skhcn-caobang/thanhtra/server/blob/localblob"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/evidence"
	"github.com/skhcn-caobang/thanhtra/server/export"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/paging"
)

// exportWorld is an applyWorld with evidence in an object store and an export service over both.
type exportWorld struct {
	*applyWorld
	blobs    blob.Store
	svc      *export.Service
	chief    identity.Principal
	progress []export.Progress // every progress the service wrote
}

// progressStore records the progress the service writes, then writes it.
type progressStore struct {
	*Store
	w *exportWorld
}

func (p progressStore) SetExportProgress(ctx context.Context, id string, attempt int, pr export.Progress) error {
	p.w.progress = append(p.w.progress, pr)
	return p.Store.SetExportProgress(ctx, id, attempt, pr)
}

func newExportWorld(t testing.TB, blobs blob.Store) *exportWorld {
	t.Helper()
	w := &exportWorld{applyWorld: newApplyWorld(t), blobs: blobs}
	w.chief = identity.Principal{AccountID: "acct-chief", PersonID: "person-chief", OrgID: w.org.ID, Roles: []identity.Role{identity.RoleChief}}
	w.svc = &export.Service{Store: progressStore{w.s, w}, Evidence: w.s, Blobs: blobs, Clock: w.clock, IDs: clock.UUIDv7{}, ProgressEvery: 1,
		EvidencePage: 2} // pages of two: the listing's cursor crosses visits and days
	return w
}

// visitOn creates a visit and moves it to day.
func (w *exportWorld) visitOn(t *testing.T, day string) string {
	t.Helper()
	id := w.createVisit(t, nil)
	if err := w.s.w.Model(&visitRow{}).Where("id = ?", id).Update("visit_date", day).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

// insertVisit inserts a visit of the world's campaign and site on day, without a push.
func (w *exportWorld) insertVisit(t testing.TB, day string) string {
	t.Helper()
	now := stamp(w.clock.Now())
	v := visitRow{ID: clock.UUIDv7{}.NewID(), OrgID: w.org.ID, CampaignID: w.camp.ID, SiteID: w.site.ID, VisitDate: day,
		ChecklistCode: "fuel-station", ChecklistVersion: 1, Status: "in_progress", UnitCode: "040", CreatedAt: now, UpdatedAt: now}
	if err := w.s.w.Create(&v).Error; err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// putEvidence stores body as an evidence object of the visit (state stored at storedAt, or announced
// when storedAt is zero) and returns the evidence ID and the SHA-256.
func (w *exportWorld) putEvidence(t testing.TB, visitID, recordID, contentType string, body []byte, storedAt time.Time) (string, string) {
	t.Helper()
	ctx := context.Background()
	sum := sha256.Sum256(body)
	sha := hex.EncodeToString(sum[:])
	id := clock.UUIDv7{}.NewID()
	ref := evidenceRefRow{ID: id, OrgID: w.org.ID, VisitID: visitID, RecordID: recordID, SHA256: sha, Size: int64(len(body)),
		ContentType: contentType, Purpose: "photo", CapturedAt: time.Date(2026, 3, 2, 2, 30, 0, 0, time.UTC), DeviceID: w.leader.DeviceID,
		State: "announced", Hash: "h-" + id, CreatedAt: stamp(w.clock.Now())}
	if !storedAt.IsZero() {
		at := stamp(storedAt)
		ref.State, ref.StoredAt = "stored", &at
		key := evidence.ContentKey(w.org.ID, sha)
		if _, err := w.blobs.Put(ctx, key, bytes.NewReader(body), int64(len(body)), blob.PutOptions{ContentType: contentType}); err != nil {
			t.Fatal(err)
		}
		obj := evidenceObjectRow{OrgID: w.org.ID, SHA256: sha, Size: int64(len(body)), ContentType: contentType, ObjectKey: key, StoredAt: at}
		if err := w.s.w.Where("org_id = ? AND sha256 = ?", w.org.ID, sha).FirstOrCreate(&obj).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := w.s.w.Create(&ref).Error; err != nil {
		t.Fatal(err)
	}
	return id, sha
}

// runJob makes the run as the job runner would, with the given attempt.
func (w *exportWorld) runJob(t testing.TB, r export.Run, attempt int) error {
	t.Helper()
	payload, _ := json.Marshal(export.JobPayload{OrgID: r.OrgID, RunID: r.ID})
	return w.svc.Handle(context.Background(), export.JobAttempt{Payload: payload, Attempt: attempt, Maximum: export.MaxAttempts})
}

// readZIP downloads a done run's result and returns its entries' contents by name, checking the
// object's SHA-256 and size against the run.
func (w *exportWorld) readZIP(t *testing.T, r export.Run) (map[string][]byte, []string) {
	t.Helper()
	rc, info, err := w.blobs.Get(context.Background(), r.ObjectKey)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) != r.SHA256 || int64(len(b)) != r.Bytes || info.Size != r.Bytes {
		t.Fatalf("the stored ZIP (%d bytes) does not match the run's SHA-256 %s and size %d", len(b), r.SHA256, r.Bytes)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	var names []string
	for _, f := range zr.File {
		fr, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(fr)
		fr.Close()
		if err != nil {
			t.Fatalf("entry %s: %v", f.Name, err)
		}
		if strings.HasSuffix(f.Name, ".jpg") && f.Method != zip.Store {
			t.Errorf("JPEG entry %s is compressed (method %d), want stored", f.Name, f.Method)
		}
		out[f.Name] = body
		names = append(names, f.Name)
	}
	return out, names
}

func exportBlobStores(t *testing.T) map[string]func(t *testing.T) blob.Store {
	return map[string]func(t *testing.T) blob.Store{
		"local": func(t *testing.T) blob.Store {
			s, err := localblob.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		"s3": func(t *testing.T) blob.Store { return blobtest.NewS3(t) },
	}
}

// TestEvidenceExport makes the ZIP of a period on this engine, with a local store and with S3: the
// entries are the stored evidence of the period's visits — not the evidence of other days, not what
// arrived after the run was created, not what never arrived — each hashing to its manifest line; the
// manifest names the visit, the site, the capture time and the record; the progress advances to the
// total; the creation is audited.
func TestEvidenceExport(t *testing.T) {
	for name, open := range exportBlobStores(t) {
		t.Run(name, func(t *testing.T) {
			w := newExportWorld(t, open(t))
			ctx := context.Background()
			before := w.clock.Now().Add(-time.Hour)
			v1, v2, v3 := w.visitOn(t, "2026-03-01"), w.visitOn(t, "2026-03-31"), w.visitOn(t, "2026-03-31")
			vOut, vNext := w.visitOn(t, "2026-02-28"), w.visitOn(t, "2026-04-01")
			recordID := clock.UUIDv7{}.NewID()
			w.pushOne(t, w.leader, applyItem("record", recordID, 0, atHour(9, 30), w.recordPayloadOf(v1, 7, "draft")), "applied")

			jpeg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte("ảnh cột đo "), 5000)...)
			png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 3000)...)
			pdf := []byte("%PDF-1.7 biên bản")
			e1, s1 := w.putEvidence(t, v1, recordID, "image/jpeg", jpeg, before)
			e2, s2 := w.putEvidence(t, v1, "", "image/png", png, before)
			e3, s3 := w.putEvidence(t, v2, "", "application/pdf", pdf, before)
			e4, _ := w.putEvidence(t, v2, "", "image/jpeg", jpeg, before) // the same content as e1: its own entry
			e5, s5 := w.putEvidence(t, v3, "", "image/png", png[:100], before)
			w.putEvidence(t, vOut, "", "image/jpeg", []byte("\xFF\xD8 the day before"), before)
			w.putEvidence(t, vNext, "", "image/jpeg", []byte("\xFF\xD8 the day after"), before)
			w.putEvidence(t, v2, "", "image/jpeg", []byte("\xFF\xD8 announced only"), time.Time{})
			w.putEvidence(t, v2, "", "image/jpeg", []byte("\xFF\xD8 arrived later"), w.clock.Now().Add(time.Hour))

			r, err := w.svc.Create(ctx, w.chief, export.NewRun{Kind: export.EvidenceZIP, From: "2026-03-01", To: "2026-04-01"})
			if err != nil {
				t.Fatal(err)
			}
			if r.State != export.Queued {
				t.Fatalf("a new run is %s", r.State)
			}
			var jobs []jobRow
			if err := w.s.read(ctx).Where("kind = ?", export.JobKind).Find(&jobs).Error; err != nil || len(jobs) != 1 || !strings.Contains(jobs[0].Payload, r.ID) {
				t.Fatalf("the run's job: %+v %v", jobs, err)
			}
			var audits int64
			w.s.read(ctx).Model(&auditEventRow{}).Where("chain = ? AND action = ?", "export/"+r.ID, "export.create").Count(&audits)
			if audits != 1 {
				t.Fatalf("%d audit events of the creation, want 1", audits)
			}

			w.clock.Advance(2 * time.Hour) // the late arrival is now in the past, but after the cutoff
			if err := w.runJob(t, r, 1); err != nil {
				t.Fatal(err)
			}
			done, err := w.svc.Get(ctx, w.chief, r.ID)
			if err != nil || done.State != export.Done || done.ItemsDone != 5 || done.ItemsTotal != 5 || done.ExpiresAt == nil {
				t.Fatalf("after the job: %+v %v", done, err)
			}
			if !done.ExpiresAt.Equal(done.FinishedAt.Add(export.DefaultRetention)) {
				t.Errorf("expires %v, want finished %v + retention", done.ExpiresAt, done.FinishedAt)
			}
			// The progress went up one item at a time to the total, the bytes never back.
			var items []int64
			for i, p := range w.progress {
				items = append(items, p.ItemsDone)
				if p.ItemsTotal != 5 || i > 0 && (p.ItemsDone < w.progress[i-1].ItemsDone || p.Bytes < w.progress[i-1].Bytes) {
					t.Errorf("progress %d: %+v after %+v", i, p, w.progress[max(i-1, 0)])
				}
			}
			if !slices.Equal(items, []int64{0, 1, 2, 3, 4, 5, 5}) {
				t.Errorf("progress items %v, want 0 … 5 and the final bytes", items)
			}

			entries, names := w.readZIP(t, done)
			if len(names) != 6 || names[5] != export.ManifestName {
				t.Fatalf("entries %v, want 5 objects and the manifest last", names)
			}
			rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(entries[export.ManifestName], []byte("\ufeff")))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rows[0], export.ManifestHeader) || len(rows) != 6 {
				t.Fatalf("manifest %v", rows)
			}
			want := map[string]string{e1: s1, e2: s2, e3: s3, e4: s1, e5: s5}
			// The entries come in the order of the listing: by visit date, visit and evidence.
			var order []string
			for _, row := range rows[1:] {
				order = append(order, row[6]+"/"+row[5]+"/"+row[4])
			}
			if !slices.IsSorted(order) {
				t.Errorf("manifest order %v", order)
			}
			for _, row := range rows[1:] {
				body, ok := entries[row[0]]
				sum := sha256.Sum256(body)
				if !ok || hex.EncodeToString(sum[:]) != row[1] || want[row[4]] != row[1] {
					t.Errorf("manifest row %v: entry present %v, hashes to %x", row, ok, sum)
				}
				delete(want, row[4])
				if row[8] != w.site.Name || row[7] != w.site.ID {
					t.Errorf("manifest row %v: site, want %s", row, w.site.Name)
				}
				if row[9] != "2026-03-02T09:30:00+07:00" {
					t.Errorf("manifest row %v: captured at, want local time", row)
				}
				switch row[4] {
				case e1:
					if row[10] != "07/BB-VPHC" || row[11] != "TTR" || row[12] != "2026" || row[5] != v1 || row[6] != "2026-03-01" {
						t.Errorf("the record's evidence: %v", row)
					}
				default:
					if row[10] != "" || row[12] != "" {
						t.Errorf("evidence of no record has a record: %v", row)
					}
				}
			}
			if len(want) > 0 {
				t.Errorf("missing from the manifest: %v", want)
			}

			// A job that runs again after the run finished has nothing to do.
			if err := w.runJob(t, r, 2); err != nil {
				t.Fatal(err)
			}
			if again, _ := w.svc.Get(ctx, w.chief, r.ID); again.SHA256 != done.SHA256 || again.Attempt != 1 {
				t.Errorf("a job after the end changed the run: %+v", again)
			}
			if _, err := w.svc.Downloadable(ctx, w.chief, r.ID); err != nil {
				t.Fatal(err)
			}
			// Another organisation's chief sees nothing.
			other := w.chief
			other.OrgID = "another-org"
			if _, err := w.svc.Get(ctx, other, r.ID); errs.CodeOf(err) != errs.CodeExportNotFound {
				t.Errorf("another organisation: %v", err)
			}
		})
	}
}

// TestEvidenceExportFailures: bytes that hash otherwise than recorded and a missing object fail the
// run at once (no retry would mend them), naming the evidence and its object; the job succeeds.
func TestEvidenceExportFailures(t *testing.T) {
	w := newExportWorld(t, exportBlobStores(t)["local"](t))
	ctx := context.Background()
	before := w.clock.Now().Add(-time.Hour)
	v := w.visitOn(t, "2026-03-05")
	good, _ := w.putEvidence(t, v, "", "image/jpeg", []byte("\xFF\xD8 good"), before)
	bad, badSHA := w.putEvidence(t, v, "", "image/jpeg", []byte("\xFF\xD8 original"), before)
	key := evidence.ContentKey(w.org.ID, badSHA)
	if _, err := w.blobs.Put(ctx, key, strings.NewReader("\xFF\xD8 tampered"), -1, blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	r, err := w.svc.Create(ctx, w.chief, export.NewRun{Kind: export.EvidenceZIP, From: "2026-03-01", To: "2026-04-01"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.runJob(t, r, 1); err != nil {
		t.Fatalf("a permanent failure is not retried: %v", err)
	}
	got, _ := w.svc.Get(ctx, w.chief, r.ID)
	if got.State != export.Failed || got.FailureCode != errs.CodeExportHashMismatch || !strings.Contains(got.Failure, bad) ||
		!strings.Contains(got.Failure, key) || strings.Contains(got.Failure, good) {
		t.Fatalf("tampered object: %+v", got)
	}
	if _, err := w.svc.Downloadable(ctx, w.chief, r.ID); errs.CodeOf(err) != errs.CodeExportNotReady {
		t.Errorf("download of a failed run: %v", err)
	}
	if _, err := w.blobs.Stat(ctx, export.ObjectKey(r.OrgID, r.ID, got.Attempt, r.Kind)); errs.KindOf(err) != errs.NotFound {
		t.Errorf("a failed export left its object: %v", err)
	}

	if err := w.blobs.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	r2, err := w.svc.Create(ctx, w.chief, export.NewRun{Kind: export.EvidenceZIP, From: "2026-03-01", To: "2026-04-01"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.runJob(t, r2, 1); err != nil {
		t.Fatal(err)
	}
	got, _ = w.svc.Get(ctx, w.chief, r2.ID)
	if got.State != export.Failed || got.FailureCode != errs.CodeExportObjectMissing || !strings.Contains(got.Failure, key) {
		t.Fatalf("missing object: %+v", got)
	}
}

// TestExportRetryAfterCrash: a job that runs again after its worker died starts the run over, and
// the dead attempt can no longer write it.
func TestExportRetryAfterCrash(t *testing.T) {
	w := newExportWorld(t, exportBlobStores(t)["local"](t))
	ctx := context.Background()
	v := w.visitOn(t, "2026-03-05")
	w.putEvidence(t, v, "", "image/jpeg", []byte("\xFF\xD8 one"), w.clock.Now().Add(-time.Minute))
	r, err := w.svc.Create(ctx, w.chief, export.NewRun{Kind: export.EvidenceZIP, From: "2026-03-05", To: "2026-03-06"})
	if err != nil {
		t.Fatal(err)
	}
	// Attempt 1 starts, writes some progress and dies.
	if _, err := w.s.StartExportRun(ctx, r.OrgID, r.ID, 1, w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := w.s.SetExportProgress(ctx, r.ID, 1, export.Progress{ItemsDone: 1, ItemsTotal: 9, Bytes: 999}); err != nil {
		t.Fatal(err)
	}
	if err := w.runJob(t, r, 2); err != nil {
		t.Fatal(err)
	}
	got, _ := w.svc.Get(ctx, w.chief, r.ID)
	if got.State != export.Done || got.Attempt != 2 || got.ItemsDone != 1 || got.ItemsTotal != 1 {
		t.Fatalf("after the retry: %+v", got)
	}
	if err := w.s.SetExportProgress(ctx, r.ID, 1, export.Progress{ItemsDone: 5}); errs.KindOf(err) != errs.Conflict {
		t.Errorf("the dead attempt wrote progress: %v", err)
	}
	if err := w.s.FailExportRun(ctx, r.ID, 1, errs.CodeExportHashMismatch, "late", w.clock.Now()); errs.KindOf(err) != errs.Conflict {
		t.Errorf("the dead attempt failed the run: %v", err)
	}
}

// TestExportExpiry: the daily job removes results past the retention and marks their runs expired.
func TestExportExpiry(t *testing.T) {
	w := newExportWorld(t, exportBlobStores(t)["local"](t))
	ctx := context.Background()
	r, err := w.svc.Create(ctx, w.chief, export.NewRun{Kind: export.EvidenceZIP, From: "2026-03-05", To: "2026-03-06"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.runJob(t, r, 1); err != nil {
		t.Fatal(err)
	}
	done, _ := w.svc.Get(ctx, w.chief, r.ID)
	if done.State != export.Done || done.ItemsTotal != 0 {
		t.Fatalf("an empty period: %+v", done)
	}
	if entries, names := w.readZIP(t, done); len(names) != 1 || !bytes.Contains(entries[export.ManifestName], []byte("path,sha256")) {
		t.Fatalf("an empty period's ZIP: %v", names)
	}
	w.clock.Advance(export.DefaultRetention - time.Minute)
	if n, err := w.svc.Expire(ctx); err != nil || n != 0 {
		t.Fatalf("before the end of the retention: %d %v", n, err)
	}
	w.clock.Advance(time.Minute)
	if n, err := w.svc.Expire(ctx); err != nil || n != 1 {
		t.Fatalf("at the end of the retention: %d %v", n, err)
	}
	if _, err := w.blobs.Stat(ctx, done.ObjectKey); errs.KindOf(err) != errs.NotFound {
		t.Errorf("the expired object is still there: %v", err)
	}
	if _, err := w.svc.Downloadable(ctx, w.chief, r.ID); errs.CodeOf(err) != errs.CodeExportExpired {
		t.Errorf("download after expiry: %v", err)
	}
}

// TestExportCreateRefuses: bad periods, kinds without a maker and callers who may not export.
func TestExportCreateRefuses(t *testing.T) {
	w := newExportWorld(t, exportBlobStores(t)["local"](t))
	ctx := context.Background()
	for name, c := range map[string]struct {
		p    identity.Principal
		n    export.NewRun
		code errs.Code
	}{
		"inspector":        {identity.Principal{OrgID: w.org.ID, Roles: []identity.Role{identity.RoleInspector}}, export.NewRun{Kind: export.EvidenceZIP, From: "2026-03-01", To: "2026-04-01"}, errs.CodeRoleRequired},
		"to before from":   {w.chief, export.NewRun{Kind: export.EvidenceZIP, From: "2026-03-01", To: "2026-03-01"}, errs.CodeValidation},
		"bad day":          {w.chief, export.NewRun{Kind: export.EvidenceZIP, From: "2026-02-30", To: "2026-03-01"}, errs.CodeValidation},
		"over a year":      {w.chief, export.NewRun{Kind: export.EvidenceZIP, From: "2025-01-01", To: "2026-01-03"}, errs.CodeValidation},
		"unknown kind":     {w.chief, export.NewRun{Kind: "tarball", Period: "2026-03"}, errs.CodeValidation},
		"bad period":       {w.chief, export.NewRun{Kind: export.StatsPDF, Period: "2026-13"}, errs.CodeValidation},
		"no stats writer":  {w.chief, export.NewRun{Kind: export.StatsPDF, Period: "2026-Q1"}, errs.CodeExportKindUnavailable},
		"period for a ZIP": {w.chief, export.NewRun{Kind: export.EvidenceZIP, From: "2026-03-01", To: "2026-04-01", Period: "2026"}, errs.CodeValidation},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := w.svc.Create(ctx, c.p, c.n); errs.CodeOf(err) != c.code {
				t.Fatalf("got %v, want %s", err, c.code)
			}
		})
	}
	if runs, total, err := w.svc.List(ctx, w.chief, paging.Page{Limit: 100}); err != nil || total != 0 || len(runs) != 0 {
		t.Fatalf("refused runs were stored: %d %v", total, err)
	}
}
