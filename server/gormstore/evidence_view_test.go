package gormstore

import (
	"context"
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/evidence"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/integrity"
	"github.com/skhcn-caobang/thanhtra/server/thumbnail"
)

const viewSHA3 = "3a3a333333333333333333333333333333333333333333333333333333333333"

// TestEvidenceView runs the viewing side's storage: who finds which evidence (the organisation for
// the console; the team, on a visit not deleted, for a phone), an evidence whose bytes have not
// arrived, the thumbnail job's reads and writes, and the list verify re-hashes.
func TestEvidenceView(t *testing.T) {
	w := newApplyWorld(t)
	ctx := context.Background()
	w.appliers[pushEvidence] = w.s.EvidenceApplier(evidence.Limits{})
	visitID := w.createVisit(t, nil)
	photo, pending, scan := clock.UUIDv7{}.NewID(), clock.UUIDv7{}.NewID(), clock.UUIDv7{}.NewID()
	w.pushOne(t, w.leader, applyItem("evidence", photo, 0, atHour(9, 0), evidencePayloadOf(visitID, evSHA1, 900)), "applied")
	w.pushOne(t, w.leader, applyItem("evidence", pending, 0, atHour(9, 0), evidencePayloadOf(visitID, evSHA2, 900)), "applied")
	doc := evidencePayloadOf(visitID, viewSHA3, 500)
	doc["content_type"], doc["purpose"] = "application/pdf", "document"
	w.pushOne(t, w.leader, applyItem("evidence", scan, 0, atHour(9, 0), doc), "applied")
	for id, o := range map[string]evidence.Object{
		photo: {OrgID: w.org.ID, SHA256: evSHA1, Size: 900, ContentType: "image/jpeg", Key: evidence.ContentKey(w.org.ID, evSHA1), StoredAt: w.clock.Now()},
		scan:  {OrgID: w.org.ID, SHA256: viewSHA3, Size: 500, ContentType: "application/pdf", Key: evidence.ContentKey(w.org.ID, viewSHA3), StoredAt: w.clock.Now()},
	} {
		if _, err := w.s.MarkStored(ctx, w.leader, id, o, evidence.Usage{}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("finders", func(t *testing.T) {
		it, err := w.s.EvidenceInOrg(ctx, w.org.ID, photo)
		if err != nil || !it.Stored() || it.Object.Key != evidence.ContentKey(w.org.ID, evSHA1) || it.Ref.VisitID != visitID || it.ThumbnailState() != "pending" {
			t.Fatalf("EvidenceInOrg: %+v %v", it, err)
		}
		it, err = w.s.EvidenceInOrg(ctx, w.org.ID, pending)
		if err != nil || it.Stored() || it.Object != nil || it.Ref.State != evidence.StateAnnounced {
			t.Fatalf("announced only: %+v %v", it, err)
		}
		for _, p := range []string{w.leader.PersonID, w.member.PersonID} {
			if _, err := w.s.EvidenceInTeam(ctx, w.org.ID, p, photo); err != nil {
				t.Errorf("a team member's phone: %v", err)
			}
		}
		notFound := map[string]error{}
		_, notFound["another organisation (console)"] = w.s.EvidenceInOrg(ctx, "other-org", photo)
		_, notFound["another organisation (phone)"] = w.s.EvidenceInTeam(ctx, "other-org", w.leader.PersonID, photo)
		_, notFound["outside the team"] = w.s.EvidenceInTeam(ctx, w.org.ID, w.outsider.PersonID, photo)
		_, notFound["no such evidence"] = w.s.EvidenceInOrg(ctx, w.org.ID, clock.UUIDv7{}.NewID())
		for name, err := range notFound {
			if errs.KindOf(err) != errs.NotFound || errs.CodeOf(err) != errs.CodeEvidenceNotFound {
				t.Errorf("%s: %v, want not found %s", name, err, errs.CodeEvidenceNotFound)
			}
		}
	})

	t.Run("thumbnails", func(t *testing.T) {
		todo, err := w.s.ObjectsWithoutThumbnail(ctx, "", "", 10)
		if err != nil || len(todo) != 1 || todo[0].SHA256 != evSHA1 || todo[0].Key != evidence.ContentKey(w.org.ID, evSHA1) {
			t.Fatalf("objects without a thumbnail: %+v %v (the PDF gets none)", todo, err)
		}
		if more, err := w.s.ObjectsWithoutThumbnail(ctx, todo[0].OrgID, todo[0].SHA256, 10); err != nil || len(more) != 0 {
			t.Fatalf("the page after the last: %+v %v", more, err)
		}
		key := thumbnail.Key(w.org.ID, evSHA1)
		if err := w.s.SetThumbnail(ctx, w.org.ID, evSHA1, key, ""); err != nil {
			t.Fatal(err)
		}
		src, err := w.s.ThumbnailSource(ctx, w.org.ID, evSHA1)
		if err != nil || src.ThumbKey != key || src.ContentType != "image/jpeg" {
			t.Fatalf("source after SetThumbnail: %+v %v", src, err)
		}
		if todo, _ := w.s.ObjectsWithoutThumbnail(ctx, "", "", 10); len(todo) != 0 {
			t.Errorf("still listed after its thumbnail: %+v", todo)
		}
		if it, _ := w.s.EvidenceInTeam(ctx, w.org.ID, w.member.PersonID, photo); it.ThumbKey != key || it.ThumbnailState() != "ready" {
			t.Errorf("the item's thumbnail: %+v", it)
		}
		// A failure is recorded and keeps the object off the sweep's list; a later success clears it.
		if err := w.s.SetThumbnail(ctx, w.org.ID, evSHA1, "", "too many pixels"); err != nil {
			t.Fatal(err)
		}
		if it, _ := w.s.EvidenceInOrg(ctx, w.org.ID, photo); it.ThumbError != "too many pixels" || it.ThumbnailState() != "none" {
			t.Errorf("after a failure: %+v", it)
		}
		if todo, _ := w.s.ObjectsWithoutThumbnail(ctx, "", "", 10); len(todo) != 0 {
			t.Errorf("listed after a recorded failure: %+v", todo)
		}
		if _, err := w.s.ThumbnailSource(ctx, w.org.ID, evSHA2); errs.KindOf(err) != errs.NotFound {
			t.Errorf("the source of content not stored: %v", err)
		}
	})

	t.Run("verify list", func(t *testing.T) {
		n, err := w.s.StoredObjectCount(ctx)
		if err != nil || n != 2 {
			t.Fatalf("count %d %v, want 2", n, err)
		}
		var got []integrity.Expected
		if err := w.s.StoredObjects(ctx, func(e integrity.Expected) error { got = append(got, e); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].SHA256 != evSHA1 || got[0].Size != 900 || got[0].Kind != integrity.KindEvidence ||
			got[1].Key != evidence.ContentKey(w.org.ID, viewSHA3) || got[1].OrgID != w.org.ID {
			t.Fatalf("stored objects: %+v", got)
		}
	})

	// A deleted visit leaves the team's scope (phones got its tombstone); the console still sees it.
	if err := w.s.w.Exec("UPDATE visits SET deleted_at = ? WHERE id = ?", w.clock.Now(), visitID).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.EvidenceInTeam(ctx, w.org.ID, w.leader.PersonID, photo); errs.CodeOf(err) != errs.CodeEvidenceNotFound {
		t.Errorf("evidence of a deleted visit on a phone: %v", err)
	}
	if _, err := w.s.EvidenceInOrg(ctx, w.org.ID, photo); err != nil {
		t.Errorf("evidence of a deleted visit in the console: %v", err)
	}
}

// TestStoredObjectsPages lists more objects than one page holds, in order, each once.
func TestStoredObjectsPages(t *testing.T) {
	s, _ := migratedStore(t)
	ctx := context.Background()
	ids := &identity.Service{Store: s, Hasher: identity.Hasher{Memory: 64, Time: 1, Threads: 1}, Clock: s.clock, IDs: clock.UUIDv7{}}
	org, err := ids.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: "pages", Name: "Sở thử"})
	if err != nil {
		t.Fatal(err)
	}
	var rows []evidenceObjectRow
	for i := range verifyPage + 7 {
		sha := []byte("0000000000000000000000000000000000000000000000000000000000000000")
		copy(sha[58:], []byte{byte('0' + i/100000%10), byte('0' + i/10000%10), byte('0' + i/1000%10), byte('0' + i/100%10), byte('0' + i/10%10), byte('0' + i%10)})
		rows = append(rows, evidenceObjectRow{OrgID: org.ID, SHA256: string(sha), Size: int64(i), ContentType: "image/png",
			ObjectKey: evidence.ContentKey(org.ID, string(sha)), StoredAt: s.clock.Now()})
	}
	if err := s.w.CreateInBatches(rows, 100).Error; err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	last := ""
	if err := s.StoredObjects(ctx, func(e integrity.Expected) error {
		if seen[e.SHA256] || e.SHA256 <= last {
			t.Fatalf("%s out of order or twice", e.SHA256)
		}
		seen[e.SHA256], last = true, e.SHA256
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(rows) {
		t.Errorf("listed %d of %d", len(seen), len(rows))
	}
	todo, err := s.ObjectsWithoutThumbnail(ctx, "", "", 3)
	if err != nil || len(todo) != 3 || todo[0].SHA256 != rows[0].SHA256 {
		t.Fatalf("first page of the sweep: %+v %v", todo, err)
	}
	next, err := s.ObjectsWithoutThumbnail(ctx, todo[2].OrgID, todo[2].SHA256, 3)
	if err != nil || len(next) != 3 || next[0].SHA256 != rows[3].SHA256 {
		t.Fatalf("second page of the sweep: %+v %v", next, err)
	}
}
