package syncfeed_test

import (
	"crypto/sha256"
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
)

func TestCursorRoundTrip(t *testing.T) {
	for _, p := range []syncfeed.Position{{}, {Xid: 0, ID: 1}, {Xid: 9_000_000_000, ID: 42}} {
		c := syncfeed.EncodeCursor("own-visits", "fp", p)
		got, err := c.Decode("own-visits", "fp")
		if err != nil || got != p {
			t.Errorf("Decode(EncodeCursor(%+v)) = %+v, %v", p, got, err)
		}
	}
	if c := syncfeed.EncodeCursor("sites", "fp", syncfeed.Position{}); c != "" {
		t.Errorf("the start encodes as %q, want the empty cursor", c)
	}
	c := syncfeed.EncodeCursor("sites", "fp", syncfeed.Position{Xid: 7, ID: 3})
	if _, err := c.Decode("catalogue", "fp"); errs.KindOf(err) != errs.Stale || errs.CodeOf(err) != errs.CodeCursorReset {
		t.Errorf("a cursor of another dataset = %v, want stale/cursor_reset", err)
	}
	if _, err := c.Decode("sites", "other"); errs.KindOf(err) != errs.Stale || errs.CodeOf(err) != errs.CodeCursorReset {
		t.Errorf("a cursor of other scopes = %v, want stale/cursor_reset", err)
	}
	if _, err := syncfeed.Cursor("%%%").Decode("sites", "fp"); errs.KindOf(err) != errs.Invalid || errs.CodeOf(err) != errs.CodeCursorInvalid {
		t.Errorf("a malformed cursor = %v, want invalid/cursor_invalid", err)
	}
}

func TestChangeValidate(t *testing.T) {
	ok := syncfeed.Change{Dataset: "sites", EntityType: "site", EntityID: "s1", OrgID: "o1", Scope: "org",
		Op: syncfeed.OpUpsert, Version: 1, Data: []byte(`{}`)}
	cases := []struct {
		name   string
		edit   func(*syncfeed.Change)
		fields []string
	}{
		{"valid", func(*syncfeed.Change) {}, nil},
		{"no dataset", func(c *syncfeed.Change) { c.Dataset = "" }, []string{"dataset"}},
		{"dataset a cursor cannot carry", func(c *syncfeed.Change) { c.Dataset = "Sites:v2" }, []string{"dataset"}},
		{"unknown op", func(c *syncfeed.Change) { c.Op = "merge" }, []string{"op"}},
		{"no scope nor org", func(c *syncfeed.Change) { c.Scope, c.OrgID = "", "" }, []string{"org_id", "scope"}},
		{"negative version", func(c *syncfeed.Change) { c.Version = -1 }, []string{"version"}},
		{"upsert without data", func(c *syncfeed.Change) { c.Data = nil }, []string{"data"}},
		{"delete without data", func(c *syncfeed.Change) { c.Op, c.Data = syncfeed.OpDelete, nil }, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ch := ok
			c.edit(&ch)
			err := ch.Validate()
			var got []string
			for _, f := range errs.FieldsOf(err) {
				got = append(got, f.Field)
			}
			if len(got) != len(c.fields) || (err == nil) != (c.fields == nil) {
				t.Fatalf("Validate = %v (fields %v), want fields %v", err, got, c.fields)
			}
			for i := range got {
				if got[i] != c.fields[i] {
					t.Fatalf("fields %v, want %v", got, c.fields)
				}
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	a := syncfeed.Fingerprint("sites", []string{"site/1", "subject/2"})
	if b := syncfeed.Fingerprint("sites", []string{"subject/2", "site/1", "site/1"}); a != b {
		t.Errorf("the same scopes in another order or repeated give %s and %s", a, b)
	}
	for _, other := range []string{
		syncfeed.Fingerprint("sites", []string{"site/1"}),
		syncfeed.Fingerprint("sites", []string{"site/1", "subject/2", "site/3"}),
		syncfeed.Fingerprint("visits", []string{"site/1", "subject/2"}),
	} {
		if other == a {
			t.Errorf("other scopes or dataset give the same fingerprint %s", a)
		}
	}
}

func TestEntryChecksumLayout(t *testing.T) {
	// The layout phones implement: SHA-256 of type, 0, id, 0, version in decimal, 0, data, 0; the first
	// four bytes big-endian. sha256("site\x00s1\x003\x00{}\x00") starts with these bytes.
	h := sha256.Sum256([]byte("site\x00s1\x003\x00{}\x00"))
	want := uint32(h[0])<<24 | uint32(h[1])<<16 | uint32(h[2])<<8 | uint32(h[3])
	if got := syncfeed.EntryChecksum("site", "s1", 3, []byte("{}")); got != want {
		t.Errorf("EntryChecksum = %d, want %d", got, want)
	}
	if syncfeed.EntryChecksum("site", "s1", 4, []byte("{}")) == want {
		t.Error("another version gives the same checksum")
	}
}
