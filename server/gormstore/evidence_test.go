package gormstore

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/evidence"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

const (
	evSHA1 = "1111111111111111111111111111111111111111111111111111111111111111"
	evSHA2 = "2222222222222222222222222222222222222222222222222222222222222222"
	evSHA3 = "3333333333333333333333333333333333333333333333333333333333333333"
)

// evidencePayloadOf is an announce of a photo of visit with the phone's GPS 0.001° north of the site.
func evidencePayloadOf(visitID, sha string, size int64) map[string]any {
	return map[string]any{"visit_id": visitID, "sha256": sha, "size": size, "content_type": "image/jpeg", "purpose": "photo",
		"captured_at": "2026-03-02T09:00:00+07:00", "gps": map[string]any{"lat": 22.6667, "lon": 106.2522, "accuracy_m": 8}}
}

// TestEvidenceStore runs the storage side of the intake on one visit: announces through the push
// applier with the limits, the upload state, the arrival of the bytes (object, state, distance,
// audit, the visit's version), deduplication at announce, and what the chief sees of the record.
func TestEvidenceStore(t *testing.T) {
	w := newApplyWorld(t)
	ctx := context.Background()
	if err := w.s.w.Model(&siteRow{}).Where("id = ?", w.site.ID).Updates(map[string]any{"lat": 22.6657, "lon": 106.2522}).Error; err != nil {
		t.Fatal(err)
	}
	lim := evidence.Limits{MaxObjectBytes: 1000, MaxVisitBytes: 2500}
	w.appliers[pushEvidence] = w.s.EvidenceApplier(lim)
	visitID := w.createVisit(t, map[string]any{"answers": map[string]any{"F1.1": map[string]any{"value": true, "evidence": []string{"ev-answer"}}}})
	evA, evB, evC := clock.UUIDv7{}.NewID(), clock.UUIDv7{}.NewID(), clock.UUIDv7{}.NewID()
	rec := w.recordPayloadOf(visitID, 1, "signed")
	rec["evidence_ids"] = []string{evA, evB}
	recordID := clock.UUIDv7{}.NewID()
	w.pushOne(t, w.leader, applyItem("record", recordID, 0, atHour(9, 30), rec), "applied")

	// Announce A through a push, then the same through the upload API: one reference.
	w.pushOne(t, w.leader, applyItem("evidence", evA, 0, atHour(9, 0), evidencePayloadOf(visitID, evSHA1, 900)), "applied")
	ref, up, err := w.s.AnnounceEvidence(ctx, w.leader, evA, evidenceJSON(t, evidencePayloadOf(visitID, evSHA1, 900)), lim)
	if err != nil || ref.State != evidence.StateAnnounced || up.Received != 0 || ref.DeviceID != w.leader.DeviceID {
		t.Fatalf("announce again: %+v %+v %v", ref, up, err)
	}
	_, _, err = w.s.AnnounceEvidence(ctx, w.leader, evA, evidenceJSON(t, evidencePayloadOf(visitID, evSHA2, 900)), lim)
	if errs.CodeOf(err) != errs.CodeEntityImmutable {
		t.Fatalf("other content under A: %v, want entity_immutable", err)
	}
	bad := evidencePayloadOf(visitID, "not-a-hash", 900)
	_, _, err = w.s.AnnounceEvidence(ctx, w.leader, clock.UUIDv7{}.NewID(), evidenceJSON(t, bad), lim)
	if fs := errs.FieldsOf(err); len(fs) != 1 || fs[0].Field != "sha256" {
		t.Fatalf("a bad hash through the upload API: %v %+v, want the field sha256", err, fs)
	}

	// The limits, each with its code; the same content again passes whatever the limits say now.
	tooBig := evidencePayloadOf(visitID, evSHA2, 1001)
	w.pushOne(t, w.leader, applyItem("evidence", clock.UUIDv7{}.NewID(), 0, atHour(9, 0), tooBig), "rejected/evidence_too_large")
	w.pushOne(t, w.leader, applyItem("evidence", evB, 0, atHour(9, 0), evidencePayloadOf(visitID, evSHA2, 1000)), "applied")
	w.pushOne(t, w.leader, applyItem("evidence", clock.UUIDv7{}.NewID(), 0, atHour(9, 0), evidencePayloadOf(visitID, evSHA3, 601)),
		"rejected/evidence_visit_too_large")
	pdfSignature := evidencePayloadOf(visitID, evSHA2, 10)
	pdfSignature["content_type"], pdfSignature["purpose"] = "application/pdf", "signature"
	w.pushOne(t, w.leader, applyItem("evidence", clock.UUIDv7{}.NewID(), 0, atHour(9, 0), pdfSignature), "rejected/evidence_type_not_allowed")
	gif := evidencePayloadOf(visitID, evSHA2, 10)
	gif["content_type"] = "image/gif"
	w.pushOne(t, w.leader, applyItem("evidence", clock.UUIDv7{}.NewID(), 0, atHour(9, 0), gif), "rejected/evidence_type_not_allowed")
	strict := w.s.EvidenceApplier(evidence.Limits{MaxObjectBytes: 100})
	if _, err := syncpush.Apply(ctx, w.s, w.leader, []syncpush.Item{applyItem("evidence", evA, 0, atHour(9, 0), evidencePayloadOf(visitID, evSHA1, 900))},
		syncpush.DefaultLimits, syncpush.Appliers{pushEvidence: strict}); err != nil {
		t.Fatal(err)
	}

	// Nothing has arrived: the record misses both.
	ve, err := w.s.VisitEvidence(ctx, w.org.ID, visitID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ve.Records) != 1 || !slices.Equal(ve.Records[0].Missing, sorted(evA, evB)) || ve.Records[0].Complete() {
		t.Fatalf("record before arrival: %+v", ve.Records)
	}
	if !slices.Equal(ve.Missing, sorted(evA, evB, "ev-answer")) {
		t.Fatalf("visit missing %v", ve.Missing)
	}

	// The upload's state.
	refA, _, err := w.s.UploadOf(ctx, w.leader, evA)
	if err != nil {
		t.Fatal(err)
	}
	var oe *evidence.OffsetError
	if _, _, err := w.s.BeginChunk(ctx, w.leader, refA, 5); !errors.As(err, &oe) || oe.Offset != 0 {
		t.Fatalf("a chunk at 5 of an upload not begun: %v", err)
	}
	seq, state, err := w.s.BeginChunk(ctx, w.leader, refA, 0)
	if err != nil || seq != 0 || state != nil {
		t.Fatalf("first chunk: %d %v %v", seq, state, err)
	}
	seq2, _, err := w.s.BeginChunk(ctx, w.leader, refA, 0) // a second request at the same offset
	if err != nil || seq2 != 1 {
		t.Fatalf("second chunk number %d, %v", seq2, err)
	}
	day := evidence.Usage{DeviceID: w.leader.DeviceID, Day: "2026-03-02", Bytes: 300}
	got, err := w.s.CommitChunk(ctx, w.leader, evA, evidence.Chunk{Seq: seq, Offset: 0, Size: 300, Key: evidence.ChunkKey(evA, seq)}, nil, []byte("s1"), day)
	if err != nil || got != 300 {
		t.Fatalf("commit: %d %v", got, err)
	}
	// The second request finishes later: its offset is gone.
	if _, err := w.s.CommitChunk(ctx, w.leader, evA, evidence.Chunk{Seq: seq2, Offset: 0, Size: 10, Key: "x"}, nil, []byte("s2"), day); !errors.As(err, &oe) || oe.Offset != 300 {
		t.Fatalf("a second commit at 0: %v, want the offset 300", err)
	}
	// The right offset with another hash state (the upload was reset and refilled meanwhile).
	seq3, st3, err := w.s.BeginChunk(ctx, w.leader, refA, 300)
	if err != nil || string(st3) != "s1" {
		t.Fatalf("chunk at 300: %v %q", err, st3)
	}
	if _, err := w.s.CommitChunk(ctx, w.leader, evA, evidence.Chunk{Seq: seq3, Offset: 300, Size: 5, Key: "y"}, []byte("other"), []byte("s3"), day); !errors.As(err, &oe) {
		t.Fatalf("a commit from another hash state: %v", err)
	}
	if n, err := w.s.DeviceUsage(ctx, w.org.ID, w.leader.DeviceID, "2026-03-02"); err != nil || n != 300 {
		t.Fatalf("usage %d %v, want 300", n, err)
	}
	_, upA, _ := w.s.UploadOf(ctx, w.leader, evA)
	if upA.Received != 300 || len(upA.Chunks) != 1 || string(upA.HashState) != "s1" {
		t.Fatalf("upload %+v", upA)
	}
	chunks, err := w.s.ResetUpload(ctx, w.org.ID, evA)
	if err != nil || len(chunks) != 1 || chunks[0].Key != evidence.ChunkKey(evA, 0) {
		t.Fatalf("reset: %+v %v", chunks, err)
	}
	_, upA, _ = w.s.UploadOf(ctx, w.leader, evA)
	if upA.Received != 0 || len(upA.Chunks) != 0 || upA.HashState != nil {
		t.Fatalf("after reset %+v", upA)
	}
	// Another organisation's phone and a phone outside the team.
	if _, _, err := w.s.UploadOf(ctx, syncpush.Pusher{OrgID: "other", DeviceID: "d", PersonID: "p"}, evA); errs.CodeOf(err) != errs.CodeEvidenceOtherOrg {
		t.Fatalf("other org: %v", err)
	}
	if _, _, err := w.s.UploadOf(ctx, w.outsider, evA); errs.CodeOf(err) != errs.CodeEvidenceOutOfScope {
		t.Fatalf("outsider: %v", err)
	}
	if _, _, err := w.s.UploadOf(ctx, w.member, evA); err != nil {
		t.Fatalf("a team mate may upload: %v", err)
	}
	if _, _, err := w.s.UploadOf(ctx, w.leader, clock.UUIDv7{}.NewID()); errs.CodeOf(err) != errs.CodeEvidenceUnknown {
		t.Fatalf("unknown: %v", err)
	}

	// A's bytes arrive, with EXIF GPS 0.002° north of the site.
	_, before := w.pulledVisit(t, visitID)
	lat, lon := 22.6677, 106.2522
	taken := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	obj := evidence.Object{OrgID: w.org.ID, SHA256: evSHA1, Size: 900, ContentType: "image/jpeg", Key: evidence.ContentKey(w.org.ID, evSHA1),
		StoredAt: w.clock.Now(), Meta: evidence.Meta{TakenAt: &taken, Lat: &lat, Lon: &lon}}
	stored, err := w.s.MarkStored(ctx, w.member, evA, obj, evidence.Usage{DeviceID: w.member.DeviceID, Day: "2026-03-02", Bytes: 900})
	if err != nil || stored.State != evidence.StateStored || stored.StoredAt == nil {
		t.Fatalf("stored: %+v %v", stored, err)
	}
	if stored.DistanceM == nil || math.Abs(*stored.DistanceM-222.4) > 1 {
		t.Fatalf("distance %v, want about 222 m (EXIF's position, not the phone's 111 m)", stored.DistanceM)
	}
	if again, err := w.s.MarkStored(ctx, w.member, evA, obj, evidence.Usage{}); err != nil || !again.StoredAt.Equal(*stored.StoredAt) {
		t.Fatalf("stored twice: %+v %v", again, err)
	}
	d, after := w.pulledVisit(t, visitID)
	if after != before+1 {
		t.Errorf("visit version %d → %d, want one step", before, after)
	}
	if i := slices.IndexFunc(d.Evidence, func(e evidenceData) bool { return e.ID == evA }); i < 0 || d.Evidence[i].State != "stored" {
		t.Errorf("the pulled visit's evidence: %+v", d.Evidence)
	}
	if _, _, err := w.s.UploadOf(ctx, w.leader, evA); err != nil {
		t.Fatal(err)
	}
	var events []audit.Event
	if err := w.s.AuditEvents(ctx, func(e audit.Event) error {
		if e.Chain == "evidence/"+evA {
			events = append(events, e)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Action != "evidence.store" || !strings.Contains(events[0].DataJSON, `"sha256":"`+evSHA1+`"`) || events[0].ActorPersonID != w.member.PersonID {
		t.Fatalf("audit of the arrival: %+v", events)
	}

	// C announces A's content: stored at once, with its own arrival event.
	w.pushOne(t, w.member, applyItem("evidence", evC, 0, atHour(9, 0), evidencePayloadOf(visitID, evSHA1, 900)), "applied")
	refC, _, err := w.s.UploadOf(ctx, w.member, evC)
	if err != nil || refC.State != evidence.StateStored || refC.DistanceM == nil {
		t.Fatalf("C, of content held: %+v %v", refC, err)
	}

	ve, err = w.s.VisitEvidence(ctx, w.org.ID, visitID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ve.Records[0].Missing, []string{evB}) || ve.Records[0].ID != recordID {
		t.Fatalf("record after A: %+v", ve.Records[0])
	}
	i := slices.IndexFunc(ve.Items, func(it evidence.Item) bool { return it.Ref.ID == evA })
	if i < 0 || ve.Items[i].Object == nil || ve.Items[i].Object.Meta.TakenAt == nil || !ve.Items[i].Object.Meta.TakenAt.Equal(taken) {
		t.Fatalf("A in the chief's view: %+v", ve.Items)
	}
	if _, err := w.s.VisitEvidence(ctx, "other", visitID); errs.CodeOf(err) != errs.CodeVisitNotFound {
		t.Fatalf("another organisation's view: %v", err)
	}

	// Abandoned uploads: B's upload, untouched for 8 days.
	refB, _, _ := w.s.UploadOf(ctx, w.leader, evB)
	if _, _, err := w.s.BeginChunk(ctx, w.leader, refB, 0); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(8 * 24 * time.Hour)
	old, err := w.s.AbandonedUploads(ctx, w.clock.Now().Add(-7*24*time.Hour), 10)
	if err != nil || len(old) != 1 || old[0].EvidenceID != evB {
		t.Fatalf("abandoned: %+v %v", old, err)
	}
	if ok, err := w.s.DropUpload(ctx, w.org.ID, evB, old[0].UpdatedAt.Add(-time.Second)); err != nil || ok {
		t.Fatalf("an upload touched after the look must stay: %v %v", ok, err)
	}
	if ok, err := w.s.DropUpload(ctx, w.org.ID, evB, old[0].UpdatedAt); err != nil || !ok {
		t.Fatalf("drop: %v %v", ok, err)
	}
	if live, err := w.s.UploadExists(ctx, evB); err != nil || live {
		t.Fatalf("dropped upload still there: %v %v", live, err)
	}
}

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}

func evidenceJSON(t *testing.T, v any) []byte {
	t.Helper()
	return applyItem("x", "x", 0, time.Time{}, v).Payload
}
