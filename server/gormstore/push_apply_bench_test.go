package gormstore

// The push benchmark of the sync issue: new visits with 15 answers each, pushed in batches of 50,
// against a raw batched insert of the same rows in one transaction per batch (the ceiling the push
// path is measured against, in the same run):
//
//	go test -run X -bench ApplyVisits -benchtime 200x ./server/gormstore/
//	TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable go test -run X -bench ApplyVisits -benchtime 200x ./server/gormstore/
//
// One iteration is one batch of 50 visits; ns/op divided by 50 is the cost of one visit. Each
// sub-benchmark starts from an empty database of its own. "push" is the production path (the new
// visits of a batch applied as one group, push_batch_visit.go); "push item by item" is the same
// batch through the per-item path (a savepoint and about ten statements per visit); "ledger only" is
// the batch through the ledger with an applier that does nothing: the share of the receipts. "raw
// insert" writes the visit and answer rows in the statements of the push's group (insertRows rows
// each, the fastest size on both engines).
//
// On PostgreSQL the benchmark runs ANALYZE on the tables it fills, with the timer stopped, whenever
// they have grown by a tenth, as autovacuum does in production. The test server runs without
// autovacuum (its conf.d/90-ci.conf): there the plans that each connection cached for the foreign-key
// checks while the tables were empty are never replanned, and a check of an answer's visit scans
// every visit of the organisation, which measures the missing statistics, not the push.

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

// benchAnalyze stands in for autovacuum's ANALYZE on PostgreSQL (see the file comment): after
// iteration n (n batches written), it analyzes the tables the benchmark fills when they have grown by
// a tenth, plus fifty rows, since the last time, with the timer stopped.
type benchAnalyze struct {
	s    *Store
	last int // visits at the last ANALYZE
}

func (a *benchAnalyze) after(b *testing.B, n int) {
	visits := n * benchBatch
	if a.s.dialect != Postgres || visits < a.last+a.last/10+50 {
		return
	}
	b.StopTimer()
	if err := a.s.w.Exec("ANALYZE visits, visit_answers, visit_findings, changes, push_receipts").Error; err != nil {
		b.Fatal(err)
	}
	a.last = visits
	b.StartTimer()
}

// perItem hides the group path of appliers: every item goes through its own savepoint.
func perItem(as syncpush.Appliers) syncpush.Appliers {
	out := make(syncpush.Appliers, len(as))
	for k, a := range as {
		out[k] = syncpush.ApplierFunc(a.Apply)
	}
	return out
}

// rawInsert writes the rows of n new visits as "raw insert" does: the visit and answer rows in
// statements of insertRows rows, in one transaction.
func rawInsert(b *testing.B, w *applyWorld, n int) {
	ctx := context.Background()
	now := stamp(w.clock.Now())
	visits := make([]visitSyncRow, n)
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
		if err := tx.CreateInBatches(visits, insertRows).Error; err != nil {
			return err
		}
		return tx.CreateInBatches(answers, insertRows).Error
	})
	if err != nil {
		b.Fatal(err)
	}
}

func BenchmarkApplyVisits(b *testing.B) {
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	// push times batches through a; with ceiling, each batch is followed, timer stopped, by the raw
	// insert of the same rows into a database of its own that grows alike, and the benchmark reports
	// that insert's time per batch (raw-ns/op) and the ratio of the two (%raw): measured side by side,
	// the ratio holds on a machine whose load changes during the run.
	push := func(b *testing.B, appliers func(*applyWorld) syncpush.Applier, ceiling bool) {
		w := newApplyWorld(b)
		raw, err := json.Marshal(w.newVisit(map[string]any{"answers": benchAnswers}))
		if err != nil {
			b.Fatal(err)
		}
		an := &benchAnalyze{s: w.s}
		var r *applyWorld
		var ran *benchAnalyze
		if ceiling {
			r = newApplyWorld(b)
			ran = &benchAnalyze{s: r.s}
		}
		a := appliers(w)
		var rawTime time.Duration
		n := 0
		for b.Loop() {
			items := make([]syncpush.Item, benchBatch)
			for i := range items {
				items[i] = applyItem("visit", clock.UUIDv7{}.NewID(), 0, at, raw)
			}
			rs, err := syncpush.Apply(ctx, w.s, w.leader, items, syncpush.DefaultLimits, a)
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range rs {
				if r.Outcome != syncpush.OutcomeApplied {
					b.Fatalf("%+v", r)
				}
			}
			n++
			an.after(b, n)
			if ceiling {
				b.StopTimer()
				t0 := time.Now()
				rawInsert(b, r, benchBatch)
				rawTime += time.Since(t0)
				ran.after(b, n)
				b.StartTimer()
			}
		}
		if ceiling && n > 0 {
			b.ReportMetric(float64(rawTime.Nanoseconds())/float64(n), "raw-ns/op")
			b.ReportMetric(100*float64(rawTime)/float64(b.Elapsed()), "%raw")
		}
	}
	b.Run("push", func(b *testing.B) {
		push(b, func(w *applyWorld) syncpush.Applier { return w.appliers }, true)
	})
	b.Run("push item by item", func(b *testing.B) {
		push(b, func(w *applyWorld) syncpush.Applier { return perItem(w.appliers) }, true)
	})
	b.Run("ledger only", func(b *testing.B) {
		push(b, func(*applyWorld) syncpush.Applier {
			return syncpush.ApplierFunc(func(context.Context, syncpush.Tx, syncpush.Pusher, syncpush.Item) (int64, error) { return 1, nil })
		}, false)
	})
	b.Run("raw insert", func(b *testing.B) {
		w := newApplyWorld(b)
		an := &benchAnalyze{s: w.s}
		n := 0
		for b.Loop() {
			rawInsert(b, w, benchBatch)
			n++
			an.after(b, n)
		}
	})
}
