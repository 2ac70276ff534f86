package gormstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/gormstore/storetest"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/numbering"
	"github.com/skhcn-caobang/thanhtra/server/registry"
)

func TestNumberRegister(t *testing.T) {
	ctx := context.Background()
	c := clock.NewManual(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	st := storetest.NewDBWith(t, storetest.Options{Clock: c})
	ids := &identity.Service{Store: st, Hasher: identity.Hasher{Memory: 64, Time: 1, Threads: 1}, Clock: c, IDs: clock.UUIDv7{}}
	org, err := ids.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: "caobang", Name: "Cao Bằng"})
	if err != nil {
		t.Fatal(err)
	}
	admin := identity.Principal{AccountID: "admin", OrgID: org.ID, Roles: []identity.Role{identity.RoleOrgAdmin}}
	unit, err := (&registry.Service{Store: st, Clock: c, IDs: clock.UUIDv7{}}).CreateIssuingUnit(ctx, admin, registry.IssuingUnit{OrgID: org.ID, Code: "TTR", Name: "Thanh tra Sở"})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := ids.CreateAccount(ctx, identity.Operator, identity.NewAccount{OrgID: org.ID, FullName: "Nông Văn Minh", Login: "inspector1",
		Password: "long-enough-pw", Roles: []identity.Role{identity.RoleInspector}})
	if err != nil {
		t.Fatal(err)
	}
	phone := func(name string) identity.Principal {
		d, err := st.RegisterDevice(ctx, identity.Device{ID: clock.UUIDv7{}.NewID(), OrgID: org.ID, AccountID: acct.ID, ClientID: name,
			Platform: "android", CreatedAt: c.Now(), LastSeenAt: c.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return identity.Principal{AccountID: acct.ID, PersonID: acct.PersonID, OrgID: org.ID, DeviceID: d.ID, Roles: acct.Roles}
	}
	svc := &numbering.Service{Store: st, Clock: c, IDs: clock.UUIDv7{}}
	series := numbering.Series{OrgID: org.ID, IssuingUnitID: unit.ID, Year: 2026}
	a, b := phone("phone-a"), phone("phone-b")

	blocksA, _, err := svc.TopUp(ctx, a, series)
	if err != nil || len(blocksA) != 1 || blocksA[0].First != 1 || blocksA[0].Last != numbering.DefaultBlockSize {
		t.Fatalf("first block: %+v %v", blocksA, err)
	}
	if again, _, _ := svc.TopUp(ctx, a, series); len(again) != 1 {
		t.Fatal("a full block needs no top-up")
	}
	blocksB, _, err := svc.TopUp(ctx, b, series)
	if err != nil || blocksB[0].First != numbering.DefaultBlockSize+1 {
		t.Fatalf("the second device's block must follow: %+v %v", blocksB, err)
	}

	mark := func(p identity.Principal, n int, state numbering.State, entity, reason string) error {
		return svc.Mark(ctx, p, numbering.Mark{Series: series, Number: n, State: state, EntityID: entity, Reason: reason})
	}
	if err := mark(a, 1, numbering.Used, "record-1", ""); err != nil {
		t.Fatal(err)
	}
	if err := mark(a, 1, numbering.Used, "record-1", ""); err != nil {
		t.Fatalf("a retried mark is a no-op: %v", err)
	}
	if err := mark(a, 1, numbering.Used, "record-2", ""); errs.CodeOf(err) != errs.CodeNumberTaken {
		t.Fatalf("one number, two records: %v", err)
	}
	if err := mark(a, blocksB[0].First, numbering.Used, "record-x", ""); errs.CodeOf(err) != errs.CodeNumberNotHeld {
		t.Fatalf("another device's number: %v", err)
	}
	if err := mark(b, blocksB[0].First, numbering.Voided, "", "biên bản ghi hỏng"); err != nil {
		t.Fatal(err)
	}
	// Use up phone A's block: the next top-up reserves a block after B's.
	for n := 2; n <= numbering.DefaultBlockSize-numbering.TopUpBelow+1; n++ {
		if err := mark(a, n, numbering.Used, fmt.Sprintf("record-%d", n), ""); err != nil {
			t.Fatal(err)
		}
	}
	blocksA, _, err = svc.TopUp(ctx, a, series)
	if err != nil || len(blocksA) != 2 || blocksA[1].First != 2*numbering.DefaultBlockSize+1 {
		t.Fatalf("top-up: %+v %v", blocksA, err)
	}

	chief := identity.Principal{AccountID: "chief", OrgID: org.ID, Roles: []identity.Role{identity.RoleChief}}
	reg, err := svc.Register(ctx, chief, series)
	if err != nil || len(reg) != 3*numbering.DefaultBlockSize {
		t.Fatalf("register: %d %v", len(reg), err)
	}
	counts := map[numbering.State]int{}
	for i, e := range reg {
		if e.Number != i+1 {
			t.Fatalf("the register skips from %d to %d", i, e.Number)
		}
		counts[e.State]++
	}
	if counts[numbering.Used] != 16 || counts[numbering.Voided] != 1 || counts[numbering.Held] != 43 {
		t.Fatalf("register counts %v", counts)
	}
	if _, err := svc.Register(ctx, identity.Principal{OrgID: "another", Roles: []identity.Role{identity.RoleChief}}, series); errs.KindOf(err) != errs.Forbidden {
		t.Fatalf("another organisation's chief: %v", err)
	}
	if _, _, err := svc.TopUp(ctx, chief, series); errs.KindOf(err) != errs.Forbidden {
		t.Fatalf("a principal without a device: %v", err)
	}

	t.Run("concurrent reservations never overlap", func(t *testing.T) {
		s2 := numbering.Series{OrgID: org.ID, IssuingUnitID: unit.ID, Year: 2027}
		var phones []identity.Principal
		for i := range 8 {
			phones = append(phones, phone(fmt.Sprintf("fleet-%d", i)))
		}
		var wg sync.WaitGroup
		errc := make(chan error, len(phones))
		for _, p := range phones {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := svc.TopUp(ctx, p, s2)
				errc <- err
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatal(err)
			}
		}
		reg, err := svc.Register(ctx, chief, s2)
		if err != nil || len(reg) != len(phones)*numbering.DefaultBlockSize {
			t.Fatalf("register of the fleet: %d %v", len(reg), err)
		}
		for i, e := range reg {
			if e.Number != i+1 {
				t.Fatalf("overlap or gap at %d: %d", i, e.Number)
			}
		}
	})
	rep, err := audit.Verify(ctx, st)
	if err != nil || !rep.OK() {
		t.Fatalf("audit: %v %v", err, rep.Problems)
	}
}

func TestNumberTopUpRetriesReserveOnce(t *testing.T) {
	ctx := context.Background()
	c := clock.NewManual(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	st := storetest.NewDBWith(t, storetest.Options{Clock: c})
	ids := &identity.Service{Store: st, Hasher: identity.Hasher{Memory: 64, Time: 1, Threads: 1}, Clock: c, IDs: clock.UUIDv7{}}
	org, _ := ids.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: "caobang", Name: "Cao Bằng"})
	admin := identity.Principal{AccountID: "admin", OrgID: org.ID, Roles: []identity.Role{identity.RoleOrgAdmin}}
	unit, err := (&registry.Service{Store: st, Clock: c, IDs: clock.UUIDv7{}}).CreateIssuingUnit(ctx, admin, registry.IssuingUnit{OrgID: org.ID, Code: "TTR", Name: "Thanh tra Sở"})
	if err != nil {
		t.Fatal(err)
	}
	acct, _ := ids.CreateAccount(ctx, identity.Operator, identity.NewAccount{OrgID: org.ID, FullName: "Nông Văn Minh", Login: "inspector1",
		Password: "long-enough-pw", Roles: []identity.Role{identity.RoleInspector}})
	d, err := st.RegisterDevice(ctx, identity.Device{ID: clock.UUIDv7{}.NewID(), OrgID: org.ID, AccountID: acct.ID, ClientID: "p", Platform: "android", CreatedAt: c.Now(), LastSeenAt: c.Now()})
	if err != nil {
		t.Fatal(err)
	}
	p := identity.Principal{AccountID: acct.ID, PersonID: acct.PersonID, OrgID: org.ID, DeviceID: d.ID, Roles: acct.Roles}
	svc := &numbering.Service{Store: st, Clock: c, IDs: clock.UUIDv7{}}
	series := numbering.Series{OrgID: org.ID, IssuingUnitID: unit.ID, Year: 2026}
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := svc.TopUp(ctx, p, series); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	blocks, _, err := st.NumberState(ctx, series, d.ID)
	if err != nil || len(blocks) != 1 {
		t.Fatalf("six retries of one phone reserved %d blocks (%v)", len(blocks), err)
	}
}
