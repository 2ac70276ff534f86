package campaign

import (
	"context"
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/paging"
)

// listsOnly is a Reader that records the page it was asked for; the rules under test never reach
// the storage otherwise.
type listsOnly struct{ asked *paging.Page }

func (r listsOnly) ListCampaigns(_ context.Context, _ string, _ Filter, p paging.Page) ([]Campaign, int, error) {
	*r.asked = p
	return nil, 0, nil
}

func (r listsOnly) ListVisits(_ context.Context, _ string, _ VisitFilter, p paging.Page) ([]Visit, int, error) {
	*r.asked = p
	return nil, 0, nil
}

func (listsOnly) Targets(context.Context, string, int) ([]Target, error) { return nil, nil }

func TestCanRead(t *testing.T) {
	as := func(org string, roles ...identity.Role) identity.Principal {
		return identity.Principal{OrgID: org, Roles: roles}
	}
	for _, tc := range []struct {
		name string
		p    identity.Principal
		want bool
	}{
		{"an inspector of the organisation", as("o1", identity.RoleInspector), true},
		{"its director", as("o1", identity.RoleDirector), true},
		{"its chief", as("o1", identity.RoleChief), true},
		{"its administrator", as("o1", identity.RoleOrgAdmin), true},
		{"its clerk", as("o1", identity.RoleClerk), false},
		{"a chief of another organisation", as("o2", identity.RoleChief), false},
		{"a system administrator of another", as("o2", identity.RoleSystemAdmin), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CanRead(tc.p, "o1"); got != tc.want {
				t.Fatalf("CanRead = %t, want %t", got, tc.want)
			}
		})
	}
}

func TestListFilters(t *testing.T) {
	var asked paging.Page
	s := &Service{Reader: listsOnly{&asked}}
	chief := identity.Principal{OrgID: "o1", Roles: []identity.Role{identity.RoleChief}}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		f    Filter
		want map[string]errs.Code
	}{
		{"none", Filter{}, nil},
		{"all known", Filter{Year: 2023, Kind: Check, Origin: Surprise, Sector: Radiation}, nil},
		{"unknown values", Filter{Year: 1999, Kind: "audit", Origin: "ordered", Sector: "food"},
			map[string]errs.Code{"year": errs.CodeInvalidValue, "kind": errs.CodeInvalidValue, "origin": errs.CodeInvalidValue, "sector": errs.CodeInvalidValue}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := s.Campaigns(ctx, chief, "o1", tc.f, paging.Page{Limit: 10000})
			got := fieldCodes(err)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for f, c := range tc.want {
				if got[f] != c {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
			if tc.want == nil && asked.Limit != paging.Max {
				t.Fatalf("the page is not capped: %+v", asked)
			}
		})
	}
	if _, _, err := s.Visits(ctx, chief, "o1", VisitFilter{Status: "lost", From: date(2023, 3, 2), To: date(2023, 3, 1)}, paging.Page{}); len(fieldCodes(err)) != 2 {
		t.Fatalf("visit filter: %v", err)
	}
	if _, _, err := s.Visits(ctx, identity.Principal{OrgID: "o1", Roles: []identity.Role{identity.RoleClerk}}, "o1", VisitFilter{}, paging.Page{}); errs.KindOf(err) != errs.Forbidden {
		t.Fatalf("a clerk lists visits: %v", err)
	}
	if _, err := s.Targets(ctx, chief, "o1", 0); fieldCodes(err)["year"] != errs.CodeInvalidValue {
		t.Fatalf("targets without a year: %v", err)
	}
}
