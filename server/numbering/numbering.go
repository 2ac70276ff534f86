// Package numbering is the register of violation record numbers taken offline (DECISIONS D9).
//
// A violation record (biên bản vi phạm hành chính) is numbered and signed on site, with no signal. The
// server reserves each device a block of numbers per issuing unit and year; the device takes the next
// number of its block; an unused or spoiled number is voided with a reason. The register shows every
// number reserved so far as used, voided or still held by a device — never missing. Decisions are
// numbered by the server when issued and do not use blocks.
package numbering

import (
	"slices"
	"strconv"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Series identifies one sequence of numbers: an issuing unit's records of one year.
type Series struct {
	OrgID         string
	IssuingUnitID string
	Year          int
}

// Validate checks a series.
func (s Series) Validate() error {
	var f []errs.FieldError
	if s.IssuingUnitID == "" {
		f = append(f, errs.FieldError{Field: "issuing_unit_id", Code: errs.CodeRequired})
	}
	if s.Year < 2000 || s.Year > 2100 {
		f = append(f, errs.FieldError{Field: "year", Code: errs.CodeInvalidValue})
	}
	if len(f) > 0 {
		return errs.E(errs.Op("numbering.Series.Validate"), errs.Invalid, errs.CodeValidation, f)
	}
	return nil
}

// Block is a run of numbers reserved to one device: First to Last, both included.
type Block struct {
	ID         string
	Series     Series
	DeviceID   string
	First      int
	Last       int
	ReservedAt time.Time
}

// Contains reports whether n is in the block.
func (b Block) Contains(n int) bool { return n >= b.First && n <= b.Last }

// State is what became of a number.
type State string

// The states of a number in the register.
const (
	Held   State = "held"   // reserved to a device, not yet used
	Used   State = "used"   // written on a record
	Voided State = "voided" // spoiled or never to be used, with a reason
)

// Mark is what a device did with one number.
type Mark struct {
	Series   Series
	Number   int
	DeviceID string
	State    State  // Used or Voided
	EntityID string // the record that used it (Used)
	Reason   string // why it was voided (Voided)
	At       time.Time
}

// Entry is one line of the register.
type Entry struct {
	Number   int
	DeviceID string
	State    State
	EntityID string
	Reason   string
	At       time.Time
}

// DefaultBlockSize is how many numbers a device receives at a time: enough for a few days in the
// field without signal; TopUpBelow is when it receives the next block.
const (
	DefaultBlockSize = 20
	TopUpBelow       = 5
)

// Remaining counts the numbers of a device's blocks that are neither used nor voided.
func Remaining(blocks []Block, marks []Mark) int {
	taken := map[int]bool{}
	for _, m := range marks {
		taken[m.Number] = true
	}
	n := 0
	for _, b := range blocks {
		for i := b.First; i <= b.Last; i++ {
			if !taken[i] {
				n++
			}
		}
	}
	return n
}

// NeedsTopUp reports whether a device holding these blocks should receive another block.
func NeedsTopUp(blocks []Block, marks []Mark) bool { return Remaining(blocks, marks) < TopUpBelow }

// CheckMark checks a mark against the device's blocks and the marks already made on the series: the
// number must be in one of the device's blocks; marking a number again the same way (same record, or
// voided again) changes nothing and is reported as a repeat; marking it differently is a conflict.
func CheckMark(m Mark, blocks []Block, existing []Mark) (repeat bool, err error) {
	const op = errs.Op("numbering.CheckMark")
	var f []errs.FieldError
	switch m.State {
	case Used:
		if m.EntityID == "" {
			f = append(f, errs.FieldError{Field: "entity_id", Code: errs.CodeRequired})
		}
	case Voided:
		if m.Reason == "" {
			f = append(f, errs.FieldError{Field: "reason", Code: errs.CodeRequired})
		}
	default:
		f = append(f, errs.FieldError{Field: "state", Code: errs.CodeInvalidValue})
	}
	if len(f) > 0 {
		return false, errs.E(op, errs.Invalid, errs.CodeValidation, f)
	}
	if !slices.ContainsFunc(blocks, func(b Block) bool { return b.DeviceID == m.DeviceID && b.Contains(m.Number) }) {
		return false, errs.E(op, errs.Invalid, errs.CodeNumberNotHeld, "number "+strconv.Itoa(m.Number))
	}
	for _, e := range existing {
		if e.Number != m.Number {
			continue
		}
		if e.State == m.State && e.EntityID == m.EntityID && e.DeviceID == m.DeviceID {
			return true, nil
		}
		return false, errs.E(op, errs.Conflict, errs.CodeNumberTaken, "number "+strconv.Itoa(m.Number)+" is already "+string(e.State))
	}
	return false, nil
}

// Register lays out every number reserved so far in a series, in order: used and voided numbers with
// their marks, the others as held by the device whose block holds them. No number up to the last one
// reserved is ever missing.
func Register(blocks []Block, marks []Mark) []Entry {
	byNumber := map[int]Mark{}
	for _, m := range marks {
		byNumber[m.Number] = m
	}
	var out []Entry
	sorted := slices.Clone(blocks)
	slices.SortFunc(sorted, func(a, b Block) int { return a.First - b.First })
	for _, b := range sorted {
		for n := b.First; n <= b.Last; n++ {
			if m, ok := byNumber[n]; ok {
				out = append(out, Entry{Number: n, DeviceID: m.DeviceID, State: m.State, EntityID: m.EntityID, Reason: m.Reason, At: m.At})
				continue
			}
			out = append(out, Entry{Number: n, DeviceID: b.DeviceID, State: Held, At: b.ReservedAt})
		}
	}
	return out
}
