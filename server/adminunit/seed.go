package adminunit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Seed is a set of unit versions and successions to load into an organisation, as read from a file
// such as schemas/admin-units/caobang.json. Units name their parent and successions their units by
// code; loading resolves the codes to the versions in force.
type Seed struct {
	Units       []Unit
	Successions []Succession
}

// seedFile is the JSON shape of a seed file.
type seedFile struct {
	Description string           `json:"description"`
	Sources     []string         `json:"sources"`
	Units       []seedUnit       `json:"units"`
	Successions []seedSuccession `json:"successions"`
}

type seedUnit struct {
	Code      string  `json:"code"`
	Name      string  `json:"name"`
	Level     string  `json:"level"`
	Parent    string  `json:"parent"`
	ValidFrom *string `json:"valid_from"`
	ValidTo   *string `json:"valid_to"`
	Confirmed bool    `json:"confirmed"`
	Note      string  `json:"note"`
}

type seedSuccession struct {
	From      string `json:"from"`
	To        string `json:"to"`
	On        string `json:"on"`
	Confirmed bool   `json:"confirmed"`
	Note      string `json:"note"`
}

// ParseSeed reads a seed file. Unknown fields are refused, so that a misspelt field cannot silently
// drop a date. It checks only the shape; Check and PlanSeed check the content.
func ParseSeed(b []byte) (Seed, error) {
	const op = errs.Op("adminunit.ParseSeed")
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f seedFile
	if err := dec.Decode(&f); err != nil {
		return Seed{}, errs.E(op, errs.Invalid, errs.CodeMalformedJSON, err)
	}
	var seed Seed
	var fields []errs.FieldError
	day := func(field string, s *string) time.Time {
		if s == nil || *s == "" {
			return time.Time{}
		}
		d, err := ParseDay(*s)
		if err != nil {
			fields = append(fields, errs.FieldError{Field: field, Code: errs.CodeInvalidDate})
		}
		return d
	}
	for i, u := range f.Units {
		at := fmt.Sprintf("units[%d].", i)
		seed.Units = append(seed.Units, Unit{Code: u.Code, Name: u.Name, Level: Level(u.Level), ParentCode: u.Parent,
			ValidFrom: day(at+"valid_from", u.ValidFrom), ValidTo: day(at+"valid_to", u.ValidTo), Confirmed: u.Confirmed, Note: u.Note})
	}
	for i, s := range f.Successions {
		on := s.On
		seed.Successions = append(seed.Successions, Succession{FromCode: s.From, ToCode: s.To,
			On: day(fmt.Sprintf("successions[%d].on", i), &on), Confirmed: s.Confirmed, Note: s.Note})
	}
	if len(fields) > 0 {
		return Seed{}, errs.E(op, errs.Invalid, errs.CodeValidation, fields)
	}
	return seed, nil
}

// Check validates a whole set of units and successions of one organisation. Field names are
// units[i] and successions[i] with the indexes of the slices given. It checks each unit's code, name,
// level and period; that versions of one code do not overlap; that every parent exists, sits one level
// or more above, and is in force for the whole of its child's period; and that each succession joins a
// unit in force the day before to a unit in force on the day.
func Check(units []Unit, succ []Succession) []errs.FieldError {
	var fields []errs.FieldError
	add := func(field string, code errs.Code) { fields = append(fields, errs.FieldError{Field: field, Code: code}) }
	for i, u := range units {
		at := fmt.Sprintf("units[%d].", i)
		switch {
		case u.Code == "":
			add(at+"code", errs.CodeRequired)
		case !ValidCode(u.Code):
			add(at+"code", errs.CodeUnitCodeInvalid)
		}
		switch {
		case strings.TrimSpace(u.Name) == "":
			add(at+"name", errs.CodeRequired)
		case utf8.RuneCountInString(u.Name) > 200:
			add(at+"name", errs.CodeTooLong)
		}
		if !u.Level.Valid() {
			add(at+"level", errs.CodeUnknownLevel)
		}
		if !u.ValidFrom.IsZero() && !u.ValidTo.IsZero() && Day(u.ValidTo).Before(Day(u.ValidFrom)) {
			add(at+"valid_to", errs.CodePeriodReversed)
		}
		for j := range i {
			v := units[j]
			if v.Code == u.Code && PeriodsOverlap(u.ValidFrom, u.ValidTo, v.ValidFrom, v.ValidTo) {
				add(at+"valid_from", errs.CodePeriodsOverlap)
				break
			}
		}
		switch {
		case u.Level == Province && u.ParentCode != "":
			add(at+"parent", errs.CodeFieldNotApplicable)
		case u.Level != Province && u.ParentCode == "":
			add(at+"parent", errs.CodeRequired)
		case u.ParentCode != "":
			p, err := resolveParent(units, u)
			switch {
			case err != nil:
				add(at+"parent", errs.CodeOf(err))
			case p.Level.rank() >= u.Level.rank():
				add(at+"parent", errs.CodeInvalidValue)
			case !PeriodWithin(u.ValidFrom, u.ValidTo, p.ValidFrom, p.ValidTo):
				add(at+"parent", errs.CodeUnitNotInForce)
			}
		}
	}
	for i, s := range succ {
		at := fmt.Sprintf("successions[%d].", i)
		if s.On.IsZero() {
			add(at+"on", errs.CodeRequired)
			continue
		}
		if _, err := Resolve(units, s.FromCode, s.On.AddDate(0, 0, -1)); err != nil {
			add(at+"from", errs.CodeOf(err))
		}
		if _, err := Resolve(units, s.ToCode, s.On); err != nil {
			add(at+"to", errs.CodeOf(err))
		}
		if s.FromCode == s.ToCode {
			add(at+"to", errs.CodeInvalidValue)
		}
	}
	return fields
}

// resolveParent returns the version of u's parent in force on u's first day; for a unit in force
// since before the records begin, the parent's version that is too.
func resolveParent(units []Unit, u Unit) (Unit, error) {
	if !u.ValidFrom.IsZero() {
		return Resolve(units, u.ParentCode, u.ValidFrom)
	}
	for _, v := range Versions(units, u.ParentCode) {
		if v.ValidFrom.IsZero() {
			return v, nil
		}
	}
	return Resolve(units, u.ParentCode, time.Time{})
}

// SeedResult counts what loading a seed did.
type SeedResult struct {
	Created, Updated, Unchanged int // unit versions
	SuccessionsCreated          int
	SuccessionsUpdated          int
}

// SeedPlan is what the store writes for a seed: new and changed unit versions (parents before their
// children) and successions, each with its audit entry.
type SeedPlan struct {
	Create, Update                       []Unit
	CreateSuccessions, UpdateSuccessions []Succession
	Audit                                []audit.Entry
	Result                               SeedResult
}

// PlanSeed compares a seed with the organisation's units and successions as stored and returns what
// must be written. A unit version is matched by its code and first day; one in the store and not in
// the seed is left alone (sites and cases refer to it). A succession is matched by the two versions it
// joins. Loading the same seed twice plans nothing the second time. by carries the actor and the time
// of the audit entries; new versions take IDs from ids.
func PlanSeed(orgID string, existing []Unit, existingSucc []Succession, seed Seed, ids clock.IDs, by audit.Entry) (SeedPlan, error) {
	const op = errs.Op("adminunit.PlanSeed")
	var plan SeedPlan
	merged := make([]Unit, 0, len(seed.Units)+len(existing))
	inSeed := map[string]bool{}
	for _, u := range seed.Units {
		u.OrgID = orgID
		key := u.Code + "@" + FormatDay(u.ValidFrom)
		inSeed[key] = true // a code and day twice in the seed: Check reports the overlap
		for _, e := range existing {
			if e.Code == u.Code && e.ValidFrom.Equal(u.ValidFrom) {
				u.ID = e.ID
			}
		}
		merged = append(merged, u)
	}
	for _, e := range existing {
		if !inSeed[e.Code+"@"+FormatDay(e.ValidFrom)] {
			merged = append(merged, e)
		}
	}
	if fields := Check(merged, seed.Successions); len(fields) > 0 {
		for i := range fields {
			fields[i].Field = existingField(fields[i].Field, merged, len(seed.Units))
		}
		return SeedPlan{}, errs.E(op, errs.Invalid, errs.CodeValidation, fields)
	}
	for i := range merged {
		if merged[i].ID == "" {
			merged[i].ID = ids.NewID()
		}
	}
	for i := range merged {
		merged[i].ParentID = ""
		if merged[i].ParentCode != "" {
			p, _ := resolveParent(merged, merged[i]) // Check has found it
			merged[i].ParentID = p.ID
		}
	}
	byID := map[string]Unit{}
	for _, e := range existing {
		byID[e.ID] = e
	}
	entry := func(chain, action string, data map[string]any) {
		e := by
		e.Chain, e.OrgID, e.Action, e.Data = chain, orgID, action, data
		plan.Audit = append(plan.Audit, e)
	}
	for _, u := range merged[:len(seed.Units)] {
		old, found := byID[u.ID]
		switch {
		case !found:
			plan.Create = append(plan.Create, u)
			plan.Result.Created++
			entry("admin_unit/"+u.ID, "admin_unit.create", unitData(u))
		case sameUnit(old, u):
			plan.Result.Unchanged++
		default:
			plan.Update = append(plan.Update, u)
			plan.Result.Updated++
			entry("admin_unit/"+u.ID, "admin_unit.update", unitData(u))
		}
	}
	sort.SliceStable(plan.Create, func(i, j int) bool { return plan.Create[i].Level.rank() < plan.Create[j].Level.rank() })
	type pair struct{ from, to string }
	have := map[pair]Succession{}
	for _, s := range existingSucc {
		have[pair{s.FromID, s.ToID}] = s
	}
	for _, s := range seed.Successions {
		from, _ := Resolve(merged, s.FromCode, s.On.AddDate(0, 0, -1))
		to, _ := Resolve(merged, s.ToCode, s.On)
		s.FromID, s.ToID = from.ID, to.ID
		old, found := have[pair{s.FromID, s.ToID}]
		data := map[string]any{"from": s.FromCode, "to": s.ToCode, "on": FormatDay(s.On), "confirmed": s.Confirmed, "note": s.Note}
		switch {
		case !found:
			plan.CreateSuccessions = append(plan.CreateSuccessions, s)
			plan.Result.SuccessionsCreated++
			entry("admin_unit/"+s.FromID, "admin_unit.succession_create", data)
		case !old.On.Equal(s.On) || old.Confirmed != s.Confirmed || old.Note != s.Note:
			plan.UpdateSuccessions = append(plan.UpdateSuccessions, s)
			plan.Result.SuccessionsUpdated++
			entry("admin_unit/"+s.FromID, "admin_unit.succession_update", data)
		}
		have[pair{s.FromID, s.ToID}] = s
	}
	return plan, nil
}

// existingField renames the fields of units that were not in the seed (indexes past seedLen) to
// name the stored unit by code, so that the message points at something the caller can find.
func existingField(field string, merged []Unit, seedLen int) string {
	var i int
	var rest string
	if n, _ := fmt.Sscanf(field, "units[%d]", &i); n == 1 && i >= seedLen && i < len(merged) {
		_, rest, _ = strings.Cut(field, "]")
		return "stored[" + merged[i].Code + "@" + FormatDay(merged[i].ValidFrom) + "]" + rest
	}
	return field
}

func sameUnit(a, b Unit) bool {
	return a.Code == b.Code && a.Name == b.Name && a.Level == b.Level && a.ParentID == b.ParentID &&
		a.ValidFrom.Equal(b.ValidFrom) && a.ValidTo.Equal(b.ValidTo) && a.Confirmed == b.Confirmed && a.Note == b.Note
}

func unitData(u Unit) map[string]any {
	return map[string]any{"code": u.Code, "name": u.Name, "level": string(u.Level), "parent": u.ParentCode,
		"valid_from": FormatDay(u.ValidFrom), "valid_to": FormatDay(u.ValidTo), "confirmed": u.Confirmed, "note": u.Note}
}
