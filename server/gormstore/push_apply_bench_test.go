package gormstore

// The push benchmark of the sync issue: new visits with 15 answers each, pushed in batches of 50,
// against a raw batched insert of the same rows in one transaction per batch (the ceiling the push
// path is measured against, in the same run):
//
//	go test -run X -bench ApplyVisits -benchtime 200x ./server/gormstore/
//	TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable go test -run X -bench ApplyVisits -benchtime 200x ./server/gormstore/
//
// One iteration is one batch of 50 visits; ns/op divided by 50 is the cost of one visit. "ledger only"
// is the same batch through the ledger with an applier that does nothing: the share of the receipts
// and savepoints.

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

const benchBatch = 50

// benchAnswers are 15 answers of the fuel-station checklist, two of them findings.
var benchAnswers = map[string]any{
	"F1.1": map[string]any{"value": true, "evidence": []string{"p1"}}, "F1.2": map[string]any{"value": "2030-01-01"},
	"F1.3": map[string]any{"value": true}, "F1.4": map[string]any{"value": false}, "F1.5": map[string]any{"value": true},
	"F3.1": map[string]any{"value": true}, "F3.2": map[string]any{"value": true}, "F4.1": map[string]any{"value": true},
	"F4.2": map[string]any{"value": "Mẫu RON95 số 12"}, "F4.3": map[string]any{"value": true}, "F4.4": map[string]any{"value": true},
	"F5.1": map[string]any{"value": true}, "F5.2": map[string]any{"value": false}, "F5.3": map[string]any{"value": true},
	"F6.2": map[string]any{"value": "Không có ý kiến"},
}

func BenchmarkApplyVisits(b *testing.B) {
	w := newApplyWorld(b)
	ctx := context.Background()
	payload := w.newVisit(map[string]any{"answers": benchAnswers})
	raw, err := json.Marshal(payload)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("push", func(b *testing.B) {
		for b.Loop() {
			items := make([]syncpush.Item, benchBatch)
			for i := range items {
				items[i] = applyItem("visit", clock.UUIDv7{}.NewID(), 0, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), raw)
			}
			rs, err := syncpush.Apply(ctx, w.s, w.leader, items, syncpush.DefaultLimits, w.appliers)
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range rs {
				if r.Outcome != syncpush.OutcomeApplied {
					b.Fatalf("%+v", r)
				}
			}
		}
	})
	b.Run("ledger only", func(b *testing.B) {
		noop := syncpush.ApplierFunc(func(context.Context, syncpush.Tx, syncpush.Pusher, syncpush.Item) (int64, error) { return 1, nil })
		for b.Loop() {
			items := make([]syncpush.Item, benchBatch)
			for i := range items {
				items[i] = applyItem("visit", clock.UUIDv7{}.NewID(), 0, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), raw)
			}
			if _, err := syncpush.Apply(ctx, w.s, w.leader, items, syncpush.DefaultLimits, noop); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw insert", func(b *testing.B) {
		now := stamp(w.clock.Now())
		for b.Loop() {
			visits := make([]visitSyncRow, benchBatch)
			var answers []visitAnswerSyncRow
			for i := range visits {
				id := clock.UUIDv7{}.NewID()
				visits[i] = visitSyncRow{Visit: visitRow{ID: id, OrgID: w.org.ID, CampaignID: w.camp.ID, SiteID: w.site.ID, VisitDate: applyDay,
					ChecklistCode: "fuel-station", ChecklistVersion: 1, Status: "in_progress", UnitCode: "local-phuong-thuc-phan",
					CreatedAt: now, UpdatedAt: now}, Version: 1, CreatedByDevice: w.leader.DeviceID}
				for k, a := range benchAnswers {
					v := jsonText(a.(map[string]any)["value"])
					answers = append(answers, visitAnswerSyncRow{Answer: visitAnswerRow{OrgID: w.org.ID, VisitID: id, AnswerKey: k, Value: v,
						Evidence: "[]", RecordedAt: now, RecordedBy: w.leader.AccountID}, CapturedAt: &now, SetVersion: 1})
				}
			}
			err := w.s.write(ctx, func(tx *gorm.DB) error {
				if err := tx.CreateInBatches(visits, 500).Error; err != nil {
					return err
				}
				return tx.CreateInBatches(answers, 500).Error
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
