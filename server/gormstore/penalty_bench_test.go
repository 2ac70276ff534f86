package gormstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/paging"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
)

// BenchmarkPenaltyQueue measures the chief's queue with 10,000 open cases in the organisation (issue
// 7: under 100 ms): one page of the cases waiting for a decision or its issue, sorted by the end of
// the decision period, with the total and the evidence completeness of each case's record, through
// penalty.Service as the console calls it. The cases are built by the domain (opened and submitted
// on the seed catalogue, so that their periods and stored data are real) and inserted in batches;
// each record lists three evidence references, none of which has arrived; the cases are spread over
// 500 subjects (20 cases and 2 decisions each). Of the 10,000, 8,000 are
// in the queue (submitted or approved); the others are returned or delivered. It also times one
// case as the chief opens it and the first page of the overdue list.
//
//	go test -run '^$' -bench BenchmarkPenaltyQueue -benchtime 200x ./server/gormstore/
//	TEST_DATABASE_URL=postgres://… go test -run '^$' -bench BenchmarkPenaltyQueue -benchtime 200x ./server/gormstore/
func BenchmarkPenaltyQueue(b *testing.B) {
	w := newApplyWorld(b)
	ctx := context.Background()
	cat, err := legal.Seed()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := w.s.LoadLegalSeed(ctx, cat); err != nil {
		b.Fatal(err)
	}
	r, err := w.s.PenaltyRules(ctx)
	if err != nil {
		b.Fatal(err)
	}
	const n = 10_000
	states := []penalty.State{penalty.Submitted, penalty.Submitted, penalty.Submitted, penalty.Submitted, penalty.Submitted, penalty.Submitted,
		penalty.Approved, penalty.Approved, penalty.Returned, penalty.Delivered}
	start := time.Date(2025, 9, 1, 2, 0, 0, 0, time.UTC)
	rows := make([]penaltyCaseRow, 0, 500)
	flush := func() {
		if err := w.s.w.CreateInBatches(rows, 100).Error; err != nil {
			b.Fatal(err)
		}
		rows = rows[:0]
	}
	for i := range n {
		drawn := start.Add(time.Duration(i) * 37 * time.Minute) // spread over about eight months
		c, _, err := penalty.Open(r, penalty.OpenInput{ID: fmt.Sprintf("bench-case-%05d", i), OrgID: w.org.ID, CampaignID: w.camp.ID,
			Record: penalty.Record{ID: fmt.Sprintf("bench-record-%05d", i), IssuingUnitID: w.unit.ID, Year: drawn.Year(), Number: i + 1,
				DrawnUpAt: drawn, DrawnUpBy: w.leader.PersonID, EvidenceIDs: []string{fmt.Sprintf("ev-%05d-a", i), fmt.Sprintf("ev-%05d-b", i), fmt.Sprintf("ev-%05d-c", i)}},
			Subject: penalty.Subject{ID: fmt.Sprintf("bench-subject-%03d", i%500), Kind: legal.Organisation, Name: w.subject.Name},
			Charges: []penalty.Charge{{Code: "MEAS-119-09-2A", Detected: legal.DateOf(drawn), Description: "Cột đo không có dấu kiểm định"}}},
			penalty.Act{By: penalty.Actor{PersonID: w.leader.PersonID}, At: drawn})
		if err != nil {
			b.Fatal(err)
		}
		c.State, c.Version = states[i%len(states)], 2
		if c.State == penalty.Delivered {
			c.Decision = &penalty.Decision{IssuingUnitID: w.unit.ID, Year: drawn.Year(), Number: i + 1, IssuedAt: drawn.Add(48 * time.Hour), Total: 6_000_000}
			c.Delivery = &penalty.Delivery{ReceivedAt: drawn.Add(72 * time.Hour)}
		}
		c.Dues = penalty.DuesOf(r, c)
		row, err := penaltyRowOf(c, drawn)
		if err != nil {
			b.Fatal(err)
		}
		rows = append(rows, row)
		if len(rows) == cap(rows) {
			flush()
		}
	}
	flush()
	analyze := "ANALYZE penalty_cases"
	if w.s.Dialect() == Postgres {
		analyze = "VACUUM ANALYZE penalty_cases" // as autovacuum leaves a table in steady state: index-only scans
	}
	if err := w.s.w.Exec(analyze).Error; err != nil {
		b.Fatal(err)
	}
	svc := &penalty.Service{Store: w.s, Clock: w.clock}
	chief := identity.Principal{OrgID: w.org.ID, Roles: []identity.Role{identity.RoleChief}}
	for _, tc := range []struct {
		name string
		page paging.Page
	}{{"first page", paging.Page{Limit: 50}}, {"page 80", paging.Page{Limit: 50, Offset: 3950}}} {
		b.Run(tc.name, func(b *testing.B) {
			var total int
			for b.Loop() {
				items, t, err := svc.Queue(ctx, chief, nil, tc.page)
				if err != nil || len(items) != 50 {
					b.Fatalf("%d items, %v", len(items), err)
				}
				total = t
			}
			if total != 8_000 {
				b.Fatalf("queue of %d, want 8000", total)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
		})
	}
	b.Run("case view", func(b *testing.B) { // one case as the chief opens it: the rules, the subject's history, the evidence
		for b.Loop() {
			if _, err := svc.View(ctx, chief, "bench-case-04321"); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/case")
	})
	b.Run("overdue list", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := svc.Overdue(ctx, chief, paging.Page{Limit: 50}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
	})
}
