// Package legal is the national legal reference data as dated records (DECISIONS D14, D16, D24, D25):
// decrees, the catalogue of violations with their fine models, the sanctioning caps of legal titles,
// the statutory deadline rules, the statutes of limitation and the public holidays with their
// compensating working days.
//
// The data is shared by every organisation and edited only by a system administrator; every change is
// audited. Nothing here is a constant in code: the first copy comes from the files in schemas/legal/
// (Seed), and each lookup answers "what applied on day D" from the versions' validity dates, so a case
// is judged by the law in force on its own date. Amounts are never invented: a fine range nobody has
// verified is nil, and Range refuses to produce one (errs.CodeFineRangeMissing) until an
// administrator enters it. Every entry keeps its Confirmed flag so that unverified data can be shown
// as unverified wherever it is used.
package legal

import (
	"fmt"
	"time"
)

// Zone is Asia/Ho_Chi_Minh: UTC+7, without daylight saving since 1975, so a fixed zone needs no time
// zone database on the host.
var Zone = time.FixedZone("Asia/Ho_Chi_Minh", 7*60*60)

// Date is a calendar day as the law counts days: no time of day, no zone. The zero Date means "no
// date" (an open end, an unknown day).
type Date struct {
	t time.Time // 00:00 UTC of the day
}

// NewDate returns the day y-m-d; out-of-range values are normalised as time.Date does.
func NewDate(y int, m time.Month, d int) Date { return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)} }

// DateOf returns the day on which the instant t falls in Vietnam: an act at 23:30 UTC on 30 June
// happened on 1 July in Cao Bằng.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Zone).Date()
	return NewDate(y, m, d)
}

// ParseDate reads a day written YYYY-MM-DD; the empty string is the zero Date.
func ParseDate(s string) (Date, error) {
	if s == "" {
		return Date{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("legal: date %q: want YYYY-MM-DD", s)
	}
	return Date{t}, nil
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d.t.IsZero() }

// String writes the day as YYYY-MM-DD, and the zero Date as "".
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(time.DateOnly)
}

// Compare returns -1, 0 or +1 as d is before, the same day as, or after o.
func (d Date) Compare(o Date) int { return d.t.Compare(o.t) }

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool { return d.t.Before(o.t) }

// After reports whether d is a later day than o.
func (d Date) After(o Date) bool { return d.t.After(o.t) }

// Equal reports whether d and o are the same day.
func (d Date) Equal(o Date) bool { return d.t.Equal(o.t) }

// AddDays returns the day n days after d (before, for negative n).
func (d Date) AddDays(n int) Date { return Date{d.t.AddDate(0, 0, n)} }

// AddMonths returns the day n months after d, on the same day of the month, or on the last day of the
// month when that month is shorter (31 January + 1 month = 28 or 29 February), as the Civil Code
// counts periods in months.
func (d Date) AddMonths(n int) Date {
	y, m, day := d.t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return NewDate(first.Year(), first.Month(), min(day, last))
}

// key identifies the day in maps: seconds since 1970 at 00:00 UTC of the day.
func (d Date) key() int64 { return d.t.Unix() }

// Weekday is the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.t.Weekday() }

// Year is the year of d.
func (d Date) Year() int { return d.t.Year() }

// Start is the instant the day begins in Vietnam (00:00 Asia/Ho_Chi_Minh).
func (d Date) Start() time.Time {
	y, m, day := d.t.Date()
	return time.Date(y, m, day, 0, 0, 0, 0, Zone)
}

// Validity is when a version of an entry applies: from ValidFrom (inclusive) to ValidTo (exclusive:
// the first day it no longer applies, which is the day its replacement takes effect). A zero ValidTo
// means it still applies.
type Validity struct {
	ValidFrom Date
	ValidTo   Date
}

// InForce reports whether the version applies on day d.
func (v Validity) InForce(d Date) bool {
	return !d.Before(v.ValidFrom) && (v.ValidTo.IsZero() || d.Before(v.ValidTo))
}

// overlaps reports whether two validity periods share a day.
func (v Validity) overlaps(o Validity) bool {
	endsBefore := func(a, b Validity) bool { return !a.ValidTo.IsZero() && !a.ValidTo.After(b.ValidFrom) }
	return !endsBefore(v, o) && !endsBefore(o, v)
}

// Sector is the field of inspection a catalogue entry belongs to.
type Sector string

// The sectors.
const (
	SectorFuel      Sector = "fuel"      // retail fuel stations (đo lường, chất lượng xăng dầu; kinh doanh xăng dầu)
	SectorMarket    Sector = "market"    // markets and shops: measuring instruments, measurements, prepackaged goods, goods quality
	SectorRadiation Sector = "radiation" // radiation safety, diagnostic X-ray (an toàn bức xạ)
	SectorOther     Sector = "other"     // acts common to every field, e.g. obstructing an inspection
)

// Sectors lists every sector.
var Sectors = []Sector{SectorFuel, SectorMarket, SectorRadiation, SectorOther}

// SubjectKind is the kind of subject a penalty is imposed on; it decides whether a range is doubled.
type SubjectKind string

// The kinds of subject. A household business (hộ kinh doanh) is sanctioned as an individual
// (DECISIONS D25: Decree 118/2021, Art. 5, to verify against the text before go-live).
const (
	Individual        SubjectKind = "individual"         // cá nhân
	Organisation      SubjectKind = "organisation"       // tổ chức: pays double
	HouseholdBusiness SubjectKind = "household_business" // hộ kinh doanh: as an individual
)

// asSubjects is the kind a provision's addressees are compared with: a household business is an
// individual.
func (k SubjectKind) asSubjects() (SubjectKind, bool) {
	switch k {
	case Individual, HouseholdBusiness:
		return Individual, true
	case Organisation:
		return Organisation, true
	}
	return "", false
}

// Measure is an additional penalty (hình thức xử phạt bổ sung) or a remedial measure (biện pháp khắc
// phục hậu quả) as the catalogue states it, with whether a source confirmed it.
type Measure struct {
	Text      string
	Confirmed bool
}
