package syncfeed_test

import (
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
)

func TestCursorRoundTrip(t *testing.T) {
	for _, p := range []syncfeed.Position{{}, {Xid: 0, ID: 1}, {Xid: 9_000_000_000, ID: 42}} {
		c := syncfeed.EncodeCursor("own-visits", p)
		got, err := c.Decode("own-visits")
		if err != nil || got != p {
			t.Errorf("Decode(EncodeCursor(%+v)) = %+v, %v", p, got, err)
		}
	}
	if c := syncfeed.EncodeCursor("sites", syncfeed.Position{}); c != "" {
		t.Errorf("the start encodes as %q, want the empty cursor", c)
	}
	c := syncfeed.EncodeCursor("sites", syncfeed.Position{Xid: 7, ID: 3})
	if _, err := c.Decode("catalogue"); errs.KindOf(err) != errs.Stale || errs.CodeOf(err) != errs.CodeCursorReset {
		t.Errorf("a cursor of another dataset = %v, want stale/cursor_reset", err)
	}
	if _, err := syncfeed.Cursor("%%%").Decode("sites"); errs.KindOf(err) != errs.Invalid || errs.CodeOf(err) != errs.CodeCursorInvalid {
		t.Errorf("a malformed cursor = %v, want invalid/cursor_invalid", err)
	}
}

func TestChangeValidate(t *testing.T) {
	ok := syncfeed.Change{Dataset: "sites", EntityType: "site", EntityID: "s1", OrgID: "o1", Scope: "org",
		Op: syncfeed.OpUpsert, Version: 1}
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
