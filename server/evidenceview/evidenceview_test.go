package evidenceview_test

import (
	"context"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/evidence"
	"github.com/skhcn-caobang/thanhtra/server/evidenceview"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// finder remembers what it was asked and answers one item.
type finder struct {
	asked string
	item  evidenceview.Item
}

func (f *finder) EvidenceInOrg(_ context.Context, org, id string) (evidenceview.Item, error) {
	f.asked = "org " + org + " " + id
	return f.item, nil
}

func (f *finder) EvidenceInTeam(_ context.Context, org, person, id string) (evidenceview.Item, error) {
	f.asked = "team " + org + " " + person + " " + id
	return f.item, nil
}

func TestWhoMayLook(t *testing.T) {
	f := &finder{}
	s := &evidenceview.Service{Finder: f}
	ctx := context.Background()
	chief := identity.Principal{OrgID: "o1", PersonID: "p1", Roles: []identity.Role{identity.RoleChief}}
	if _, err := s.ForConsole(ctx, chief, "e1"); err != nil || f.asked != "org o1 e1" {
		t.Errorf("a chief in the console: %v, asked %q", err, f.asked)
	}
	phone := identity.Principal{OrgID: "o1", PersonID: "p2", DeviceID: "d1", Roles: []identity.Role{identity.RoleInspector}}
	if _, err := s.ForPhone(ctx, phone, "e1"); err != nil || f.asked != "team o1 p2 e1" {
		t.Errorf("an inspector's phone: %v, asked %q", err, f.asked)
	}
	f.asked = ""
	for name, call := range map[string]func() error{
		"a clerk in the console": func() error {
			_, err := s.ForConsole(ctx, identity.Principal{OrgID: "o1", Roles: []identity.Role{identity.RoleClerk}}, "e1")
			return err
		},
		"a system administrator": func() error {
			_, err := s.ForConsole(ctx, identity.Principal{Roles: []identity.Role{identity.RoleSystemAdmin}}, "e1")
			return err
		},
		"a phone without a device": func() error {
			_, err := s.ForPhone(ctx, identity.Principal{OrgID: "o1", PersonID: "p2", Roles: phone.Roles}, "e1")
			return err
		},
		"a director's phone": func() error {
			_, err := s.ForPhone(ctx, identity.Principal{OrgID: "o1", PersonID: "p3", DeviceID: "d", Roles: []identity.Role{identity.RoleDirector}}, "e1")
			return err
		},
	} {
		if err := call(); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("%s: %v, want forbidden", name, err)
		}
	}
	if _, err := s.ForConsole(ctx, chief, "bad\x00id"); errs.CodeOf(err) != errs.CodeEvidenceNotFound {
		t.Errorf("a control character in the ID: %v", err)
	}
	if f.asked != "" {
		t.Errorf("refused callers reached the database: %q", f.asked)
	}
}

func TestLocate(t *testing.T) {
	s := &evidenceview.Service{}
	at := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	photo := evidence.Object{OrgID: "o1", SHA256: "ab", Size: 10, ContentType: "image/jpeg", Key: "evidence/o1/ab", StoredAt: at}
	stored := evidence.Ref{ID: "e1", State: evidence.StateStored, ContentType: "image/jpeg"}
	cases := []struct {
		name  string
		it    evidenceview.Item
		part  evidenceview.Part
		state string
		key   string
		code  errs.Code
	}{
		{"content", evidenceview.Item{Ref: stored, Object: &photo}, evidenceview.Content, "pending", "evidence/o1/ab", ""},
		{"announced", evidenceview.Item{Ref: evidence.Ref{ID: "e1", State: evidence.StateAnnounced, ContentType: "image/jpeg"}}, evidenceview.Content, "pending", "", errs.CodeEvidenceNotStored},
		{"thumbnail pending", evidenceview.Item{Ref: stored, Object: &photo}, evidenceview.Thumbnail, "pending", "", errs.CodeThumbnailPending},
		{"thumbnail ready", evidenceview.Item{Ref: stored, Object: &photo, ThumbKey: "thumbs/o1/ab.jpg"}, evidenceview.Thumbnail, "ready", "thumbs/o1/ab.jpg", ""},
		{"thumbnail failed", evidenceview.Item{Ref: stored, Object: &photo, ThumbError: "too big"}, evidenceview.Thumbnail, "none", "", errs.CodeThumbnailUnavailable},
	}
	for _, tc := range cases {
		if got := tc.it.ThumbnailState(); got != tc.state {
			t.Errorf("%s: thumbnail state %q, want %q", tc.name, got, tc.state)
		}
		b, err := s.Locate(tc.it, tc.part)
		if (tc.code == "" && err != nil) || (tc.code != "" && errs.CodeOf(err) != tc.code) || b.Key != tc.key {
			t.Errorf("%s: %+v %v, want key %q code %q", tc.name, b, err, tc.key, tc.code)
		}
	}
	b, _ := s.Locate(cases[0].it, evidenceview.Content)
	if b.ETag != "ab" || b.Filename != "e1.jpg" || b.ContentType != "image/jpeg" || !b.ModTime.Equal(at) {
		t.Errorf("content body %+v", b)
	}
	if u, err := s.Presign(context.Background(), b); u != "" || err != nil {
		t.Errorf("a service without a presigner gave %q %v", u, err)
	}
	if d := evidenceview.Disposition(`e"1.jpg`); d != `inline; filename="e1.jpg"` {
		t.Errorf("disposition %s", d)
	}
}
