package gormstore

import (
	"context"
	"fmt"
	"testing"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
)

// BenchmarkChangesSince measures the two pulls a phone makes most: the incremental pull that finds
// nothing new, and a full page of 1,000 changes. The log holds 20,000 changes of the organisation's
// dataset in 21 scopes (the phone sees 3 of them) and 5,000 of another organisation.
//
//	go test -run X -bench ChangesSince ./server/gormstore/
//	TEST_DATABASE_URL=postgres://… go test -run X -bench ChangesSince ./server/gormstore/
func BenchmarkChangesSince(b *testing.B) {
	s, _ := migratedStore(b)
	ctx := context.Background()
	for batch := range 25 {
		err := s.write(ctx, func(tx *gorm.DB) error {
			for i := range 1000 {
				n := batch*1000 + i
				c := change(fmt.Sprintf("e%06d", n))
				c.Scope = "org"
				if n%7 != 0 {
					c.Scope = fmt.Sprintf("campaign/%d", n%20)
				}
				if batch >= 20 {
					c.OrgID = "org-b"
				}
				if err := s.recordChange(tx, c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	settle(b, s)
	scopes := []string{"org", "campaign/1", "campaign/2"}
	var end syncfeed.Cursor
	for p := since(b, s, "org-a", "sites", scopes, "", syncfeed.MaxLimit); ; p = since(b, s, "org-a", "sites", scopes, end, syncfeed.MaxLimit) {
		end = p.Next
		if p.Complete {
			break
		}
	}

	b.Run("empty incremental", func(b *testing.B) {
		for b.Loop() {
			p, err := s.Since(ctx, "org-a", "sites", scopes, end, 0)
			if err != nil || len(p.Changes) != 0 {
				b.Fatalf("Since = %d changes, %v", len(p.Changes), err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/pull")
	})
	b.Run("page of 1000", func(b *testing.B) {
		all := []string{"org"}
		for i := range 20 {
			all = append(all, fmt.Sprintf("campaign/%d", i))
		}
		n := 0
		for b.Loop() {
			p, err := s.Since(ctx, "org-a", "sites", all, "", syncfeed.MaxLimit)
			if err != nil || len(p.Changes) != syncfeed.MaxLimit {
				b.Fatalf("Since = %d changes, %v", len(p.Changes), err)
			}
			n += len(p.Changes)
		}
		b.ReportMetric(float64(n)/float64(b.N), "changes/op")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/change")
	})
}
