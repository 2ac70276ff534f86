package legal

import (
	"fmt"
	"math"
	"strconv"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// FineModel is how a catalogue entry's fine range is found (DECISIONS D14): a FixedRange, Tiers chosen
// by a declared quantity, or a Multiple of a declared value. Amounts are in đồng and are the amounts
// for an individual; Range doubles them for an organisation.
type FineModel interface {
	fineModel()
	// Needs is the quantity the inspector must declare for the range to follow ("" for a fixed range).
	Needs() Quantity
}

// Quantity names a declared amount in đồng that a fine model depends on.
type Quantity string

// The quantities.
const (
	InstrumentValue Quantity = "instrument_value" // tổng giá trị phương tiện đo vi phạm, at the price of a new one of the same kind (Decree 119, Art. 10)
	IllegalGain     Quantity = "illegal_gain"     // số lợi bất hợp pháp thu được (Decree 119, Art. 14(2))
	GoodsValue      Quantity = "goods_value"      // giá trị hàng hóa vi phạm
)

// Quantities lists every quantity.
var Quantities = []Quantity{InstrumentValue, IllegalGain, GoodsValue}

// FixedRange is a range in đồng for individuals. A nil bound is unknown: no source gave it, and it is
// never guessed.
type FixedRange struct {
	Min, Max *int64
}

// Tiers chooses the range by the declared Quantity: the tier whose bounds hold it.
type Tiers struct {
	Quantity Quantity
	Tiers    []Tier // in increasing order, contiguous: each tier's Over is the UpTo of the one before
}

// Tier is one band of a tiered fine: for a quantity q with Over < q ≤ UpTo. A nil Over starts at zero
// (inclusive); a nil UpTo has no upper bound. The tier's range may be unknown.
type Tier struct {
	Over, UpTo *int64
	Range      FixedRange
	LegalBasis string // the clause, e.g. "khoản 2 (thu lợi đến 10.000.000 đồng)"
	Confirmed  bool
	Source     string
	Note       string
}

// Multiple fines a multiple of a declared value, between MinTimes and MaxTimes of it.
type Multiple struct {
	Of                 Quantity
	MinTimes, MaxTimes *Factor
}

// Factor is a multiplier in thousandths: 1500 is 1.5 times.
type Factor int64

// FactorOf returns the factor nearest to f times.
func FactorOf(f float64) Factor { return Factor(math.Round(f * 1000)) }

// Float is the factor as a number of times.
func (f Factor) Float() float64 { return float64(f) / 1000 }

// String writes the factor as a number of times, e.g. "1.5".
func (f Factor) String() string { return strconv.FormatFloat(f.Float(), 'f', -1, 64) }

func (FixedRange) fineModel() {}
func (Tiers) fineModel()      {}
func (Multiple) fineModel()   {}

// Needs is "" for a fixed range.
func (FixedRange) Needs() Quantity { return "" }

// Needs is the quantity the tiers are chosen by.
func (t Tiers) Needs() Quantity { return t.Quantity }

// Needs is the value the multiple is taken of.
func (m Multiple) Needs() Quantity { return m.Of }

// Known reports whether both bounds are known.
func (r FixedRange) Known() bool { return r.Min != nil && r.Max != nil }

// holds reports whether quantity q falls in the tier.
func (t Tier) holds(q int64) bool {
	return (t.Over == nil || q > *t.Over) && (t.UpTo == nil || q <= *t.UpTo)
}

// FineRange is the range that applies to one subject: its bounds in đồng (already doubled for an
// organisation), whether they were doubled, and whether every part of it was confirmed by a source.
type FineRange struct {
	Min, Max  int64
	Doubled   bool // the subject is an organisation: individual amounts × 2
	Confirmed bool // false: show the range as not verified (README of domain/)
}

// Default is the fine when there are no mitigating or aggravating circumstances: the middle of the
// range (Luật XLVPHC Art. 23(4); procedure.yaml).
func (r FineRange) Default() int64 { return r.Min + (r.Max-r.Min)/2 }

// Contains reports whether an amount lies within the range.
func (r FineRange) Contains(amount int64) bool { return amount >= r.Min && amount <= r.Max }

// Range returns the fine range of violation version v for a subject of the given kind, with the
// declared quantity (nil when none was declared) for tiered and multiple fines.
//
// The catalogue's amounts are for individuals; an organisation's range is doubled; a household
// business is sanctioned as an individual (D25). It refuses, with errs.Invalid and a code:
//   - CodeViolationNotApplicable when the provision is not addressed to that kind of subject;
//   - CodeFineQuantityRequired when the model needs a quantity and none was declared;
//   - CodeFineRangeMissing when no source gave the range (or the tier) that applies: never invented.
func (v Violation) Range(kind SubjectKind, quantity *int64) (FineRange, error) {
	const op = errs.Op("legal.Range")
	as, ok := kind.asSubjects()
	if !ok {
		return FineRange{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "subject_kind", Code: errs.CodeInvalidValue})
	}
	if !v.AppliesTo(kind) {
		return FineRange{}, errs.E(op, errs.Invalid, errs.CodeViolationNotApplicable,
			fmt.Sprintf("%s is addressed to %v, not to %s", v.Code, v.Subjects, kind))
	}
	if v.Fine == nil {
		return FineRange{}, errs.E(op, errs.Invalid, errs.CodeFineRangeMissing, v.Code+": no fine model")
	}
	if need := v.Fine.Needs(); need != "" {
		if quantity == nil {
			return FineRange{}, errs.E(op, errs.Invalid, errs.CodeFineQuantityRequired, fmt.Sprintf("%s needs %s", v.Code, need))
		}
		if *quantity < 0 {
			return FineRange{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "quantity", Code: errs.CodeInvalidValue})
		}
	}
	missing := func(what string) error {
		return errs.E(op, errs.Invalid, errs.CodeFineRangeMissing, fmt.Sprintf("%s (valid from %s): %s", v.Code, v.ValidFrom, what))
	}
	var r FineRange
	switch m := v.Fine.(type) {
	case FixedRange:
		if !m.Known() {
			return FineRange{}, missing("no range is known")
		}
		r = FineRange{Min: *m.Min, Max: *m.Max, Confirmed: v.Confirmed}
	case Tiers:
		var tier *Tier
		for i := range m.Tiers {
			if m.Tiers[i].holds(*quantity) {
				tier = &m.Tiers[i]
				break
			}
		}
		switch {
		case tier == nil:
			return FineRange{}, missing(fmt.Sprintf("no tier is known for %s %d", m.Quantity, *quantity))
		case !tier.Range.Known():
			return FineRange{}, missing(fmt.Sprintf("the range of the tier %s is not known", tier.LegalBasis))
		}
		r = FineRange{Min: *tier.Range.Min, Max: *tier.Range.Max, Confirmed: v.Confirmed && tier.Confirmed}
	case Multiple:
		if m.MinTimes == nil || m.MaxTimes == nil {
			return FineRange{}, missing("the multipliers are not known")
		}
		lo, okLo := times(*quantity, *m.MinTimes)
		hi, okHi := times(*quantity, *m.MaxTimes)
		if !okLo || !okHi {
			return FineRange{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "quantity", Code: errs.CodeInvalidValue})
		}
		r = FineRange{Min: lo, Max: hi, Confirmed: v.Confirmed}
	}
	if as == Organisation {
		if r.Max > math.MaxInt64/2 {
			return FineRange{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "quantity", Code: errs.CodeInvalidValue})
		}
		r.Min, r.Max, r.Doubled = 2*r.Min, 2*r.Max, true
	}
	return r, nil
}

// times is value × f, rounded to the đồng; false on overflow.
func times(value int64, f Factor) (int64, bool) {
	if f < 0 || (f > 0 && value > math.MaxInt64/int64(f)) {
		return 0, false
	}
	p := value * int64(f)
	return p/1000 + (p%1000*2)/1000, true // round half up
}

// Title is the code of a legal title that carries sanctioning power (chức danh có thẩm quyền xử
// phạt), e.g. "thanh_tra_vien". Persons hold titles (D2); caps attach to titles, not accounts.
type Title string

// The titles in the seed data.
const (
	TitleInspector          Title = "thanh_tra_vien"      // thanh tra viên, người được giao nhiệm vụ thanh tra chuyên ngành đang thi hành công vụ
	TitleChiefInspector     Title = "chanh_thanh_tra_so"  // Chánh Thanh tra Sở KH&CN
	TitleTeamLeader         Title = "truong_doan"         // Trưởng đoàn thanh tra chuyên ngành Sở KH&CN (or Cục ATBXHN)
	TitleMinistryTeamLeader Title = "truong_doan_bo"      // Trưởng đoàn thanh tra chuyên ngành Bộ KH&CN
	TitleSubDepartmentHead  Title = "chi_cuc_truong_tdc"  // Chi cục trưởng Chi cục Tiêu chuẩn Đo lường Chất lượng
	TitleCommuneChairman    Title = "chu_tich_ubnd_xa"    // Chủ tịch UBND cấp xã
	TitleDistrictChairman   Title = "chu_tich_ubnd_huyen" // Chủ tịch UBND cấp huyện (the level was abolished on 1 July 2025)
	TitleProvincialChairman Title = "chu_tich_ubnd_tinh"  // Chủ tịch UBND cấp tỉnh
)

// AuthorityCap is the largest fine a title may impose, for individuals (an organisation's cap is
// double), under one decree's article on sanctioning power, or under the general rule of the Law on
// Handling Administrative Violations when Decree is "".
type AuthorityCap struct {
	ID        string
	Title     Title
	Decree    string // the decree whose article sets the cap; "" for the Law's general rule
	Name      string // the title as the law names it, in Vietnamese
	MaxFine   *int64 // nil: not known
	Unlimited bool   // up to the field's maximum (provincial chairman): covers every range of the field
	Powers    []string
	Basis     string
	Note      string
	Confirmed bool
	Source    string
	Validity
	ReplacedBy string // the ID of the version that replaced this one
}

// Covers reports whether a person holding cap may decide a case whose fine range is r. Competence is
// measured by the maximum of the range, not by the fine proposed, and for an organisation both the
// range and the cap are doubled (Luật XLVPHC Art. 52; PRODUCT.md guarantee 8). A cap whose amount is
// not known is errs.Invalid with CodeAuthorityCapMissing: the case cannot be decided on it.
func Covers(cap AuthorityCap, r FineRange) (bool, error) {
	if cap.Unlimited {
		return true, nil
	}
	if cap.MaxFine == nil {
		return false, errs.E(errs.Op("legal.Covers"), errs.Invalid, errs.CodeAuthorityCapMissing,
			fmt.Sprintf("the cap of %s under %q is not known", cap.Title, cap.Decree))
	}
	limit := *cap.MaxFine
	if r.Doubled {
		limit *= 2
	}
	return r.Max <= limit, nil
}
