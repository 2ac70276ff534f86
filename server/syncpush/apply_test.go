package syncpush_test

import (
	"context"
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

// failingLedger fails to open the transaction: nothing is acknowledged.
type failingLedger struct{ syncpush.Ledger }

func (failingLedger) WithinBatch(context.Context, string, []string, func(syncpush.Tx) error) error {
	return errs.E(errs.Unavailable, "database down")
}

func TestApplyStopsWhenLedgerUnavailable(t *testing.T) {
	it := syncpush.Item{ChangeID: "0195f0a0-0000-7000-8000-000000000001", EntityType: "answer", EntityID: "a",
		Payload: []byte(`{}`)}
	it.CapturedAt = it.CapturedAt.AddDate(2025, 0, 0)
	applier := syncpush.ApplierFunc(func(context.Context, syncpush.Tx, syncpush.Pusher, syncpush.Item) (int64, error) {
		t.Fatal("applier called without a transaction")
		return 0, nil
	})
	rs, err := syncpush.Apply(context.Background(), failingLedger{}, syncpush.Pusher{OrgID: "org", DeviceID: "dev"}, []syncpush.Item{it, it}, syncpush.DefaultLimits, applier)
	if len(rs) != 0 || !errs.Is(errs.Unavailable, err) {
		t.Fatalf("Apply = %v, %v; want no results and unavailable", rs, err)
	}
}
