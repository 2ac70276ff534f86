package legal

import (
	"fmt"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Event names what a deadline rule times, e.g. "decision" (ra quyết định xử phạt).
type Event string

// The events of the seed data.
const (
	EventRecordCreate          Event = "record_create"            // lập biên bản, from detection
	EventRecordCreateComplex   Event = "record_create_complex"    // lập biên bản, complex case
	EventRecordTransfer        Event = "record_transfer"          // chuyển biên bản to the competent person
	EventExplainWritten        Event = "explain_written"          // giải trình bằng văn bản
	EventExplainDirectRequest  Event = "explain_direct_request"   // yêu cầu giải trình trực tiếp
	EventDecision              Event = "decision"                 // ra quyết định xử phạt
	EventDecisionTransferred   Event = "decision_transferred"     // … when the file was transferred
	EventDecisionExplained     Event = "decision_explained"       // … with an explanation or verification
	EventDecisionComplex       Event = "decision_complex"         // … especially serious or complex case
	EventDecisionSend          Event = "decision_send"            // gửi quyết định to the sanctioned person
	EventPayment               Event = "payment"                  // nộp tiền phạt
	EventEnforcementLimitation Event = "enforcement_limitation"   // thời hiệu thi hành quyết định
	EventNationalDatabase      Event = "national_database_report" // cung cấp thông tin cho CSDL quốc gia về XLVPHC
)

// Unit is what a deadline's Amount counts.
type Unit string

// The units.
const (
	WorkingDays  Unit = "working_days"  // ngày làm việc: weekdays and compensating working days, minus holidays
	CalendarDays Unit = "calendar_days" // ngày
	Months       Unit = "months"        // tháng
	Hours        Unit = "hours"         // giờ
)

// Start names the event a period is counted from.
type Start string

// The starting events.
const (
	FromDetection        Start = "detection"         // phát hiện vi phạm
	FromRecord           Start = "record"            // lập biên bản
	FromDecision         Start = "decision"          // ra (ban hành) quyết định xử phạt
	FromDecisionReceived Start = "decision_received" // nhận quyết định xử phạt
	FromPayment          Start = "payment"           // nộp tiền phạt vào Kho bạc / ngân hàng
	FromExecution        Start = "execution"         // chấp hành xong quyết định
)

// DeadlineRule is one version of a statutory time limit (DECISIONS D16): Amount units counted from
// the event From; in remote and mountain areas (vùng sâu, vùng xa, biên giới, miền núi — Cao Bằng)
// MountainAmount instead, when the law gives one.
type DeadlineRule struct {
	ID             string
	Event          Event
	Description    string // in Vietnamese
	Amount         int
	Unit           Unit
	MountainAmount *int
	Extension      *int // the longest extension the law allows, in the same unit; not applied by Due
	From           Start
	Basis          string
	Note           string
	Confirmed      bool
	Source         string
	Validity
	ReplacedBy string
}

// Limitation is one version of the statute of limitations for sanctioning (thời hiệu xử phạt) in a
// field, in years.
type Limitation struct {
	ID        string
	Field     string // e.g. "measurement_quality"
	Name      string // in Vietnamese
	Years     int
	Decrees   []string
	Basis     string
	Note      string
	Confirmed bool
	Source    string
	Validity
	ReplacedBy string
}

// Holiday is a day on which the public sector's working calendar differs from the week: a public
// holiday or a day off in its place (nghỉ lễ, nghỉ bù, a day swapped off), or, when Working, a
// weekend day worked in compensation (làm bù).
type Holiday struct {
	Date      Date
	Name      string
	Working   bool
	Confirmed bool
	Source    string
}

// Calendar tells working days from days off. Statutory periods in working days are counted on the
// calendar of state agencies (công chức, viên chức), whose days off and compensating working days
// the Government announces each year.
type Calendar struct {
	days  map[int64]bool // by Date.key; true: a working day
	years map[int]bool   // years with at least one holiday entry
}

// NewCalendar builds a calendar from the holidays.
func NewCalendar(holidays []Holiday) Calendar {
	c := Calendar{days: map[int64]bool{}, years: map[int]bool{}}
	for _, h := range holidays {
		c.days[h.Date.key()] = h.Working
		c.years[h.Date.Year()] = true
	}
	return c
}

// IsWorkingDay reports whether d is a working day: a weekday that is not a day off, or a weekend day
// worked in compensation.
func (c Calendar) IsWorkingDay(d Date) bool {
	if w, ok := c.days[d.key()]; ok {
		return w
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// Covers reports whether the calendar has holiday data for the year: a year without any is counted
// with weekends only, and deadlines in it are provisional.
func (c Calendar) Covers(year int) bool { return c.years[year] }

// AddWorkingDays returns the n-th working day after from (the day of the event itself is not
// counted), for n ≥ 1; for n ≤ 0, from itself.
func (c Calendar) AddWorkingDays(from Date, n int) Date {
	d := from
	for n > 0 {
		d = d.AddDays(1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// nextWorkingDay returns d when it is a working day, else the first working day after it.
func (c Calendar) nextWorkingDay(d Date) Date {
	for !c.IsWorkingDay(d) {
		d = d.AddDays(1)
	}
	return d
}

// AddWorkingDays returns the n-th working day after from, counted on the calendar of holidays.
func AddWorkingDays(from Date, n int, holidays []Holiday) Date {
	return NewCalendar(holidays).AddWorkingDays(from, n)
}

// Deadline is when a period ends.
type Deadline struct {
	Last        Date      // the last day of the period; zero for a period in hours
	Ends        time.Time // the instant it ends: overdue from then on
	Provisional bool      // the period crosses a year without holiday data: counted with weekends only
}

// Due returns when the period of rule ends for an event at instant from, in a mountain area or not,
// on the calendar. Periods are counted as the Civil Code counts them (Luật XLVPHC Art. 8): the day of
// the event is not counted; a period in working days ends with the n-th working day after it; a
// period in days or months ends at the end of its last day, or, when that day is not a working day,
// at the end of the next working day (Bộ luật Dân sự 2015, Art. 148(5)); a period in hours ends that
// many hours after the event.
func (c Calendar) Due(rule DeadlineRule, from time.Time, mountain bool) (Deadline, error) {
	n := rule.Amount
	if mountain && rule.MountainAmount != nil {
		n = *rule.MountainAmount
	}
	if n <= 0 {
		return Deadline{}, errs.E(errs.Op("legal.Due"), errs.Invalid, fmt.Sprintf("rule %s has amount %d", rule.Event, n))
	}
	start := DateOf(from)
	var last Date
	switch rule.Unit {
	case Hours:
		return Deadline{Ends: from.Add(time.Duration(n) * time.Hour)}, nil
	case WorkingDays:
		last = c.AddWorkingDays(start, n)
	case CalendarDays:
		last = c.nextWorkingDay(start.AddDays(n))
	case Months:
		last = c.nextWorkingDay(start.AddMonths(n))
	default:
		return Deadline{}, errs.E(errs.Op("legal.Due"), errs.Invalid, fmt.Sprintf("rule %s has unit %q", rule.Event, rule.Unit))
	}
	dl := Deadline{Last: last, Ends: last.AddDays(1).Start()}
	for y := start.Year(); y <= last.Year(); y++ {
		if !c.Covers(y) {
			dl.Provisional = true
		}
	}
	return dl, nil
}
