package gormstore

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/syncdata"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
)

var _ legal.Store = (*Store)(nil)

// The legal reference data is national: no org_id, and every organisation reads the same rows
// (D24). Calendar days are 'YYYY-MM-DD' text on both engines; lists, measures and tiers are JSON text.

type legalDecreeRow struct {
	Number       string `gorm:"primaryKey"`
	Title        string
	Issued       *string
	InForceFrom  string
	InForceTo    *string
	AmendedBy    string // JSON [{"number", "in_force_from"}]
	ReplacedBy   string
	Consolidated string
	Note         string
	Confirmed    bool
	Source       string
	CreatedAt    time.Time
}

func (legalDecreeRow) TableName() string { return "legal_decrees" }

type legalViolationRow struct {
	ID                  string `gorm:"primaryKey"`
	Code                string
	Decree              *string
	Article             string
	Clause              string
	Point               string
	LegalBasis          string
	DescriptionVI       string `gorm:"column:description_vi"`
	DescriptionEN       string `gorm:"column:description_en"`
	Sector              string
	Subjects            string // comma-separated
	FineKind            string
	FineMin             *int64
	FineMax             *int64
	FineQuantity        string
	FineTiers           string // JSON []legalTierJSON
	FineMinTimes        *int64 // thousandths
	FineMaxTimes        *int64
	WarningAllowed      bool
	AdditionalPenalties string // JSON []legalMeasureJSON
	RemedialMeasures    string
	Aliases             string // JSON []string
	Corrects            string
	Note                string
	Confirmed           bool
	Source              string
	ValidFrom           string
	ValidTo             *string
	ReplacedBy          *string
	CreatedAt           time.Time
}

func (legalViolationRow) TableName() string { return "legal_violations" }

type legalCapRow struct {
	ID         string `gorm:"primaryKey"`
	Title      string
	Decree     string // "" for the Law's general rule
	Name       string
	MaxFine    *int64
	Unlimited  bool
	Powers     string // JSON []string
	Basis      string
	Note       string
	Confirmed  bool
	Source     string
	ValidFrom  string
	ValidTo    *string
	ReplacedBy *string
	CreatedAt  time.Time
}

func (legalCapRow) TableName() string { return "legal_authority_caps" }

type legalRuleRow struct {
	ID             string `gorm:"primaryKey"`
	Event          string
	Description    string
	Amount         int
	Unit           string
	MountainAmount *int
	Extension      *int
	StartsFrom     string
	Basis          string
	Note           string
	Confirmed      bool
	Source         string
	ValidFrom      string
	ValidTo        *string
	ReplacedBy     *string
	CreatedAt      time.Time
}

func (legalRuleRow) TableName() string { return "legal_deadline_rules" }

type legalLimitationRow struct {
	ID         string `gorm:"primaryKey"`
	Field      string
	Name       string
	Years      int
	Decrees    string // JSON []string
	Basis      string
	Note       string
	Confirmed  bool
	Source     string
	ValidFrom  string
	ValidTo    *string
	ReplacedBy *string
	CreatedAt  time.Time
}

func (legalLimitationRow) TableName() string { return "legal_limitations" }

type legalHolidayRow struct {
	Day       string `gorm:"primaryKey"`
	Name      string
	Working   bool
	Confirmed bool
	Source    string
	CreatedAt time.Time
}

func (legalHolidayRow) TableName() string { return "legal_holidays" }

// The JSON kept in text columns.
type (
	legalAmendmentJSON struct {
		Number      string `json:"number"`
		InForceFrom string `json:"in_force_from"`
	}
	legalMeasureJSON struct {
		Text      string `json:"text"`
		Confirmed bool   `json:"confirmed"`
	}
	legalTierJSON struct {
		Over       *int64 `json:"over"`
		UpTo       *int64 `json:"up_to"`
		Min        *int64 `json:"min"`
		Max        *int64 `json:"max"`
		LegalBasis string `json:"legal_basis"`
		Confirmed  bool   `json:"confirmed"`
		Source     string `json:"source"`
		Note       string `json:"note,omitempty"`
	}
)

// legalJSON encodes a value kept in a text column; a nil slice is "[]".
func legalJSON[T any](v []T) string {
	if v == nil {
		return "[]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// legalFromJSON decodes a text column, keeping the first error in *err.
func legalFromJSON[T any](s string, err *error) []T {
	var v []T
	if s == "" {
		return nil
	}
	if e := json.Unmarshal([]byte(s), &v); e != nil && *err == nil {
		*err = e
	}
	if len(v) == 0 {
		return nil
	}
	return v
}

func legalDay(d legal.Date) string { return d.String() }

func legalDayPtr(d legal.Date) *string {
	if d.IsZero() {
		return nil
	}
	s := d.String()
	return &s
}

func legalStrPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func legalStr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// legalParseDay reads a stored day, keeping the first error in *err.
func legalParseDay(s string, err *error) legal.Date {
	d, e := legal.ParseDate(s)
	if e != nil && *err == nil {
		*err = e
	}
	return d
}

func decreeToRow(d legal.Decree, now time.Time) legalDecreeRow {
	var am []legalAmendmentJSON
	for _, a := range d.AmendedBy {
		am = append(am, legalAmendmentJSON{Number: a.Number, InForceFrom: legalDay(a.InForceFrom)})
	}
	return legalDecreeRow{Number: d.Number, Title: d.Title, Issued: legalDayPtr(d.Issued), InForceFrom: legalDay(d.InForceFrom),
		InForceTo: legalDayPtr(d.InForceTo), AmendedBy: legalJSON(am), ReplacedBy: d.ReplacedBy, Consolidated: d.Consolidated,
		Note: d.Note, Confirmed: d.Confirmed, Source: d.Source, CreatedAt: now}
}

func (r legalDecreeRow) domain() (legal.Decree, error) {
	var err error
	d := legal.Decree{Number: r.Number, Title: r.Title, Issued: legalParseDay(legalStr(r.Issued), &err),
		InForceFrom: legalParseDay(r.InForceFrom, &err), InForceTo: legalParseDay(legalStr(r.InForceTo), &err), ReplacedBy: r.ReplacedBy,
		Consolidated: r.Consolidated, Note: r.Note, Confirmed: r.Confirmed, Source: r.Source}
	for _, a := range legalFromJSON[legalAmendmentJSON](r.AmendedBy, &err) {
		d.AmendedBy = append(d.AmendedBy, legal.Amendment{Number: a.Number, InForceFrom: legalParseDay(a.InForceFrom, &err)})
	}
	return d, err
}

func legalMeasuresJSON(ms []legal.Measure) string {
	out := make([]legalMeasureJSON, len(ms))
	for i, m := range ms {
		out[i] = legalMeasureJSON(m)
	}
	return legalJSON(out)
}

func legalMeasuresFromJSON(s string, err *error) []legal.Measure {
	var out []legal.Measure
	for _, m := range legalFromJSON[legalMeasureJSON](s, err) {
		out = append(out, legal.Measure(m))
	}
	return out
}

func legalFactorPtr(f *legal.Factor) *int64 {
	if f == nil {
		return nil
	}
	x := int64(*f)
	return &x
}

func legalFactorOf(x *int64) *legal.Factor {
	if x == nil {
		return nil
	}
	f := legal.Factor(*x)
	return &f
}

func violationToRow(v legal.Violation, now time.Time) legalViolationRow {
	subjects := make([]string, len(v.Subjects))
	for i, k := range v.Subjects {
		subjects[i] = string(k)
	}
	r := legalViolationRow{ID: v.ID, Code: v.Code, Decree: legalStrPtr(v.Decree), Article: v.Article, Clause: v.Clause, Point: v.Point,
		LegalBasis: v.LegalBasis, DescriptionVI: v.DescriptionVI, DescriptionEN: v.DescriptionEN, Sector: string(v.Sector),
		Subjects: strings.Join(subjects, ","), FineTiers: "[]", WarningAllowed: v.WarningAllowed,
		AdditionalPenalties: legalMeasuresJSON(v.AdditionalPenalties), RemedialMeasures: legalMeasuresJSON(v.RemedialMeasures),
		Aliases: legalJSON(v.Aliases), Corrects: legalJSON(v.Corrects), Note: v.Note, Confirmed: v.Confirmed, Source: v.Source,
		ValidFrom: legalDay(v.ValidFrom), ValidTo: legalDayPtr(v.ValidTo), ReplacedBy: legalStrPtr(v.ReplacedBy), CreatedAt: now}
	switch m := v.Fine.(type) {
	case legal.FixedRange:
		r.FineKind, r.FineMin, r.FineMax = "fixed", m.Min, m.Max
	case legal.Tiers:
		tiers := make([]legalTierJSON, len(m.Tiers))
		for i, t := range m.Tiers {
			tiers[i] = legalTierJSON{Over: t.Over, UpTo: t.UpTo, Min: t.Range.Min, Max: t.Range.Max, LegalBasis: t.LegalBasis,
				Confirmed: t.Confirmed, Source: t.Source, Note: t.Note}
		}
		r.FineKind, r.FineQuantity, r.FineTiers = "tiers", string(m.Quantity), legalJSON(tiers)
	case legal.Multiple:
		r.FineKind, r.FineQuantity = "multiple", string(m.Of)
		r.FineMinTimes, r.FineMaxTimes = legalFactorPtr(m.MinTimes), legalFactorPtr(m.MaxTimes)
	}
	return r
}

func (r legalViolationRow) domain() (legal.Violation, error) {
	var err error
	v := legal.Violation{ID: r.ID, Code: r.Code, Decree: legalStr(r.Decree), Article: r.Article, Clause: r.Clause, Point: r.Point,
		LegalBasis: r.LegalBasis, DescriptionVI: r.DescriptionVI, DescriptionEN: r.DescriptionEN, Sector: legal.Sector(r.Sector),
		WarningAllowed: r.WarningAllowed, AdditionalPenalties: legalMeasuresFromJSON(r.AdditionalPenalties, &err),
		RemedialMeasures: legalMeasuresFromJSON(r.RemedialMeasures, &err), Aliases: legalFromJSON[string](r.Aliases, &err),
		Corrects: legalFromJSON[string](r.Corrects, &err), Note: r.Note, Confirmed: r.Confirmed, Source: r.Source,
		Validity:   legal.Validity{ValidFrom: legalParseDay(r.ValidFrom, &err), ValidTo: legalParseDay(legalStr(r.ValidTo), &err)},
		ReplacedBy: legalStr(r.ReplacedBy)}
	for _, s := range strings.Split(r.Subjects, ",") {
		if s != "" {
			v.Subjects = append(v.Subjects, legal.SubjectKind(s))
		}
	}
	switch r.FineKind {
	case "fixed":
		v.Fine = legal.FixedRange{Min: r.FineMin, Max: r.FineMax}
	case "tiers":
		t := legal.Tiers{Quantity: legal.Quantity(r.FineQuantity)}
		for _, x := range legalFromJSON[legalTierJSON](r.FineTiers, &err) {
			t.Tiers = append(t.Tiers, legal.Tier{Over: x.Over, UpTo: x.UpTo, Range: legal.FixedRange{Min: x.Min, Max: x.Max},
				LegalBasis: x.LegalBasis, Confirmed: x.Confirmed, Source: x.Source, Note: x.Note})
		}
		v.Fine = t
	case "multiple":
		v.Fine = legal.Multiple{Of: legal.Quantity(r.FineQuantity), MinTimes: legalFactorOf(r.FineMinTimes), MaxTimes: legalFactorOf(r.FineMaxTimes)}
	default:
		err = fmt.Errorf("violation %s: fine kind %q", r.ID, r.FineKind)
	}
	return v, err
}

func capToRow(a legal.AuthorityCap, now time.Time) legalCapRow {
	return legalCapRow{ID: a.ID, Title: string(a.Title), Decree: a.Decree, Name: a.Name, MaxFine: a.MaxFine, Unlimited: a.Unlimited,
		Powers: legalJSON(a.Powers), Basis: a.Basis, Note: a.Note, Confirmed: a.Confirmed, Source: a.Source,
		ValidFrom: legalDay(a.ValidFrom), ValidTo: legalDayPtr(a.ValidTo), ReplacedBy: legalStrPtr(a.ReplacedBy), CreatedAt: now}
}

func (r legalCapRow) domain() (legal.AuthorityCap, error) {
	var err error
	a := legal.AuthorityCap{ID: r.ID, Title: legal.Title(r.Title), Decree: r.Decree, Name: r.Name, MaxFine: r.MaxFine,
		Unlimited: r.Unlimited, Powers: legalFromJSON[string](r.Powers, &err), Basis: r.Basis, Note: r.Note, Confirmed: r.Confirmed,
		Source:     r.Source,
		Validity:   legal.Validity{ValidFrom: legalParseDay(r.ValidFrom, &err), ValidTo: legalParseDay(legalStr(r.ValidTo), &err)},
		ReplacedBy: legalStr(r.ReplacedBy)}
	return a, err
}

func ruleToRow(x legal.DeadlineRule, now time.Time) legalRuleRow {
	return legalRuleRow{ID: x.ID, Event: string(x.Event), Description: x.Description, Amount: x.Amount, Unit: string(x.Unit),
		MountainAmount: x.MountainAmount, Extension: x.Extension, StartsFrom: string(x.From), Basis: x.Basis, Note: x.Note,
		Confirmed: x.Confirmed, Source: x.Source, ValidFrom: legalDay(x.ValidFrom), ValidTo: legalDayPtr(x.ValidTo),
		ReplacedBy: legalStrPtr(x.ReplacedBy), CreatedAt: now}
}

func (r legalRuleRow) domain() (legal.DeadlineRule, error) {
	var err error
	x := legal.DeadlineRule{ID: r.ID, Event: legal.Event(r.Event), Description: r.Description, Amount: r.Amount,
		Unit: legal.Unit(r.Unit), MountainAmount: r.MountainAmount, Extension: r.Extension, From: legal.Start(r.StartsFrom),
		Basis: r.Basis, Note: r.Note, Confirmed: r.Confirmed, Source: r.Source,
		Validity:   legal.Validity{ValidFrom: legalParseDay(r.ValidFrom, &err), ValidTo: legalParseDay(legalStr(r.ValidTo), &err)},
		ReplacedBy: legalStr(r.ReplacedBy)}
	return x, err
}

func limitationToRow(l legal.Limitation, now time.Time) legalLimitationRow {
	return legalLimitationRow{ID: l.ID, Field: l.Field, Name: l.Name, Years: l.Years, Decrees: legalJSON(l.Decrees), Basis: l.Basis,
		Note: l.Note, Confirmed: l.Confirmed, Source: l.Source, ValidFrom: legalDay(l.ValidFrom), ValidTo: legalDayPtr(l.ValidTo),
		ReplacedBy: legalStrPtr(l.ReplacedBy), CreatedAt: now}
}

func (r legalLimitationRow) domain() (legal.Limitation, error) {
	var err error
	l := legal.Limitation{ID: r.ID, Field: r.Field, Name: r.Name, Years: r.Years, Decrees: legalFromJSON[string](r.Decrees, &err),
		Basis: r.Basis, Note: r.Note, Confirmed: r.Confirmed, Source: r.Source,
		Validity:   legal.Validity{ValidFrom: legalParseDay(r.ValidFrom, &err), ValidTo: legalParseDay(legalStr(r.ValidTo), &err)},
		ReplacedBy: legalStr(r.ReplacedBy)}
	return l, err
}

func (r legalHolidayRow) domain() (legal.Holiday, error) {
	var err error
	h := legal.Holiday{Date: legalParseDay(r.Day, &err), Name: r.Name, Working: r.Working, Confirmed: r.Confirmed, Source: r.Source}
	return h, err
}

// lockLegal serialises, on PostgreSQL, the edits of one legal entry (its key, e.g. its audit chain)
// until the transaction ends, so that two administrators cannot both add a version on top of the
// same latest one. SQLite's single writer already serialises.
func (s *Store) lockLegal(tx *gorm.DB, key string) error {
	if s.dialect != Postgres {
		return nil
	}
	return tx.Exec("SELECT pg_advisory_xact_lock(7310003, hashtext(?))", key).Error
}

// legalSeedEntry is what LoadLegalSeed records of an inserted row.
func legalSeedEntry(chain, action string, at time.Time, data map[string]any) audit.Entry {
	return audit.Entry{Chain: chain, Action: action, At: at, Reason: "seed: schemas/legal", Data: data}
}

// legalGroup returns the items grouped by key, in the order each key first appears, and each group
// sorted by its first day.
func legalGroup[T any](items []T, key func(T) string, from func(T) legal.Date) [][]T {
	byKey := map[string][]T{}
	var order []string
	for _, it := range items {
		k := key(it)
		if _, ok := byKey[k]; !ok {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], it)
	}
	out := make([][]T, len(order))
	for i, k := range order {
		g := byKey[k]
		slices.SortStableFunc(g, func(a, b T) int { return from(a).Compare(from(b)) })
		out[i] = g
	}
	return out
}

// LoadLegalSeed inserts the entries of c that the database does not have yet, each with an audit
// event, in one transaction, and returns how many rows it inserted. An entry is identified by its
// key — a decree by its number, a violation by its code, a cap by its title and decree, a rule by its
// event, a limitation by its field, a holiday by its day — and an entry whose key is already in the
// database is left entirely alone, whatever its versions there: an administrator's edits are never
// overwritten, and a seed that later brings a new version of an existing entry does not apply it (an
// administrator adds it, audited). Versions of a new entry are linked (replaced_by) in order. Every
// entry of the catalogue is recorded in the change log for phones; one already there unchanged is not
// recorded again.
func (s *Store) LoadLegalSeed(ctx context.Context, c legal.Catalogue) (int, error) {
	inserted := 0
	err := s.write(ctx, func(tx *gorm.DB) error {
		now := s.clock.Now()
		add := func(n int, err error) error {
			inserted += n
			return err
		}
		decrees, err := legalKeys(tx, &legalDecreeRow{}, "number")
		if err != nil {
			return err
		}
		for _, d := range c.Decrees {
			if decrees[d.Number] {
				continue
			}
			e := legalSeedEntry("legal/decree/"+d.Number, "legal.decree.seed", now, map[string]any{"number": d.Number,
				"in_force_from": d.InForceFrom.String(), "in_force_to": d.InForceTo.String(), "confirmed": d.Confirmed})
			if err := add(s.legalSeedRow(tx, legalRowPtr(decreeToRow(d, now)), e)); err != nil {
				return err
			}
		}

		codes, err := legalKeys(tx, &legalViolationRow{}, "code")
		if err != nil {
			return err
		}
		for _, vs := range legalGroup(c.Violations, func(v legal.Violation) string { return v.Code }, func(v legal.Violation) legal.Date { return v.ValidFrom }) {
			if codes[vs[0].Code] {
				continue
			}
			err := add(legalSeedVersions(s, tx, vs,
				func(v *legal.Violation) (*string, *string) { return &v.ID, &v.ReplacedBy },
				func(v legal.Violation) any { return legalRowPtr(violationToRow(v, now)) },
				func(v legal.Violation) audit.Entry {
					return legalSeedEntry(legal.ViolationChain(v.Code), "legal.violation.seed", now, legal.ViolationAuditData(v))
				}))
			if err != nil {
				return err
			}
		}

		var capRows []legalCapRow
		if err := tx.Select("title", "decree").Find(&capRows).Error; err != nil {
			return err
		}
		caps := map[string]bool{}
		for _, r := range capRows {
			caps[legalCapChain(legal.AuthorityCap{Title: legal.Title(r.Title), Decree: r.Decree})] = true
		}
		for _, vs := range legalGroup(c.Caps, legalCapChain, func(a legal.AuthorityCap) legal.Date { return a.ValidFrom }) {
			if caps[legalCapChain(vs[0])] {
				continue
			}
			err := add(legalSeedVersions(s, tx, vs,
				func(a *legal.AuthorityCap) (*string, *string) { return &a.ID, &a.ReplacedBy },
				func(a legal.AuthorityCap) any { return legalRowPtr(capToRow(a, now)) },
				func(a legal.AuthorityCap) audit.Entry {
					return legalSeedEntry(legalCapChain(a), "legal.cap.seed", now, map[string]any{"id": a.ID, "title": string(a.Title),
						"decree": a.Decree, "max_fine": a.MaxFine, "unlimited": a.Unlimited, "valid_from": a.ValidFrom.String(),
						"valid_to": a.ValidTo.String(), "confirmed": a.Confirmed})
				}))
			if err != nil {
				return err
			}
		}

		events, err := legalKeys(tx, &legalRuleRow{}, "event")
		if err != nil {
			return err
		}
		for _, vs := range legalGroup(c.Rules, func(r legal.DeadlineRule) string { return string(r.Event) }, func(r legal.DeadlineRule) legal.Date { return r.ValidFrom }) {
			if events[string(vs[0].Event)] {
				continue
			}
			err := add(legalSeedVersions(s, tx, vs,
				func(r *legal.DeadlineRule) (*string, *string) { return &r.ID, &r.ReplacedBy },
				func(r legal.DeadlineRule) any { return legalRowPtr(ruleToRow(r, now)) },
				func(r legal.DeadlineRule) audit.Entry {
					return legalSeedEntry("legal/rule/"+string(r.Event), "legal.rule.seed", now, map[string]any{"id": r.ID, "amount": r.Amount,
						"unit": string(r.Unit), "mountain_amount": r.MountainAmount, "valid_from": r.ValidFrom.String(),
						"valid_to": r.ValidTo.String(), "confirmed": r.Confirmed})
				}))
			if err != nil {
				return err
			}
		}

		fields, err := legalKeys(tx, &legalLimitationRow{}, "field")
		if err != nil {
			return err
		}
		for _, vs := range legalGroup(c.Limitations, func(l legal.Limitation) string { return l.Field }, func(l legal.Limitation) legal.Date { return l.ValidFrom }) {
			if fields[vs[0].Field] {
				continue
			}
			err := add(legalSeedVersions(s, tx, vs,
				func(l *legal.Limitation) (*string, *string) { return &l.ID, &l.ReplacedBy },
				func(l legal.Limitation) any { return legalRowPtr(limitationToRow(l, now)) },
				func(l legal.Limitation) audit.Entry {
					return legalSeedEntry("legal/limitation/"+l.Field, "legal.limitation.seed", now, map[string]any{"id": l.ID,
						"years": l.Years, "valid_from": l.ValidFrom.String(), "valid_to": l.ValidTo.String(), "confirmed": l.Confirmed})
				}))
			if err != nil {
				return err
			}
		}

		days, err := legalKeys(tx, &legalHolidayRow{}, "day")
		if err != nil {
			return err
		}
		for _, h := range c.Holidays {
			if days[h.Date.String()] {
				continue
			}
			row := legalHolidayRow{Day: h.Date.String(), Name: h.Name, Working: h.Working, Confirmed: h.Confirmed, Source: h.Source, CreatedAt: now}
			e := legalSeedEntry(fmt.Sprintf("legal/holiday/%d", h.Date.Year()), "legal.holiday.seed", now,
				map[string]any{"day": row.Day, "name": h.Name, "working": h.Working, "confirmed": h.Confirmed})
			if err := add(s.legalSeedRow(tx, &row, e)); err != nil {
				return err
			}
		}
		// Every entry and decree, not only those inserted: identical changes are not recorded again,
		// and an entry loaded before phones pulled the catalogue reaches them.
		if err := s.recordDecrees(tx); err != nil {
			return err
		}
		return s.recordViolations(tx, "")
	})
	if err != nil {
		return 0, wrap("gormstore.LoadLegalSeed", err, "")
	}
	return inserted, nil
}

// recordViolations records the catalogue entry code with all its versions, as tx now holds them, for
// the phones (dataset catalogue, national); with code "", every entry.
func (s *Store) recordViolations(tx *gorm.DB, code string) error {
	q := tx.Order("code, valid_from, id")
	if code != "" {
		q = q.Where("code = ?", code)
	}
	var rows []legalViolationRow
	if err := q.Find(&rows).Error; err != nil {
		return err
	}
	versions, err := legalMapRows(rows, legalViolationRow.domain, nil)
	if err != nil {
		return err
	}
	var changes []syncfeed.Change
	for i := 0; i < len(versions); {
		j := i + 1
		for j < len(versions) && versions[j].Code == versions[i].Code {
			j++
		}
		change, err := syncdata.ViolationChange(versions[i].Code, versions[i:j])
		if err != nil {
			return err
		}
		changes = append(changes, change)
		i = j
	}
	return s.recordChanges(tx, changes)
}

// recordDecrees records every decree, as tx now holds them, for the phones (dataset catalogue,
// national): a record's document prints their titles, issue dates and amendments.
func (s *Store) recordDecrees(tx *gorm.DB) error {
	var rows []legalDecreeRow
	if err := tx.Order("number").Find(&rows).Error; err != nil {
		return err
	}
	decrees, err := legalMapRows(rows, legalDecreeRow.domain, nil)
	if err != nil {
		return err
	}
	changes := make([]syncfeed.Change, len(decrees))
	for i, d := range decrees {
		if changes[i], err = syncdata.DecreeChange(d); err != nil {
			return err
		}
	}
	return s.recordChanges(tx, changes)
}

// legalKeys returns the distinct values of a column of a table.
func legalKeys(tx *gorm.DB, model any, column string) (map[string]bool, error) {
	var keys []string
	if err := tx.Model(model).Distinct(column).Pluck(column, &keys).Error; err != nil {
		return nil, err
	}
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m, nil
}

// legalSeedRow inserts one row with its audit event.
func (s *Store) legalSeedRow(tx *gorm.DB, row any, e audit.Entry) (int, error) {
	if err := tx.Create(row).Error; err != nil {
		return 0, err
	}
	return 1, s.appendAudit(tx, e)
}

// legalSeedVersions inserts the versions of one new entry (oldest first in vs): it gives them IDs, links
// each to the next (replaced_by), inserts the latest first (replaced_by references a row that must
// exist) and audits them oldest first. fields points into a version at its ID and its ReplacedBy.
func legalSeedVersions[T any](s *Store, tx *gorm.DB, vs []T, fields func(*T) (id, replacedBy *string), row func(T) any, entry func(T) audit.Entry) (int, error) {
	for i := range vs {
		id, _ := fields(&vs[i])
		*id = s.ids.NewID()
	}
	for i := 0; i+1 < len(vs); i++ {
		next, _ := fields(&vs[i+1])
		if _, rb := fields(&vs[i]); *rb == "" {
			*rb = *next
		}
	}
	for i := len(vs) - 1; i >= 0; i-- {
		if err := tx.Create(row(vs[i])).Error; err != nil {
			return 0, err
		}
	}
	for _, v := range vs {
		if err := s.appendAudit(tx, entry(v)); err != nil {
			return 0, err
		}
	}
	return len(vs), nil
}

func legalRowPtr[T any](v T) *T { return &v }

// legalCapChain is the audit chain of a cap entry: its title, and the decree that sets it unless it
// is the Law's general rule. It is also the entry's key.
func legalCapChain(a legal.AuthorityCap) string {
	if a.Decree == "" {
		return "legal/cap/" + string(a.Title)
	}
	return "legal/cap/" + string(a.Title) + "/" + a.Decree
}

// LegalCatalogue reads every version of every entry of the legal reference data (legal.Store).
func (s *Store) LegalCatalogue(ctx context.Context) (legal.Catalogue, error) {
	const op = "gormstore.LegalCatalogue"
	db := s.read(ctx)
	var (
		c          legal.Catalogue
		decrees    []legalDecreeRow
		violations []legalViolationRow
		caps       []legalCapRow
		rules      []legalRuleRow
		lims       []legalLimitationRow
		holidays   []legalHolidayRow
	)
	for _, q := range []struct {
		dest  any
		order string
	}{
		{&decrees, "number"},
		{&violations, "code, valid_from"},
		{&caps, "title, decree, valid_from"},
		{&rules, "event, valid_from"},
		{&lims, "field, valid_from"},
		{&holidays, "day"},
	} {
		if err := db.Order(q.order).Find(q.dest).Error; err != nil {
			return legal.Catalogue{}, wrap(op, err, "")
		}
	}
	var err error
	c.Decrees, err = legalMapRows(decrees, legalDecreeRow.domain, err)
	c.Violations, err = legalMapRows(violations, legalViolationRow.domain, err)
	c.Caps, err = legalMapRows(caps, legalCapRow.domain, err)
	c.Rules, err = legalMapRows(rules, legalRuleRow.domain, err)
	c.Limitations, err = legalMapRows(lims, legalLimitationRow.domain, err)
	c.Holidays, err = legalMapRows(holidays, legalHolidayRow.domain, err)
	if err != nil {
		return legal.Catalogue{}, errs.E(errs.Op(op), err)
	}
	return c, nil
}

// legalMapRows maps rows to domain values, keeping the first error (prev, if any, first).
func legalMapRows[R, D any](rows []R, f func(R) (D, error), prev error) ([]D, error) {
	out := make([]D, 0, len(rows))
	for _, r := range rows {
		d, err := f(r)
		if err != nil && prev == nil {
			prev = err
		}
		out = append(out, d)
	}
	return out, prev
}

// UpsertViolation stores a version of a catalogue entry as legal.ReviseViolation decides against the
// stored versions of its code, and records e with the revision (legal.Store).
func (s *Store) UpsertViolation(ctx context.Context, v legal.Violation, e audit.Entry) (legal.Revision, error) {
	var rev legal.Revision
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := s.lockLegal(tx, legal.ViolationChain(v.Code)); err != nil {
			return err
		}
		var rows []legalViolationRow
		if err := tx.Where("code = ?", v.Code).Find(&rows).Error; err != nil {
			return err
		}
		existing, err := legalMapRows(rows, legalViolationRow.domain, nil)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		rev, err = legal.ReviseViolation(existing, v, legal.DateOf(now))
		if err != nil {
			return err
		}
		next := violationToRow(rev.Next, now)
		switch rev.Action {
		case legal.ActionCreate, legal.ActionReplace:
			if err := tx.Create(&next).Error; err != nil {
				return translate(err, "")
			}
		case legal.ActionRevise:
			// Never in force: rewritten in place, keeping its ID and when it was created.
			if err := tx.Model(&legalViolationRow{}).Where("id = ?", next.ID).Omit("id", "created_at").Select("*").Updates(&next).Error; err != nil {
				return translate(err, "")
			}
		}
		data := maps.Clone(e.Data)
		if data == nil {
			data = map[string]any{}
		}
		data["id"] = rev.Next.ID
		data["revision"] = string(rev.Action)
		if p := rev.Previous; p != nil {
			res := tx.Model(&legalViolationRow{}).Where("id = ?", p.ID).
				Updates(map[string]any{"valid_to": legalDayPtr(p.ValidTo), "replaced_by": legalStrPtr(p.ReplacedBy)})
			if res.Error != nil {
				return res.Error
			}
			data["closed_id"] = p.ID
			data["closed_valid_to"] = p.ValidTo.String()
		}
		e.Data = data
		if err := s.recordViolations(tx, v.Code); err != nil {
			return err
		}
		return s.appendAudit(tx, e)
	})
	if err != nil {
		return legal.Revision{}, wrap("gormstore.UpsertViolation", err, "")
	}
	return rev, nil
}

// SetFineRange fills the unknown fine range of one version (legal.Store).
func (s *Store) SetFineRange(ctx context.Context, id string, tier *int, r legal.FixedRange, confirmed bool, source string, e audit.Entry) (legal.Violation, error) {
	var out legal.Violation
	err := s.write(ctx, func(tx *gorm.DB) error {
		var row legalViolationRow
		if err := tx.Where("id = ?", id).Take(&row).Error; err != nil {
			return translate(err, errs.CodeViolationNotFound)
		}
		if err := s.lockLegal(tx, legal.ViolationChain(row.Code)); err != nil {
			return err
		}
		if err := s.lockForUpdate(tx).Where("id = ?", id).Take(&row).Error; err != nil {
			return translate(err, errs.CodeViolationNotFound)
		}
		v, err := row.domain()
		if err != nil {
			return err
		}
		if out, err = legal.FillRange(v, tier, r, confirmed, source); err != nil {
			return err
		}
		filled := violationToRow(out, row.CreatedAt)
		if err := tx.Model(&legalViolationRow{}).Where("id = ?", id).Updates(map[string]any{
			"fine_min": filled.FineMin, "fine_max": filled.FineMax, "fine_tiers": filled.FineTiers,
			"confirmed": filled.Confirmed, "source": filled.Source,
		}).Error; err != nil {
			return err
		}
		e.Chain = legal.ViolationChain(out.Code)
		e.Data = maps.Clone(e.Data)
		if e.Data == nil {
			e.Data = map[string]any{}
		}
		e.Data["code"] = out.Code
		if err := s.recordViolations(tx, out.Code); err != nil {
			return err
		}
		return s.appendAudit(tx, e)
	})
	if err != nil {
		return legal.Violation{}, wrap("gormstore.SetFineRange", err, errs.CodeViolationNotFound)
	}
	return out, nil
}
