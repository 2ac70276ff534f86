package syncpush

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

const validBatch = `{"items":[{"change_id":"0195f0a0-0000-7000-8000-000000000001","entity_type":"answer","entity_id":"a1",
	"base_version":3,"captured_at":"2025-03-01T08:00:00+07:00","payload":{"b":1,"a":[true,null]}}]}`

func TestHashIgnoresWhitespaceAndKeyOrder(t *testing.T) {
	items, err := DecodeBatch(strings.NewReader(validBatch), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	it := items[0]
	same := it
	same.Payload = []byte("{ \"a\" : [ true , null ],\n \"b\":1 }")
	same.CapturedAt = same.CapturedAt.Add(1) // not part of the content
	if Hash(it) != Hash(same) {
		t.Error("the same content with other whitespace and key order hashes differently")
	}
	for name, change := range map[string]func(*Item){
		"payload":      func(i *Item) { i.Payload = []byte(`{"a":[true,null],"b":2}`) },
		"base version": func(i *Item) { i.BaseVersion++ },
		"entity ID":    func(i *Item) { i.EntityID = "a2" },
		"entity type":  func(i *Item) { i.EntityType = "finding" },
	} {
		other := it
		change(&other)
		if Hash(other) == Hash(it) {
			t.Errorf("another %s hashes the same", name)
		}
	}
}

func TestDecodeBatch(t *testing.T) {
	lim := Limits{MaxItems: 1, MaxPayloadBytes: 64, MaxBatchBytes: 1 << 10}
	cases := []struct {
		name string
		body string
		code errs.Code
	}{
		{"valid", validBatch, ""},
		{"empty items", `{"items":[]}`, ""},
		{"empty body", ``, errs.CodePushMalformed},
		{"not JSON", `items`, errs.CodePushMalformed},
		{"no items", `{}`, errs.CodePushMalformed},
		{"items not an array", `{"items":{}}`, errs.CodePushMalformed},
		{"wrong type", `{"items":[{"base_version":"3"}]}`, errs.CodePushMalformed},
		{"trailing data", `{"items":[]} {}`, errs.CodePushMalformed},
		{"bad time", `{"items":[{"captured_at":"yesterday"}]}`, errs.CodePushMalformed},
		{"missing fields", `{"items":[{"payload":{}}]}`, errs.CodeValidation},
		{"not a UUID", strings.Replace(validBatch, "0195f0a0-", "0195f0a0", 1), errs.CodeValidation},
		{"null payload", strings.Replace(validBatch, `{"b":1,"a":[true,null]}`, `null`, 1), errs.CodeValidation},
		{"too many", `{"items":[{},{}]}`, errs.CodePushBatchTooLarge},
		{"payload too large", strings.Replace(validBatch, `"b":1`, `"b":"`+strings.Repeat("x", 64)+`"`, 1), errs.CodePushItemTooLarge},
		{"body too large", `{"items":[],"x":"` + strings.Repeat("x", 1<<10) + `"}`, errs.CodeBodyTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeBatch(strings.NewReader(c.body), lim)
			if c.code == "" && err != nil || c.code != "" && errs.CodeOf(err) != c.code {
				t.Fatalf("DecodeBatch = %v, want code %q", err, c.code)
			}
		})
	}
}

// FuzzDecodeItems checks that DecodeBatch never panics, refuses with a coded error of kind invalid
// or too_large, and that what it accepts is valid and hashes stably.
func FuzzDecodeItems(f *testing.F) {
	f.Add([]byte(validBatch))
	f.Add([]byte(`{"items":[]}`))
	f.Add([]byte(`{"items":[{"payload":"\ud800"}]}`))
	f.Add([]byte(`{"items":[{"change_id":"0195f0a0-0000-7000-8000-000000000001","entity_type":"x","entity_id":"y","captured_at":"2025-01-01T00:00:00Z","payload":1e999}]}`))
	lim := Limits{MaxItems: 8, MaxPayloadBytes: 512, MaxBatchBytes: 4 << 10}
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := DecodeBatch(bytes.NewReader(body), lim)
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge || errs.CodeOf(err) == "" {
				t.Fatalf("refusal %v: kind %s, code %q", err, k, errs.CodeOf(err))
			}
			return
		}
		if err := lim.Check(items); err != nil {
			t.Fatalf("accepted a batch that Check refuses: %v", err)
		}
		for _, it := range items {
			c, err := Canonical(it.Payload)
			if err != nil {
				t.Fatalf("accepted payload %q is not JSON: %v", it.Payload, err)
			}
			again := it
			again.Payload = c
			if Hash(again) != Hash(it) {
				t.Fatalf("canonical form of %q hashes differently", it.Payload)
			}
		}
	})
}

// FuzzPayloadValidity checks that Item.Validate's cheap test of a payload (json.Valid) accepts exactly
// what Canonical accepts: `go test -run X -fuzz FuzzPayloadValidity -fuzztime 60s ./server/syncpush/`.
func FuzzPayloadValidity(f *testing.F) {
	for _, s := range []string{`{}`, ` {"a": [1, 2.0, "x"]} `, `1 2`, `{"a":1}]`, ``, ` `, `"\ud800"`, "\"\xff\"", `1e999`, `[`, `{"a":1,"a":2}`, `nul`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := Canonical(b)
		if valid := json.Valid(b); valid != (err == nil) {
			t.Fatalf("%q: json.Valid %v, Canonical %v", b, valid, err)
		}
	})
}
