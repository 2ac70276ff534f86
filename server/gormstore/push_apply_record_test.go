package gormstore

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/numbering"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

// recordPayloadOf is a record of visit numbered n, in status.
func (w *applyWorld) recordPayloadOf(visitID string, n int, status string) map[string]any {
	p := map[string]any{"visit_id": visitID, "issuing_unit_id": w.unit.ID, "year": 2026, "number": n,
		"drawn_up_at": "2026-03-02T09:30:00+07:00",
		"violations":  []any{map[string]any{"code": "MEAS-119-SEAL", "quantity": 2, "description": "Kẹp chì bị phá trên 2 cột đo"}},
		"persons": []any{
			map[string]any{"role": "inspector", "name": "Nông Văn Minh", "signed": status != "draft", "refused": false},
			map[string]any{"role": "violator", "name": "Hoàng Thị Lan", "signed": false, "refused": status != "draft", "evidence_id": "sig-1"},
		},
		"evidence_ids": []string{"ph-1"}, "status": status}
	return p
}

// pulledRecord returns the record as phones pull it, checked against its schema.
func (w *applyWorld) pulledRecord(t *testing.T, id string) (recordData, int64) {
	t.Helper()
	e, ok := w.pulled(t, syncfeed.Visits, syncfeed.CampaignScope(w.camp.ID), syncfeed.EntityRecord, id)
	if !ok {
		t.Fatalf("record %s not in the visits dataset", id)
	}
	schematest.Validate(t, "sync-record.schema.json", e.Data)
	var d recordData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		t.Fatal(err)
	}
	if d.Version != e.Version {
		t.Fatalf("the data says version %d, the change %d", d.Version, e.Version)
	}
	return d, e.Version
}

// mark returns what the register holds of a number.
func (w *applyWorld) mark(t *testing.T, n int) (numbering.Mark, bool) {
	t.Helper()
	_, marks, err := w.s.NumberState(context.Background(), numbering.Series{OrgID: w.org.ID, IssuingUnitID: w.unit.ID, Year: 2026}, "")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(marks, func(m numbering.Mark) bool { return m.Number == n })
	if i < 0 {
		return numbering.Mark{}, false
	}
	return marks[i], true
}

func TestApplyRecord(t *testing.T) {
	w := newApplyWorld(t)
	visitID := w.createVisit(t, nil)
	// The leader's phone holds numbers 1-20 (its block was reserved first).
	id := clock.UUIDv7{}.NewID()
	payload, _ := json.Marshal(w.recordPayloadOf(visitID, 3, "draft"))
	schematest.Validate(t, "sync-push-record.schema.json", payload)
	if v := w.pushOne(t, w.leader, applyItem("record", id, 0, atHour(9, 30), payload), "applied"); v != 1 {
		t.Fatalf("version %d", v)
	}
	m, ok := w.mark(t, 3)
	if !ok || m.State != numbering.Used || m.EntityID != id || m.DeviceID != w.leader.DeviceID {
		t.Fatalf("number 3 in the register: %+v %v", m, ok)
	}
	// The phone's block is sent again with the number marked (dataset numbers).
	settle(t, w.s)
	blocks, err := w.s.Since(context.Background(), w.org.ID, syncfeed.Numbers, []string{syncfeed.DeviceScope(w.leader.DeviceID)}, "", 100)
	if err != nil || len(blocks.Changes) != 1 || !strings.Contains(string(blocks.Changes[0].Data), `{"number":3,"state":"used","entity_id":"`+id+`"}`) {
		t.Fatalf("the device's block: %+v %v", blocks.Changes, err)
	}
	d, _ := w.pulledRecord(t, id)
	if d.Status != "draft" || d.SubjectID != w.subject.ID || d.CampaignID != w.camp.ID || d.SiteID != w.site.ID || d.Number != 3 ||
		d.DrawnUpBy != w.leader.PersonID || len(d.Violations) != 1 || *d.Violations[0].Quantity != 2 || d.DrawnUpAt.Hour() != 2 {
		t.Fatalf("pulled %+v", d)
	}

	t.Run("a number the phone does not hold", func(t *testing.T) {
		// 25 is in the member's block, 500 in nobody's.
		for _, n := range []int{25, 500} {
			r := w.push(t, w.leader, applyItem("record", clock.UUIDv7{}.NewID(), 0, atHour(9, 40), w.recordPayloadOf(visitID, n, "draft")))[0]
			if r.Outcome != syncpush.OutcomeRejected || r.Code != errs.CodeNumberNotHeld || !strings.Contains(r.Reason, "payload.number") {
				t.Fatalf("number %d: %+v", n, r)
			}
			if _, marked := w.mark(t, n); marked {
				t.Fatalf("number %d was marked", n)
			}
		}
	})
	t.Run("a number already used", func(t *testing.T) {
		w.pushOne(t, w.leader, applyItem("record", clock.UUIDv7{}.NewID(), 0, atHour(9, 40), w.recordPayloadOf(visitID, 3, "draft")), "rejected/number_taken")
	})
	t.Run("an outsider cannot draw up a record on the team's visit", func(t *testing.T) {
		w.pushOne(t, w.outsider, applyItem("record", clock.UUIDv7{}.NewID(), 0, atHour(9, 40), w.recordPayloadOf(visitID, 45, "draft")), "rejected/out_of_scope")
		if _, marked := w.mark(t, 45); marked {
			t.Fatal("the outsider's number was marked")
		}
	})
	t.Run("signed needs an inspector's signature", func(t *testing.T) {
		p := w.recordPayloadOf(visitID, 4, "signed")
		p["persons"] = []any{}
		w.pushOne(t, w.leader, applyItem("record", clock.UUIDv7{}.NewID(), 0, atHour(9, 40), p), "rejected/validation_failed")
	})

	// A draft changes; once signed, its content never does.
	edited := w.recordPayloadOf(visitID, 3, "draft")
	edited["violations"] = []any{map[string]any{"code": "MEAS-119-SEAL", "quantity": 3, "description": "Kẹp chì bị phá trên 3 cột đo"}}
	v := w.pushOne(t, w.leader, applyItem("record", id, 1, atHour(9, 45), edited), "applied")
	signed := w.recordPayloadOf(visitID, 3, "signed")
	signed["violations"] = edited["violations"]
	v = w.pushOne(t, w.leader, applyItem("record", id, v, atHour(9, 50), signed), "applied")
	changed := w.recordPayloadOf(visitID, 3, "signed")
	w.pushOne(t, w.leader, applyItem("record", id, v, atHour(9, 55), changed), "rejected/entity_immutable")
	back := w.recordPayloadOf(visitID, 3, "signed")
	back["violations"], back["status"] = edited["violations"], "draft"
	w.pushOne(t, w.leader, applyItem("record", id, v, atHour(9, 55), back), "rejected/record_status_invalid")
	w.pushOne(t, w.leader, applyItem("record", id, 0, atHour(9, 55), signed), "rejected/entity_exists")
	if d, version := w.pulledRecord(t, id); version != 3 || d.Status != "signed" || *d.Violations[0].Quantity != 3 {
		t.Fatalf("after the refusals: %+v %d", d, version)
	}
	// A correction is a new record, with a number of its own, that points at the old one.
	fix := w.recordPayloadOf(visitID, 5, "signed")
	fix["corrects"] = id
	fixID := clock.UUIDv7{}.NewID()
	w.pushOne(t, w.leader, applyItem("record", fixID, 0, atHour(10, 0), fix), "applied")
	if d, _ := w.pulledRecord(t, fixID); d.Corrects != id {
		t.Fatalf("correction %+v", d)
	}
}

func TestChiefReturnProtectsRecord(t *testing.T) {
	w := newApplyWorld(t)
	ctx := context.Background()
	visitID := w.createVisit(t, nil)
	id := clock.UUIDv7{}.NewID()
	v := w.pushOne(t, w.leader, applyItem("record", id, 0, atHour(9, 30), w.recordPayloadOf(visitID, 1, "signed")), "applied")
	v = w.pushOne(t, w.leader, applyItem("record", id, v, atHour(9, 35), w.recordPayloadOf(visitID, 1, "submitted")), "applied")
	if v != 2 {
		t.Fatalf("version %d", v)
	}
	returned, err := w.s.ChiefAct(ctx, w.org.ID, "record", id, "returned", "Bổ sung ảnh niêm phong", w.leader.PersonID)
	if err != nil || returned != 3 {
		t.Fatalf("ChiefAct: %d %v", returned, err)
	}
	d, version := w.pulledRecord(t, id)
	if version != 3 || d.Status != "returned" || d.ChiefComment != "Bổ sung ảnh niêm phong" {
		t.Fatalf("the phones receive the return: %+v %d", d, version)
	}
	// A change made before the phone saw the return cannot overwrite it.
	w.pushOne(t, w.member, applyItem("record", id, 2, atHour(10, 0), w.recordPayloadOf(visitID, 1, "submitted")), "rejected/chief_decision_protected")
	// Made after, it is accepted: the record is resubmitted.
	if v := w.pushOne(t, w.leader, applyItem("record", id, 3, atHour(10, 5), w.recordPayloadOf(visitID, 1, "submitted")), "applied"); v != 4 {
		t.Fatalf("resubmitted at version %d", v)
	}
	if d, _ := w.pulledRecord(t, id); d.Status != "submitted" || d.ChiefComment != "Bổ sung ảnh niêm phong" {
		t.Fatalf("resubmitted: %+v", d)
	}
	// Approved, it changes no more.
	approved, err := w.s.ChiefAct(ctx, w.org.ID, "record", id, "approved", "", w.leader.PersonID)
	if err != nil {
		t.Fatal(err)
	}
	w.pushOne(t, w.leader, applyItem("record", id, approved, atHour(11, 0), w.recordPayloadOf(visitID, 1, "submitted")), "rejected/record_status_invalid")

	t.Run("a draft the chief returned may be edited", func(t *testing.T) {
		draftID := clock.UUIDv7{}.NewID()
		w.pushOne(t, w.leader, applyItem("record", draftID, 0, atHour(9, 30), w.recordPayloadOf(visitID, 2, "draft")), "applied")
		v, err := w.s.ChiefAct(ctx, w.org.ID, "record", draftID, "returned", "Sai mã hành vi", w.leader.PersonID)
		if err != nil {
			t.Fatal(err)
		}
		p := w.recordPayloadOf(visitID, 2, "signed")
		p["violations"] = []any{map[string]any{"code": "FUEL-99-COND", "description": "Không đủ điều kiện"}}
		w.pushOne(t, w.leader, applyItem("record", draftID, v, atHour(12, 0), p), "applied")
	})
	t.Run("the chief's comment on a visit", func(t *testing.T) {
		cv, err := w.s.ChiefAct(ctx, w.org.ID, "visit", visitID, "", "Đo lại cột số 2", w.leader.PersonID)
		if err != nil || cv != 2 {
			t.Fatalf("%d %v", cv, err)
		}
		d, version := w.pulledVisit(t, visitID)
		if version != 2 || d.ChiefComment != "Đo lại cột số 2" {
			t.Fatalf("%+v", d)
		}
		w.pushOne(t, w.member, applyItem("visit", visitID, 1, atHour(12, 0), map[string]any{"answers": map[string]any{"F1.1": map[string]any{"value": true}}}),
			"rejected/chief_decision_protected")
		w.pushOne(t, w.member, applyItem("visit", visitID, 2, atHour(12, 0), map[string]any{"answers": map[string]any{"F1.1": map[string]any{"value": true}}}),
			"applied")
	})
	t.Run("refusals", func(t *testing.T) {
		for _, tc := range []struct {
			typ, id, status string
			want            errs.Code
		}{
			{"record", clock.UUIDv7{}.NewID(), "returned", errs.CodeRecordNotFound},
			{"visit", clock.UUIDv7{}.NewID(), "", errs.CodeVisitNotFound},
			{"record", id, "signed", errs.CodeValidation},
			{"visit", visitID, "completed", errs.CodeValidation},
			{"penalty", id, "approved", errs.CodeUnknownEntityType},
		} {
			if _, err := w.s.ChiefAct(ctx, w.org.ID, tc.typ, tc.id, tc.status, "", w.leader.PersonID); errs.CodeOf(err) != tc.want {
				t.Errorf("%s %s: %v, want %s", tc.typ, tc.status, err, tc.want)
			}
		}
		if _, err := w.s.ChiefAct(ctx, "another-org", "record", id, "rejected", "", w.leader.PersonID); errs.CodeOf(err) != errs.CodeRecordNotFound {
			t.Errorf("another organisation's record: %v", err)
		}
	})
}

func TestApplyNumberVoid(t *testing.T) {
	w := newApplyWorld(t)
	void := func(n int, reason string) syncpush.Item {
		p, _ := json.Marshal(map[string]any{"issuing_unit_id": w.unit.ID, "year": 2026, "number": n, "reason": reason})
		if strings.TrimSpace(reason) != "" {
			schematest.Validate(t, "sync-push-number-void.schema.json", p)
		}
		return applyItem("number_void", w.unit.ID+"/2026/"+strconv.Itoa(n), 0, atHour(9, 0), p)
	}
	w.pushOne(t, w.member, void(21, "Viết hỏng"), "applied")
	if m, ok := w.mark(t, 21); !ok || m.State != numbering.Voided || m.Reason != "Viết hỏng" || m.DeviceID != w.member.DeviceID {
		t.Fatalf("%+v %v", m, ok)
	}
	w.pushOne(t, w.member, void(21, "Viết hỏng"), "applied") // again: nothing changes
	w.pushOne(t, w.member, void(1, "Không dùng"), "rejected/number_not_held")
	wrongID := void(22, "x")
	wrongID.EntityID = w.unit.ID + "/2026/23"
	w.pushOne(t, w.member, wrongID, "rejected/validation_failed")
	w.pushOne(t, w.member, void(22, " "), "rejected/validation_failed")
}

func TestApplyFindingAndEvidence(t *testing.T) {
	w := newApplyWorld(t)
	visitID := w.createVisit(t, nil)
	fid := clock.UUIDv7{}.NewID()
	fp, _ := json.Marshal(map[string]any{"visit_id": visitID, "description": "Bể chứa không có nắp", "violation_codes": []string{"FUEL-99-COND"}})
	schematest.Validate(t, "sync-push-finding.schema.json", fp)
	if v := w.pushOne(t, w.member, applyItem("finding", fid, 0, atHour(9, 0), fp), "applied"); v != 1 {
		t.Fatalf("finding version %d", v)
	}
	d, version := w.pulledVisit(t, visitID)
	if version != 2 || len(d.ManualFindings) != 1 || d.ManualFindings[0].Description != "Bể chứa không có nắp" {
		t.Fatalf("the visit carries its manual findings: %+v %d", d, version)
	}
	// An older capture arriving late changes nothing; a newer one does.
	older := map[string]any{"visit_id": visitID, "description": "Cũ"}
	if v := w.pushOne(t, w.leader, applyItem("finding", fid, 1, atHour(8, 0), older), "applied"); v != 1 {
		t.Fatalf("an older capture moved the finding to %d", v)
	}
	newer := map[string]any{"visit_id": visitID, "description": "Bể chứa số 2 không có nắp", "answer_key": "F4.1"}
	if v := w.pushOne(t, w.leader, applyItem("finding", fid, 1, atHour(10, 0), newer), "applied"); v != 2 {
		t.Fatalf("finding version %d", v)
	}
	w.pushOne(t, w.leader, applyItem("finding", fid, 7, atHour(10, 0), newer), "rejected/base_version_future")
	w.pushOne(t, w.outsider, applyItem("finding", clock.UUIDv7{}.NewID(), 0, atHour(10, 0), newer), "rejected/out_of_scope")

	eid := clock.UUIDv7{}.NewID()
	ep := map[string]any{"visit_id": visitID, "finding_id": fid, "sha256": strings.Repeat("ab", 32), "size": 123456,
		"content_type": "image/jpeg", "purpose": "photo", "captured_at": "2026-03-02T09:01:00Z", "gps": map[string]any{"lat": 22.6, "lon": 106.2}}
	raw, _ := json.Marshal(ep)
	schematest.Validate(t, "sync-push-evidence.schema.json", raw)
	if v := w.pushOne(t, w.member, applyItem("evidence", eid, 0, atHour(9, 1), raw), "applied"); v != 1 {
		t.Fatalf("evidence version %d", v)
	}
	w.pushOne(t, w.member, applyItem("evidence", eid, 0, atHour(9, 2), raw), "applied") // announced again: nothing changes
	ep["size"] = 999
	w.pushOne(t, w.member, applyItem("evidence", eid, 0, atHour(9, 2), ep), "rejected/entity_immutable")
	ep["sha256"] = "not-hex"
	w.pushOne(t, w.member, applyItem("evidence", clock.UUIDv7{}.NewID(), 0, atHour(9, 2), ep), "rejected/validation_failed")
	d, version = w.pulledVisit(t, visitID)
	if version != 4 || len(d.Evidence) != 1 || d.Evidence[0].State != "announced" || d.Evidence[0].FindingID != fid || d.Evidence[0].Size != 123456 ||
		d.ManualFindings[0].AnswerKey != "F4.1" || d.ManualFindings[0].Version != 2 {
		t.Fatalf("the visit carries its evidence: %+v %d", d, version)
	}
}

// TestApplySiteHistory: the history of a site shows its visits that took place, with their findings,
// violation codes and records, and follows records saved later.
func TestApplySiteHistory(t *testing.T) {
	w := newApplyWorld(t)
	answers := completeAnswers()
	answers["F5.1"] = map[string]any{"value": false, "evidence": []string{"p-f51"}}
	id := w.createVisit(t, map[string]any{"status": "in_progress", "answers": answers})
	if _, ok := w.pulled(t, syncfeed.Sites, syncfeed.SiteScope(w.site.ID), syncfeed.EntitySiteHistory, w.site.ID); ok {
		t.Fatal("a visit in progress is not history yet")
	}
	w.pushOne(t, w.leader, applyItem("visit", id, 1, atHour(9, 0), map[string]any{"status": "waiting_lab"}), "applied")
	w.pushOne(t, w.leader, applyItem("record", clock.UUIDv7{}.NewID(), 0, atHour(9, 30), w.recordPayloadOf(id, 7, "signed")), "applied")
	e, ok := w.pulled(t, syncfeed.Sites, syncfeed.SiteScope(w.site.ID), syncfeed.EntitySiteHistory, w.site.ID)
	if !ok {
		t.Fatal("no history")
	}
	schematest.Validate(t, "sync-site-history.schema.json", e.Data)
	var h siteHistoryData
	if err := json.Unmarshal(e.Data, &h); err != nil {
		t.Fatal(err)
	}
	if len(h.Visits) != 1 || h.Visits[0].Status != "waiting_lab" || h.Visits[0].Findings != 1 ||
		!slices.Equal(h.Visits[0].ViolationCodes, []string{"FUEL-99-21-1", "MEAS-119-SEAL"}) || len(h.Visits[0].Records) != 1 || h.Visits[0].Records[0].Number != 7 {
		t.Fatalf("history %s", e.Data)
	}
}
