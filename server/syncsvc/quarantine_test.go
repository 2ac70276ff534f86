package syncsvc

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/paging"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

// spyStore records what reaches the store; the store itself is tested in server/gormstore.
type spyStore struct {
	items    []syncpush.Quarantined
	asked    []int64
	resolved []string // "org id note by at"
}

func (s *spyStore) ListQuarantine(_ context.Context, orgID string, openOnly bool, _ paging.Page) ([]syncpush.Quarantined, int, error) {
	return s.items, len(s.items), nil
}

func (s *spyStore) QuarantineResolutions(_ context.Context, orgID string, ids []int64) (map[int64]Resolution, error) {
	s.asked = append(s.asked, ids...)
	out := map[int64]Resolution{}
	for _, id := range ids {
		out[id] = Resolution{Note: "done", ByPersonID: "p"}
	}
	return out, nil
}

func (s *spyStore) ResolveQuarantine(_ context.Context, orgID string, id int64, note, by string, at time.Time) error {
	s.resolved = append(s.resolved, strings.Join([]string{orgID, strconv.FormatInt(id, 10), note, by, at.Format(time.RFC3339)}, " "))
	return nil
}

func TestQuarantineAccess(t *testing.T) {
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	p := func(org string, roles ...identity.Role) identity.Principal {
		return identity.Principal{AccountID: "a", PersonID: "person", OrgID: org, Roles: roles}
	}
	for _, tc := range []struct {
		name string
		p    identity.Principal
		org  string
		ok   bool
	}{
		{"chief", p("org", identity.RoleChief), "org", true},
		{"org admin", p("org", identity.RoleOrgAdmin), "org", true},
		{"system admin of another organisation", p("other", identity.RoleSystemAdmin), "org", true},
		{"chief of another organisation", p("other", identity.RoleChief), "org", false},
		{"inspector", p("org", identity.RoleInspector), "org", false},
		{"director", p("org", identity.RoleDirector), "org", false},
		{"clerk", p("org", identity.RoleClerk), "org", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &spyStore{}
			q := &Quarantine{Store: st, Clock: clock.NewManual(now)}
			_, _, lerr := q.List(context.Background(), tc.p, tc.org, true, paging.Page{})
			rerr := q.Resolve(context.Background(), tc.p, tc.org, 3, "ok")
			for _, err := range []error{lerr, rerr} {
				if tc.ok && err != nil {
					t.Fatalf("refused: %v", err)
				}
				if !tc.ok && (errs.KindOf(err) != errs.Forbidden || errs.CodeOf(err) != errs.CodeRoleRequired) {
					t.Fatalf("got %v, want forbidden role_required", err)
				}
			}
			if !tc.ok && len(st.resolved) > 0 {
				t.Fatalf("a refused caller reached the store: %v", st.resolved)
			}
		})
	}
}

func TestQuarantineResolveNote(t *testing.T) {
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	chief := identity.Principal{AccountID: "a", PersonID: "person", OrgID: "org", Roles: []identity.Role{identity.RoleChief}}
	for _, tc := range []struct {
		name, note string
		code       errs.Code // of the field "note"; "" = accepted
	}{
		{"blank", "  \n ", errs.CodeRequired},
		{"too long", strings.Repeat("ạ", MaxResolutionNote+1), errs.CodeTooLong},
		{"longest", strings.Repeat("ạ", MaxResolutionNote), ""},
		{"trimmed", "  đã xử lý  ", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &spyStore{}
			q := &Quarantine{Store: st, Clock: clock.NewManual(now)}
			err := q.Resolve(context.Background(), chief, "org", 3, tc.note)
			if tc.code == "" {
				if err != nil || len(st.resolved) != 1 {
					t.Fatalf("got %v, %v", err, st.resolved)
				}
				if want := strings.TrimSpace(tc.note); !strings.Contains(st.resolved[0], " "+want+" person 2026-03-02T01:00:00Z") {
					t.Fatalf("stored %q, want the trimmed note, the person and the clock's time", st.resolved[0])
				}
				return
			}
			f := errs.FieldsOf(err)
			if errs.CodeOf(err) != errs.CodeValidation || len(f) != 1 || f[0].Field != "note" || f[0].Code != tc.code || len(st.resolved) > 0 {
				t.Fatalf("got %v %v, want validation_failed on note=%s", err, f, tc.code)
			}
		})
	}
}

// TestQuarantineListResolutions checks that the resolutions are asked for the resolved items only,
// and attached to them.
func TestQuarantineListResolutions(t *testing.T) {
	at := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	st := &spyStore{items: []syncpush.Quarantined{{ID: 1}, {ID: 2, ResolvedAt: &at}, {ID: 3}}}
	q := &Quarantine{Store: st, Clock: clock.NewManual(at)}
	chief := identity.Principal{PersonID: "person", OrgID: "org", Roles: []identity.Role{identity.RoleChief}}
	items, total, err := q.List(context.Background(), chief, "org", false, paging.Page{})
	if err != nil || total != 3 || len(items) != 3 {
		t.Fatalf("got %d items, total %d, %v", len(items), total, err)
	}
	if len(st.asked) != 1 || st.asked[0] != 2 {
		t.Fatalf("resolutions asked for %v, want [2]", st.asked)
	}
	if items[1].Resolution.Note != "done" || items[0].Resolution != (Resolution{}) {
		t.Fatalf("resolutions attached wrong: %+v", items)
	}
}
