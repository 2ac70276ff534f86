package numbering

import (
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

var series = Series{OrgID: "org", IssuingUnitID: "ttr", Year: 2026}

func TestCheckMark(t *testing.T) {
	blocks := []Block{{Series: series, DeviceID: "phone-a", First: 1, Last: 20}, {Series: series, DeviceID: "phone-b", First: 21, Last: 40}}
	existing := []Mark{{Series: series, Number: 3, DeviceID: "phone-a", State: Used, EntityID: "record-3"},
		{Series: series, Number: 4, DeviceID: "phone-a", State: Voided, Reason: "ghi sai"}}
	cases := []struct {
		name   string
		m      Mark
		repeat bool
		kind   errs.Kind
		code   errs.Code
	}{
		{name: "use a held number", m: Mark{Number: 5, DeviceID: "phone-a", State: Used, EntityID: "record-5"}},
		{name: "void a held number", m: Mark{Number: 6, DeviceID: "phone-a", State: Voided, Reason: "biên bản bị rách"}},
		{name: "the same use again is a repeat", m: Mark{Number: 3, DeviceID: "phone-a", State: Used, EntityID: "record-3"}, repeat: true},
		{name: "the same void again is a repeat", m: Mark{Number: 4, DeviceID: "phone-a", State: Voided, Reason: "ghi sai"}, repeat: true},
		{name: "a used number on another record", m: Mark{Number: 3, DeviceID: "phone-a", State: Used, EntityID: "record-9"}, kind: errs.Conflict, code: errs.CodeNumberTaken},
		{name: "voiding a used number", m: Mark{Number: 3, DeviceID: "phone-a", State: Voided, Reason: "x"}, kind: errs.Conflict, code: errs.CodeNumberTaken},
		{name: "another device's number", m: Mark{Number: 25, DeviceID: "phone-a", State: Used, EntityID: "r"}, kind: errs.Invalid, code: errs.CodeNumberNotHeld},
		{name: "a number never reserved", m: Mark{Number: 99, DeviceID: "phone-a", State: Used, EntityID: "r"}, kind: errs.Invalid, code: errs.CodeNumberNotHeld},
		{name: "a void needs a reason", m: Mark{Number: 7, DeviceID: "phone-a", State: Voided}, kind: errs.Invalid, code: errs.CodeValidation},
		{name: "a use needs its record", m: Mark{Number: 7, DeviceID: "phone-a", State: Used}, kind: errs.Invalid, code: errs.CodeValidation},
		{name: "held is not a mark", m: Mark{Number: 7, DeviceID: "phone-a", State: Held}, kind: errs.Invalid, code: errs.CodeValidation},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.m.Series = series
			repeat, err := CheckMark(tc.m, blocks, existing)
			if tc.kind == "" {
				if err != nil || repeat != tc.repeat {
					t.Fatalf("repeat=%v err=%v, want repeat=%v", repeat, err, tc.repeat)
				}
				return
			}
			if errs.KindOf(err) != tc.kind || errs.CodeOf(err) != tc.code {
				t.Fatalf("got %v, want %s/%s", err, tc.kind, tc.code)
			}
		})
	}
}

func TestRegisterHasNoGaps(t *testing.T) {
	blocks := []Block{{DeviceID: "b", First: 6, Last: 8}, {DeviceID: "a", First: 1, Last: 5}}
	marks := []Mark{{Number: 2, DeviceID: "a", State: Used, EntityID: "r2"}, {Number: 7, DeviceID: "b", State: Voided, Reason: "hỏng"}}
	reg := Register(blocks, marks)
	if len(reg) != 8 {
		t.Fatalf("%d entries, want 8", len(reg))
	}
	for i, e := range reg {
		if e.Number != i+1 {
			t.Fatalf("entry %d is number %d", i, e.Number)
		}
	}
	if reg[1].State != Used || reg[6].State != Voided || reg[0].State != Held || reg[7].DeviceID != "b" {
		t.Fatalf("register %+v", reg)
	}
	if Remaining(blocks, marks) != 6 || NeedsTopUp(blocks, marks) {
		t.Fatal("six numbers left is enough")
	}
	if !NeedsTopUp(blocks[:1], marks) {
		t.Fatal("two left must top up")
	}
}
