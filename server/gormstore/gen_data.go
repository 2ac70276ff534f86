package gormstore

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
)

// The proportions of generated data (docs/statistics.md, "Generating data"). The department's 2023
// report (shared/domain/README.md) is a small province's year; these scale it to a million visits a
// year while keeping its shape: campaigns and their subjects and sites counted apart, most visits
// finding nothing, a few records, fewer decisions, most fines paid.
const (
	genVisitsPerCampaign = 60   // visits of one campaign, on average
	genSitesPerVisit     = 0.4  // sites in the registry per visit of a year: a site is visited 2–3 times a year
	genVisitsPerPerson   = 1200 // visits a year per inspector
	genPlannedShare      = 0.8  // planned campaigns; the rest are surprise (đột xuất)
	genInspectionShare   = 0.3  // specialised inspections (thanh tra chuyên ngành); the rest are state checks
	genRevisitShare      = 0.08 // visits that return to a site already visited in the same campaign
	genRecordShare       = 0.35 // visits with failed items that lead to a violation record
	genRejectShare       = 0.03 // cases the chief rejects (no penalty)
	genPaidShare         = 0.80 // decisions paid in full
	genPartialShare      = 0.07 // decisions paid in part; the rest are not paid
	genChiefCap          = 50e6 // the department chief inspector's cap for individuals (Decree 107 as amended)
	genConcludedShare    = 0.88 // campaigns that ended and have their conclusion document
	genEnforcedShare     = 0.25 // overdue decisions that go to enforcement (cưỡng chế)
	genLatePayShare      = 0.10 // payments after the payment period
	genPaymentDays       = 10   // the statutory payment period, in days from delivery
	genFindingItemsMax   = 4    // failed items of a visit with findings, at most
	genMultiSectorShare  = 0.08 // campaigns over fuel and market at once
	genCancelledShare    = 0.02 // visits cancelled
	genWaitingLabShare   = 0.03 // fuel visits of the last weeks still waiting for a laboratory result
	genInstrumentsByType = "fuel_station:2-8,market:1-6,shop:1-2,xray_facility:1-3,other:0-1"
)

// genFailShare is the share of visits with at least one failed checklist item, by sector.
var genFailShare = map[string]float64{"fuel": 0.22, "market": 0.28, "radiation": 0.30, "other": 0.15}

// genSectorShare is the share of campaigns by sector, and genSiteTypes the registry's sites by type.
var (
	genSectorShare = []genWeighted{{"fuel", 0.35}, {"market", 0.40}, {"radiation", 0.15}, {"other", 0.10}}
	genSiteTypes   = []genWeighted{{"fuel_station", 0.30}, {"market", 0.15}, {"shop", 0.38}, {"xray_facility", 0.12}, {"other", 0.05}}
)

// genSubjectKinds is the kind of a site's subject by site type (household businesses are sanctioned
// as individuals, D25).
var genSubjectKinds = map[string][]genWeighted{
	"fuel_station":  {{"organisation", 0.85}, {"household_business", 0.10}, {"individual", 0.05}},
	"market":        {{"organisation", 0.15}, {"household_business", 0.55}, {"individual", 0.30}},
	"shop":          {{"organisation", 0.10}, {"household_business", 0.55}, {"individual", 0.35}},
	"xray_facility": {{"organisation", 0.95}, {"individual", 0.05}},
	"other":         {{"organisation", 0.50}, {"household_business", 0.50}},
}

// genCodes are the catalogue codes with a known range that records cite, by sector, with their
// ranges for individuals (schemas/legal/violations.json). Codes the checklists suggest without a known
// range are not cited: a case cannot be fined without one.
var genCodes = map[string][]genCode{
	"fuel": {{"MEAS-119-14-1B", 4e6, 10e6, "2017-12-15"}, {"FUEL-99-21-1", 5e6, 10e6, "2020-10-15"}, {"FUEL-99-21-2", 30e6, 50e6, "2020-10-15"},
		{"FUEL-119-29-1", 40e6, 60e6, "2022-01-01"}},
	"market": {{"MEAS-119-09-1A", 1e6, 2e6, "2017-12-15"}, {"MEAS-119-09-2B", 2e6, 4e6, "2017-12-15"}, {"MEAS-119-14-1A", 4e6, 10e6, "2017-12-15"},
		{"MEAS-119-14-1B", 4e6, 10e6, "2017-12-15"}},
	"radiation": {{"RAD-107-13-1", 0.5e6, 1e6, "2013-11-15"}, {"RAD-107-13-2B", 2e6, 5e6, "2013-11-15"}, {"RAD-107-15-1A", 3e6, 6e6, "2013-11-15"},
		{"RAD-107-27-2D", 2e6, 5e6, "2013-11-15"}, {"RAD-107-16-1", 2e6, 5e6, "2013-11-15"}},
	"other": {{"MEAS-119-09-2A", 2e6, 4e6, "2017-12-15"}},
}

type genWeighted struct {
	v string
	w float64
}

type genCode struct {
	code     string
	min, max int64
	from     string
}

func genPick(r *rand.Rand, ws []genWeighted) string {
	x := r.Float64()
	for _, w := range ws {
		if x < w.w {
			return w.v
		}
		x -= w.w
	}
	return ws[len(ws)-1].v
}

// genZone is Asia/Ho_Chi_Minh: days and hours of generated events are local.
var genZone = time.FixedZone("ICT", 7*3600)

type generator struct {
	o         GenOptions
	firstYear int
	asOf      time.Time // when the data is "read" (the last day of the last year, 18:00): what happens later has not happened yet
	created   time.Time // when the registry was entered
	orgs      []*genOrg
	checklist map[string]*genChecklist // by site type
	decisions map[string]int           // org|year → next decision number
}

type genOrg struct {
	i          int
	id, code   string
	name       string
	weight     float64
	visits     int // a year
	provinceID string
	chief      string
	inspectors []string
	issuing    string
	sites      []*genSite
	bySector   map[string][]*genSite
	records    map[int]int // year → next record number
	campaigns  int         // campaigns numbered so far
}

type genSite struct {
	id, subjectID, subjectKind, subjectName, typ, sector string
	lat, lon                                             float64
	units                                                []genSiteUnit
	serials                                              []string
}

type genSiteUnit struct {
	code     string
	from, to time.Time // zero: open
}

// unitOn is the code of the site's unit on day d.
func (s *genSite) unitOn(d time.Time) string {
	for _, u := range s.units {
		if (u.from.IsZero() || !d.Before(u.from)) && (u.to.IsZero() || !d.After(u.to)) {
			return u.code
		}
	}
	return s.units[len(s.units)-1].code
}

type genChecklist struct {
	code          string
	version       int
	items         []genItem // items that suggest a violation
	perInstrument string    // the first item of the section repeated per instrument
}

type genItem struct {
	id, repeat string
	codes      []string
}

func newGenerator(o GenOptions) *generator {
	g := &generator{o: o, firstYear: o.LastYear - o.Years + 1, decisions: map[string]int{}, checklist: map[string]*genChecklist{}}
	g.asOf = time.Date(o.LastYear, 12, 31, 18, 0, 0, 0, genZone)
	g.created = time.Date(g.firstYear-1, 12, 1, 8, 0, 0, 0, genZone)
	r := g.rng(0, 0)
	var sum float64
	for i := 1; i <= o.Orgs; i++ {
		w := 1.0
		if i > 1 {
			w = 0.5 + r.Float64()
		}
		sum += w
		g.orgs = append(g.orgs, &genOrg{i: i, weight: w, code: fmt.Sprintf("G%d-%02d", o.Seed, i), records: map[int]int{}, bySector: map[string][]*genSite{}})
	}
	perYear := o.Visits / o.Years
	left := perYear
	for k, org := range g.orgs {
		org.visits = int(float64(perYear) * org.weight / sum)
		if k == len(g.orgs)-1 {
			org.visits = left
		}
		left -= org.visits
	}
	g.loadChecklists()
	return g
}

func (g *generator) orgCodes() []string {
	out := make([]string, len(g.orgs))
	for i, o := range g.orgs {
		out[i] = o.code
	}
	return out
}

// rng is the random source of one part of the data: the same seed, organisation and year give the
// same numbers whatever else is generated.
func (g *generator) rng(org, part int) *rand.Rand {
	return rand.New(rand.NewPCG(g.o.Seed, uint64(org)<<32|uint64(part)))
}

// uuid7 is a UUIDv7 for an entity made at t, its random bits from r.
func genUUID(t time.Time, r *rand.Rand) string {
	ms := uint64(t.UnixMilli())
	a, b := r.Uint64(), r.Uint64()
	return fmt.Sprintf("%08x-%04x-7%03x-%04x-%012x", ms>>16, ms&0xffff, a&0xfff, 0x8000|(a>>12)&0x3fff, b&0xffffffffffff)
}

func (g *generator) loadChecklists() {
	names, _ := fs.Glob(schemas.Checklists, "checklists/*.json")
	for _, n := range names {
		b, _ := fs.ReadFile(schemas.Checklists, n)
		var doc struct {
			Code          string   `json:"code"`
			Version       int      `json:"version"`
			FacilityTypes []string `json:"facility_types"`
			Sections      []struct {
				RepeatPer string `json:"repeat_per"`
				Items     []struct {
					ID             string   `json:"id"`
					ViolationCodes []string `json:"violation_codes"`
				} `json:"items"`
			} `json:"sections"`
		}
		if json.Unmarshal(b, &doc) != nil {
			continue
		}
		c := &genChecklist{code: doc.Code, version: doc.Version}
		for _, s := range doc.Sections {
			if s.RepeatPer != "" && c.perInstrument == "" && len(s.Items) > 0 {
				c.perInstrument = s.Items[0].ID
			}
			for _, it := range s.Items {
				if len(it.ViolationCodes) > 0 {
					c.items = append(c.items, genItem{id: it.ID, repeat: s.RepeatPer, codes: it.ViolationCodes})
				}
			}
		}
		for _, t := range doc.FacilityTypes {
			g.checklist[t] = c
		}
	}
	if g.checklist["other"] == nil {
		g.checklist["other"] = g.checklist["market"]
	}
}

// day is the calendar day of t in Vietnam.
func genDayAt(t time.Time) genDay {
	y, m, d := t.In(genZone).Date()
	return genDay(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

func genDate(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, genZone) }

func genOptDay(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return genDayAt(t)
}

// fold is the lower-case ASCII form names are sorted and searched by (generated names are ASCII in
// their folded form already, but for the diacritics of Vietnamese unit names).
func genFold(s string) string { return genFolder.Replace(strings.ToLower(s)) }

var genFolder = strings.NewReplacer("à", "a", "á", "a", "ả", "a", "ã", "a", "ạ", "a", "ă", "a", "ằ", "a", "ắ", "a", "ẳ", "a", "ẵ", "a", "ặ", "a",
	"â", "a", "ầ", "a", "ấ", "a", "ẩ", "a", "ẫ", "a", "ậ", "a", "đ", "d", "è", "e", "é", "e", "ẻ", "e", "ẽ", "e", "ẹ", "e", "ê", "e",
	"ề", "e", "ế", "e", "ể", "e", "ễ", "e", "ệ", "e", "ì", "i", "í", "i", "ỉ", "i", "ĩ", "i", "ị", "i", "ò", "o", "ó", "o", "ỏ", "o",
	"õ", "o", "ọ", "o", "ô", "o", "ồ", "o", "ố", "o", "ổ", "o", "ỗ", "o", "ộ", "o", "ơ", "o", "ờ", "o", "ớ", "o", "ở", "o", "ỡ", "o",
	"ợ", "o", "ù", "u", "ú", "u", "ủ", "u", "ũ", "u", "ụ", "u", "ư", "u", "ừ", "u", "ứ", "u", "ử", "u", "ữ", "u", "ự", "u", "ỳ", "y",
	"ý", "y", "ỷ", "y", "ỹ", "y", "ỵ", "y")

// genUnitDef is an administrative unit to write.
type genUnitDef struct {
	code, name, level, parent string
	from, to                  time.Time
	confirmed                 bool
	note                      string
}

// caoBangBefore2020 are Cao Bằng's districts before Resolution 864/NQ-UBTVQH14 (2020-03-01) and the
// district each became part of. They are generated data (confirmed false): the seed file starts in
// 2020 and ten years of data need the units before it.
var caoBangBefore2020 = [][3]string{
	{"040", "Thành phố Cao Bằng", "040"}, {"042", "Huyện Bảo Lâm", "042"}, {"043", "Huyện Bảo Lạc", "043"},
	{"044", "Huyện Thông Nông", "045"}, {"045", "Huyện Hà Quảng", "045"}, {"046", "Huyện Trà Lĩnh", "047"},
	{"047", "Huyện Trùng Khánh", "047"}, {"048", "Huyện Hạ Lang", "048"}, {"049", "Huyện Quảng Uyên", "049"},
	{"050", "Huyện Phục Hòa", "049"}, {"051", "Huyện Hòa An", "051"}, {"052", "Huyện Nguyên Bình", "052"},
	{"053", "Huyện Thạch An", "053"},
}

// units returns an organisation's administrative units, parents first, the successions between them
// as (from code, from valid_from, to code), and for each lowest unit before the 2025 reform the chain
// of codes a site in it goes through.
func (g *generator) units(org *genOrg) (defs []genUnitDef, chains [][]genSiteUnit, succ [][3]string) {
	reform := genDate(2025, 7, 1)
	endDistricts := genDate(2025, 6, 30)
	if org.i == 1 {
		b, _ := fs.ReadFile(schemas.AdminUnits, "admin-units/caobang.json")
		var doc struct {
			Units []struct {
				Code, Name, Level, Parent string
				ValidFrom                 *string `json:"valid_from"`
				ValidTo                   *string `json:"valid_to"`
				Confirmed                 bool
				Note                      string
			}
		}
		_ = json.Unmarshal(b, &doc)
		var districts, communes []genUnitDef
		parse := func(s *string) time.Time {
			if s == nil {
				return time.Time{}
			}
			t, _ := time.ParseInLocation(time.DateOnly, *s, genZone)
			return t
		}
		for _, u := range doc.Units {
			d := genUnitDef{code: u.Code, name: u.Name, level: u.Level, parent: u.Parent, from: parse(u.ValidFrom), to: parse(u.ValidTo), confirmed: u.Confirmed, note: u.Note}
			switch u.Level {
			case "province":
				defs = append(defs, d)
			case "district":
				districts = append(districts, d)
			default:
				communes = append(communes, d)
			}
		}
		end2019 := genDate(2020, 2, 29)
		for _, p := range caoBangBefore2020 {
			defs = append(defs, genUnitDef{code: p[0], name: p[1], level: "district", parent: "04", to: end2019,
				note: "Dữ liệu sinh tự động (gendata): huyện trước NQ 864/NQ-UBTVQH14."})
		}
		defs = append(defs, districts...)
		defs = append(defs, communes...)
		for _, p := range caoBangBefore2020 {
			succ = append(succ, [3]string{p[0], "", p[2]})
		}
		// Which district's territory went to which commune is not in the source: the generator
		// spreads the communes over the districts in turn (generated, unconfirmed).
		byDistrict := map[string][]string{}
		for k, c := range communes {
			d := districts[k%len(districts)].code
			byDistrict[d] = append(byDistrict[d], c.code)
			succ = append(succ, [3]string{d, "2020-03-01", c.code})
		}
		for _, p := range caoBangBefore2020 {
			cs := byDistrict[p[2]]
			for k, c := range cs {
				if k > 2 {
					break
				}
				chains = append(chains, []genSiteUnit{{code: p[0], to: end2019}, {code: p[2], from: genDate(2020, 3, 1), to: endDistricts}, {code: c, from: reform}})
			}
		}
		return defs, chains, succ
	}
	pc := fmt.Sprintf("T%02d", org.i)
	defs = append(defs, genUnitDef{code: pc, name: fmt.Sprintf("Tỉnh mẫu %02d", org.i), level: "province", note: "Dữ liệu sinh tự động (gendata)."})
	for d := 1; d <= 10; d++ {
		defs = append(defs, genUnitDef{code: fmt.Sprintf("%s-H%02d", pc, d), name: fmt.Sprintf("Huyện mẫu %02d", d), level: "district", parent: pc, to: endDistricts,
			note: "Dữ liệu sinh tự động (gendata)."})
	}
	for d := 1; d <= 10; d++ {
		dc := fmt.Sprintf("%s-H%02d", pc, d)
		for c := 1; c <= 3; c++ {
			cc := fmt.Sprintf("%s-X%02d", pc, (d-1)*3+c)
			defs = append(defs, genUnitDef{code: cc, name: fmt.Sprintf("Xã mẫu %02d", (d-1)*3+c), level: "commune", parent: pc, from: reform,
				note: "Dữ liệu sinh tự động (gendata)."})
			succ = append(succ, [3]string{dc, "", cc})
			chains = append(chains, []genSiteUnit{{code: dc, to: endDistricts}, {code: cc, from: reform}})
		}
	}
	return defs, chains, succ
}

// registry generates the organisations with their units, people, subjects, sites and instruments.
func (g *generator) registry() *genBatch {
	b := newBatch("registry")
	created := g.created.UTC()
	orgs := b.t("organisations", "id", "code", "name", "created_at")
	persons := b.t("persons", "id", "org_id", "full_name", "created_at")
	titles := b.t("person_titles", "id", "org_id", "person_id", "title", "valid_from", "valid_to", "campaign_id", "created_at")
	units := b.t("admin_units", "id", "org_id", "code", "name", "level", "parent_id", "valid_from", "valid_to", "confirmed", "note", "created_at", "updated_at")
	succs := b.t("admin_unit_successions", "org_id", "from_id", "to_id", "effective_on", "confirmed", "note")
	issuing := b.t("issuing_units", "id", "org_id", "code", "name", "valid_from", "valid_to", "created_at", "updated_at")
	subjects := b.t("subjects", "id", "org_id", "kind", "name", "tax_code", "id_number", "legal_representative", "address", "phone", "sort_name", "search_key", "created_at", "updated_at")
	sites := b.t("sites", "id", "org_id", "subject_id", "type", "name", "address", "address_key", "lat", "lon", "sort_name", "search_key", "created_at", "updated_at")
	siteUnits := b.t("site_units", "org_id", "site_id", "seq", "unit_id", "valid_from", "valid_to")
	instruments := b.t("instruments", "id", "org_id", "site_id", "kind", "serial", "model", "manufacturer", "pattern_approval", "verification_certificate",
		"verification_expiry", "seal_state", "inspection_expiry", "search_key", "created_at", "updated_at")
	instrumentKind := map[string]string{"fuel_station": "fuel_dispenser", "market": "scale", "shop": "scale", "xray_facility": "xray_device", "other": "other"}
	instrumentCount := map[string][2]int{}
	for _, p := range strings.Split(genInstrumentsByType, ",") {
		var lo, hi int
		t, rng, _ := strings.Cut(p, ":")
		fmt.Sscanf(rng, "%d-%d", &lo, &hi)
		instrumentCount[t] = [2]int{lo, hi}
	}
	for _, org := range g.orgs {
		r := g.rng(org.i, 0)
		org.id = genUUID(g.created, r)
		if org.i == 1 {
			org.name = "Sở Khoa học và Công nghệ tỉnh Cao Bằng (dữ liệu sinh)"
		} else {
			org.name = fmt.Sprintf("Sở Khoa học và Công nghệ tỉnh mẫu %02d (dữ liệu sinh)", org.i)
		}
		orgs.add(org.id, org.code, org.name, created)
		// People: a chief inspector and the inspectors (thanh tra viên), titled from the first year.
		since := genDay(time.Date(g.firstYear, 1, 1, 0, 0, 0, 0, time.UTC))
		n := max(6, org.visits/genVisitsPerPerson)
		for k := 0; k <= n; k++ {
			id := genUUID(g.created, r)
			title, name := string(legal.TitleInspector), fmt.Sprintf("Thanh tra viên %02d-%03d", org.i, k)
			if k == 0 {
				org.chief, title, name = id, string(legal.TitleChiefInspector), fmt.Sprintf("Chánh Thanh tra %02d", org.i)
			} else {
				org.inspectors = append(org.inspectors, id)
			}
			persons.add(id, org.id, name, created)
			titles.add(genUUID(g.created, r), org.id, id, title, since, nil, nil, created)
		}
		org.issuing = genUUID(g.created, r)
		issuing.add(org.issuing, org.id, "TTr", "Thanh tra Sở", nil, nil, created, created)
		// Units, parents first.
		defs, chains, succ := g.units(org)
		ids := map[string]string{} // code|from → id
		key := func(code string, from time.Time) string { return code + "|" + from.Format(time.DateOnly) }
		latest := map[string]string{} // code → the id of its latest version (a parent is named by code)
		for _, d := range defs {
			id := genUUID(g.created, r)
			ids[key(d.code, d.from)] = id
			var parent any
			if d.parent != "" {
				parent = latest[d.parent]
			}
			units.add(id, org.id, d.code, d.name, d.level, parent, genOptDay(d.from), genOptDay(d.to), d.confirmed, d.note, created, created)
			latest[d.code] = id
		}
		if org.i != 1 {
			org.provinceID = latest[defs[0].code]
		}
		seen := map[string]bool{}
		for _, s := range succ {
			var from, to string
			if s[1] == "" {
				from = ids[key(s[0], time.Time{})]
			} else {
				t, _ := time.ParseInLocation(time.DateOnly, s[1], genZone)
				from = ids[key(s[0], t)]
			}
			to = latest[s[2]]
			if from == "" || to == "" || seen[from+to] {
				continue
			}
			seen[from+to] = true
			// The units a district became take effect on their first day.
			var on genDay
			for _, d := range defs {
				if latest[d.code] == to {
					on = genDayAt(d.from)
				}
			}
			succs.add(org.id, from, to, on, false, "Dữ liệu sinh tự động (gendata).")
		}
		unitID := func(u genSiteUnit) string {
			if id := ids[key(u.code, u.from)]; id != "" {
				return id
			}
			return latest[u.code]
		}
		// Subjects and their sites.
		nSites := max(40, int(float64(org.visits)*genSitesPerVisit))
		serial := 0
		for len(org.sites) < nSites {
			typ := genPick(r, genSiteTypes)
			kind := genPick(r, genSubjectKinds[typ])
			sid := genUUID(g.created, r)
			k := len(org.sites)
			var name string
			var tax, idn any
			switch kind {
			case "organisation":
				name = fmt.Sprintf("Cong ty TNHH %s %02d-%05d", map[string]string{"fuel_station": "Xang dau", "xray_facility": "Phong kham", "market": "Thuong mai", "shop": "Thuong mai", "other": "Dich vu"}[typ], org.i, k)
				tax = fmt.Sprintf("%02d%08d", org.i, k)
			case "household_business":
				name = fmt.Sprintf("Ho kinh doanh %02d-%05d", org.i, k)
				tax = fmt.Sprintf("%02d%08d", org.i, k)
			default:
				name = fmt.Sprintf("Nguyen Van %02d-%05d", org.i, k)
				idn = fmt.Sprintf("0%02d%09d", org.i, k)
			}
			subjects.add(sid, org.id, kind, name, tax, idn, "", fmt.Sprintf("Dia chi %05d", k), "", genFold(name), genFold(name), created, created)
			many := 1
			if kind == "organisation" && (typ == "fuel_station" || typ == "shop") && r.Float64() < 0.3 {
				many = 2 + r.IntN(3)
			}
			for j := 0; j < many && len(org.sites) < nSites; j++ {
				s := &genSite{id: genUUID(g.created, r), subjectID: sid, subjectKind: kind, subjectName: name, typ: typ,
					sector: map[string]string{"fuel_station": "fuel", "market": "market", "shop": "market", "xray_facility": "radiation", "other": "other"}[typ],
					lat:    22.4 + r.Float64()*0.6, lon: 105.5 + r.Float64()*1.0}
				addr := fmt.Sprintf("So %d, to %d, %s", 1+r.IntN(300), len(org.sites), s.typ)
				sname := fmt.Sprintf("Co so %s %02d-%05d", s.typ, org.i, len(org.sites))
				sites.add(s.id, org.id, sid, typ, sname, addr, genFold(addr), s.lat, s.lon, genFold(sname), genFold(sname+" "+addr), created, created)
				s.units = chains[r.IntN(len(chains))]
				for seq, u := range s.units {
					siteUnits.add(org.id, s.id, seq, unitID(u), genOptDay(u.from), genOptDay(u.to))
				}
				lo, hi := instrumentCount[typ][0], instrumentCount[typ][1]
				for c := lo + r.IntN(hi-lo+1); c > 0; c-- {
					serial++
					sn := fmt.Sprintf("SN%02d-%07d", org.i, serial)
					s.serials = append(s.serials, sn)
					instruments.add(genUUID(g.created, r), org.id, s.id, instrumentKind[typ], sn, "", "", "", "", nil, "intact", nil, strings.ToLower(sn), created, created)
				}
				org.sites = append(org.sites, s)
				org.bySector[s.sector] = append(org.bySector[s.sector], s)
			}
		}
	}
	return b
}

// year generates one calendar year of every organisation.
func (g *generator) year(y int) *genBatch {
	b := newBatch(fmt.Sprint(y))
	campaigns := b.t("campaigns", "id", "org_id", "number", "decision_date", "title", "kind", "origin", "sectors", "period_from", "period_to",
		"conclusion_number", "conclusion_date", "conclusion_summary", "created_at", "updated_at")
	members := b.t("campaign_members", "org_id", "campaign_id", "person_id", "role")
	csubjects := b.t("campaign_subjects", "org_id", "campaign_id", "subject_id")
	csites := b.t("campaign_sites", "org_id", "campaign_id", "site_id", "assignee_person_id")
	targets := b.t("plan_targets", "org_id", "year", "sector", "metric", "value")
	visits := b.t("visits", "id", "org_id", "campaign_id", "site_id", "visit_date", "leader_person_id", "checklist_code", "checklist_version", "status",
		"gps_lat", "gps_lon", "gps_accuracy", "unit_code", "created_at", "updated_at")
	answers := b.t("visit_answers", "org_id", "visit_id", "answer_key", "value", "recorded_at", "recorded_by")
	findings := b.t("visit_findings", "org_id", "visit_id", "answer_key", "item", "instance", "value", "reason", "violation_codes", "confirmed", "bounds_unconfirmed")
	records := b.t("violation_records", "id", "org_id", "visit_id", "campaign_id", "site_id", "subject_id", "issuing_unit_id", "year", "number", "status",
		"version", "locked_version", "chief_comment", "drawn_up_at", "drawn_up_by", "device_id", "data", "created_at", "updated_at")
	cases := b.t("penalty_cases", penaltyCaseCols...)
	caseRecords := b.t("penalty_case_records", "org_id", "record_id", "case_id", "added_version")
	events := b.t("penalty_events", "org_id", "case_id", "version", "action", "from_state", "to_state", "actor_person_id", "actor_account_id", "at", "reason", "data")
	jan1 := genDate(y, 1, 1)
	days := int(genDate(y+1, 1, 1).Sub(jan1).Hours() / 24)
	for _, org := range g.orgs {
		r := g.rng(org.i, y)
		// Campaigns and how many visits each makes.
		nc := max(1, (org.visits+genVisitsPerCampaign/2)/genVisitsPerCampaign)
		weights := make([]float64, nc)
		var sum float64
		for k := range weights {
			weights[k] = 0.4 + 1.2*r.Float64()
			sum += weights[k]
		}
		left := org.visits
		type tally struct{ campaigns, sites, instruments int }
		count := map[string]*tally{"fuel": {}, "market": {}, "radiation": {}}
		for k := 0; k < nc; k++ {
			nv := int(float64(org.visits) * weights[k] / sum)
			if k == nc-1 {
				nv = left
			}
			left -= nv
			sector := genPick(r, genSectorShare)
			sectors := []string{sector}
			if sector == "fuel" && r.Float64() < genMultiSectorShare {
				sectors = append(sectors, "market")
			}
			kind, origin, prefix := "check", "planned", "KH"
			if r.Float64() < genInspectionShare {
				kind = "inspection"
			}
			if r.Float64() >= genPlannedShare {
				origin, prefix = "surprise", "QĐ"
			}
			from := jan1.AddDate(0, 0, 4+r.IntN(days-30))
			to := from.AddDate(0, 0, 6+r.IntN(40))
			if to.Year() > y {
				to = genDate(y, 12, 31)
			}
			decided := from.AddDate(0, 0, -3-r.IntN(18))
			org.campaigns++
			cid := genUUID(decided.Add(9*time.Hour), r)
			number := fmt.Sprintf("%d/%s-TTr", org.campaigns, prefix)
			var cnum, cdate, csum any
			if concl := to.AddDate(0, 0, 5+r.IntN(21)); concl.Before(g.asOf) && r.Float64() < genConcludedShare {
				cnum, cdate, csum = fmt.Sprintf("%d/KL-TTr", org.campaigns), genDayAt(concl), "Kết luận (dữ liệu sinh)"
			}
			created := decided.Add(10 * time.Hour).UTC()
			campaigns.add(cid, org.id, number, genDayAt(decided), fmt.Sprintf("%s %s %d (dữ liệu sinh)", map[string]string{"check": "Kiểm tra", "inspection": "Thanh tra"}[kind],
				strings.Join(sectors, "+"), org.campaigns), kind, origin, strings.Join(sectors, ","), genDayAt(from), genDayAt(to), cnum, cdate, csum, created, created)
			if t := count[sector]; t != nil {
				t.campaigns++
			}
			// The team: a leader and two to four members.
			team := []string{org.inspectors[r.IntN(len(org.inspectors))]}
			members.add(org.id, cid, team[0], "leader")
			for m := 2 + r.IntN(3); m > 0; m-- {
				p := org.inspectors[r.IntN(len(org.inspectors))]
				if !genContains(team, p) {
					team = append(team, p)
					members.add(org.id, cid, p, "member")
				}
			}
			// Its sites, most visited once, some again.
			var pool []*genSite
			for _, s := range sectors {
				pool = append(pool, org.bySector[s]...)
			}
			if len(pool) == 0 {
				pool = org.sites
			}
			nsites := min(len(pool), max(1, int(float64(nv)*(1-genRevisitShare))))
			chosen := make([]*genSite, 0, nsites)
			seen := map[int]bool{}
			for len(chosen) < nsites {
				k := r.IntN(len(pool))
				if seen[k] {
					if len(seen) > len(pool)/2 { // a small pool: take the next free one
						for seen[k] {
							k = (k + 1) % len(pool)
						}
					} else {
						continue
					}
				}
				seen[k] = true
				chosen = append(chosen, pool[k])
			}
			subjSeen := map[string]bool{}
			for _, s := range chosen {
				csites.add(org.id, cid, s.id, team[r.IntN(len(team))])
				if !subjSeen[s.subjectID] {
					subjSeen[s.subjectID] = true
					csubjects.add(org.id, cid, s.subjectID)
				}
				if t := count[s.sector]; t != nil {
					t.sites++
					t.instruments += len(s.serials)
				}
			}
			span := int(to.Sub(from).Hours()/24) + 1
			for v := 0; v < nv; v++ {
				s := chosen[v%len(chosen)]
				d := from.AddDate(0, 0, r.IntN(span))
				if d.Weekday() == time.Sunday {
					d = d.AddDate(0, 0, -1)
				}
				if d.Before(from) {
					d = from
				}
				leader := team[r.IntN(len(team))]
				at := d.Add(time.Duration(7*60+r.IntN(9*60)) * time.Minute) // 07:00–16:00 local
				status := "completed"
				switch x := r.Float64(); {
				case x < genCancelledShare:
					status = "cancelled"
				case s.sector == "fuel" && g.asOf.Sub(d) < 40*24*time.Hour && x < genCancelledShare+genWaitingLabShare:
					status = "waiting_lab"
				}
				vid := genUUID(at, r)
				ck := g.checklist[s.typ]
				visits.add(vid, org.id, cid, s.id, genDayAt(d), leader, ck.code, ck.version, status, s.lat+r.NormFloat64()*1e-4, s.lon+r.NormFloat64()*1e-4,
					5+r.Float64()*20, s.unitOn(d), at.UTC(), at.Add(3*time.Hour).UTC())
				if status == "cancelled" {
					continue
				}
				// One answer per instrument checked, in the instrument's repeated section (the other
				// answers of the checklist are not generated: the statistics read only these).
				if ck.perInstrument != "" {
					for _, sn := range s.serials {
						answers.add(org.id, vid, ck.perInstrument+"@"+sn, "yes", at.Add(time.Hour).UTC(), leader)
					}
				}
				if r.Float64() >= genFailShare[s.sector] {
					continue
				}
				// Failed checklist items (the findings the answers give; the answers are not generated).
				nf := 1
				for nf < genFindingItemsMax && r.Float64() < 0.35 {
					nf++
				}
				var failed []genItem
				keys := map[string]bool{}
				for f := 0; f < nf; f++ {
					it := ck.items[r.IntN(len(ck.items))]
					inst := ""
					if it.repeat != "" && len(s.serials) > 0 {
						inst = s.serials[r.IntN(len(s.serials))]
					}
					key := it.id
					if inst != "" {
						key += "@" + inst
					}
					if keys[key] {
						continue
					}
					keys[key] = true
					failed = append(failed, it)
					findings.add(org.id, vid, key, it.id, inst, "no", "answer", strings.Join(it.codes, ","), true, false)
				}
				if r.Float64() >= genRecordShare {
					continue
				}
				g.record(r, org, y, s, cid, vid, leader, at, failed, records, cases, caseRecords, events)
			}
		}
		// Plan targets: what the department planned for the year, against which the results are
		// counted (attainment between about 75 % and 160 %, as "1940/1268 đạt 153 %").
		for _, sec := range []string{"fuel", "market", "radiation"} {
			t := count[sec]
			for _, m := range []struct {
				metric string
				v      int
			}{{"campaigns", t.campaigns}, {"sites_inspected", t.sites}, {"instruments_checked", t.instruments}} {
				targets.add(org.id, y, sec, m.metric, int(math.Round(float64(m.v)/(0.75+0.85*r.Float64()))))
			}
		}
	}
	// Rows in the order they would have arrived: every province's day by day.
	genSortRows(campaigns, 3)
	genSortRows(visits, 13)
	genSortRows(records, 13)
	genSortRows(cases, penaltyCaseOpenedCol)
	genSortRows(events, 8)
	return b
}

func genContains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// record generates a violation record with its penalty case, the case's events up to g.asOf, and
// what the record's status becomes.
func (g *generator) record(r *rand.Rand, org *genOrg, y int, s *genSite, cid, vid, by string, at time.Time, failed []genItem,
	records, cases, caseRecords, events *genTable) {
	drawn := at.Add(time.Duration(30+r.IntN(90)) * time.Minute)
	org.records[y]++
	number := org.records[y]
	rid := genUUID(drawn, r)
	// The codes cited: those the failed items suggest that have a known range, else one of the
	// sector's; at most two.
	var cited []genCode
	detected := drawn.Format(time.DateOnly)
	inForce := func(c genCode) bool { return c.from <= detected }
	for _, it := range failed {
		for _, code := range it.codes {
			for _, c := range genCodes[s.sector] {
				if c.code == code && inForce(c) && len(cited) < 2 && !genContainsCode(cited, c.code) {
					cited = append(cited, c)
				}
			}
		}
	}
	if len(cited) == 0 {
		var ok []genCode
		for _, c := range genCodes[s.sector] {
			if inForce(c) {
				ok = append(ok, c)
			}
		}
		if len(ok) == 0 {
			// Before the catalogue's decrees took effect (Decree 119/2017 from 2017-12-15): the
			// catalogue holds no earlier decree, so generated records cite its codes anyway.
			ok = genCodes[s.sector]
		}
		// Large fines are rare: the first codes of each list are the common ones.
		k := r.IntN(len(ok))
		if k > 1 && r.Float64() < 0.7 {
			k = r.IntN(min(2, len(ok)))
		}
		cited = append(cited, ok[k])
	}
	viols := make([]recordViolation, len(cited))
	charges := make([]penalty.Charge, len(cited))
	for k, c := range cited {
		viols[k] = recordViolation{Code: c.code, Description: "Dữ liệu sinh tự động"}
		charges[k] = penalty.Charge{Code: c.code, Detected: legal.DateOf(drawn), Description: "Dữ liệu sinh tự động"}
	}
	content := recordContent{VisitID: vid, IssuingUnitID: org.issuing, Year: y, Number: number, DrawnUpAt: drawn.UTC(), SubjectID: s.subjectID,
		Violations: viols, Persons: []recordPerson{{Role: "inspector", Name: "Thanh tra viên", Signed: true}, {Role: "violator", Name: s.subjectName, Signed: true}},
		EvidenceIDs: []string{}, Status: recordSubmitted}
	// The case.
	kindOf := legal.SubjectKind(s.subjectKind)
	doubled := kindOf == legal.Organisation
	c := penalty.Case{ID: genUUID(drawn, r), OrgID: org.id, CampaignID: cid, Subject: penalty.Subject{ID: s.subjectID, Kind: kindOf, Name: s.subjectName},
		Mountain: true, Charges: charges, Track: penalty.TrackStandard, State: penalty.Recorded, OpenedAt: drawn.UTC(),
		Record: penalty.Record{ID: rid, IssuingUnitID: org.issuing, Year: y, Number: number, DrawnUpAt: drawn.UTC(), DrawnUpBy: by}}
	version := int64(0)
	var last time.Time
	ev := func(action penalty.Action, to penalty.State, when time.Time, who, reason string, data map[string]any) bool {
		if !when.Before(g.asOf) {
			return false
		}
		version++
		d := map[string]any{"version": version, "from": string(c.State), "to": string(to)}
		for k, v := range data {
			d[k] = v
		}
		js, _ := json.Marshal(d)
		events.add(org.id, c.ID, version, string(action), string(c.State), string(to), who, "", when.UTC(), reason, string(js))
		if action == penalty.ActionOpen {
			events.rows[len(events.rows)-1][4] = ""
		}
		c.State, last = to, when
		return true
	}
	chief := penalty.Actor{PersonID: org.chief, Name: fmt.Sprintf("Chánh Thanh tra %02d", org.i)}
	ev(penalty.ActionOpen, penalty.Recorded, drawn, by, "", nil)
	ev(penalty.ActionSubmit, penalty.Submitted, drawn.Add(time.Duration(1+r.IntN(4))*time.Hour), by, "", nil)
	status := recordSubmitted
	fines := make([]penalty.Fine, len(cited))
	var total int64
	forward := false
	for k, cc := range cited {
		lo, hi := cc.min, cc.max
		if doubled {
			lo, hi = 2*lo, 2*hi
		}
		if float64(hi) > genChiefCap {
			forward = true
		}
		def := (lo + hi) / 2 / 1000 * 1000
		amount := def
		if x := r.Float64(); x < 0.15 {
			amount = lo
		} else if x > 0.92 {
			amount = hi
		}
		fines[k] = penalty.Fine{Charge: k, Code: cc.code, VersionID: cc.code + "@" + cc.from, Range: legal.FineRange{Min: lo, Max: hi, Doubled: doubled, Confirmed: true},
			Default: def, Amount: amount}
		total += amount
	}
	decide := drawn.AddDate(0, 0, 1+r.IntN(6)).Add(time.Duration(r.IntN(5)) * time.Hour)
	switch x := r.Float64(); {
	case forward:
		if ev(penalty.ActionForward, penalty.Forwarded, decide, org.chief, "Vượt thẩm quyền xử phạt", map[string]any{"authority": "Chủ tịch UBND tỉnh"}) {
			c.Forwarding = &penalty.Forwarding{By: chief, At: decide.UTC(), Authority: "Chủ tịch UBND tỉnh", Reason: "Vượt thẩm quyền xử phạt"}
		}
	case x < genRejectShare:
		if ev(penalty.ActionReject, penalty.Rejected, decide, org.chief, "Không đủ căn cứ xử phạt", nil) {
			c.Rejection = &penalty.Rejection{By: chief, At: decide.UTC(), Reason: "Không đủ căn cứ xử phạt"}
			status = recordRejected
		}
	default:
		if !ev(penalty.ActionApprove, penalty.Approved, decide, org.chief, "", map[string]any{"total": total}) {
			break
		}
		status = recordApproved
		c.Approval = &penalty.Approval{By: chief, At: decide.UTC(), Title: legal.TitleChiefInspector, TitleName: "Chánh Thanh tra Sở", Fines: fines, Total: total}
		issued := decide.Add(time.Duration(1+r.IntN(30)) * time.Hour)
		dy := issued.In(genZone).Year()
		key := org.id + "|" + fmt.Sprint(dy)
		if !issued.Before(g.asOf) {
			break
		}
		g.decisions[key]++
		c.Decision = &penalty.Decision{IssuingUnitID: org.issuing, Year: dy, Number: g.decisions[key], IssuedAt: issued.UTC(), Signer: chief,
			Title: legal.TitleChiefInspector, TitleName: "Chánh Thanh tra Sở", LegalBases: []string{"Luật Xử lý vi phạm hành chính"}, Fines: fines, Total: total}
		ev(penalty.ActionIssue, penalty.Issued, issued, org.chief, "", map[string]any{"number": g.decisions[key], "year": dy, "total": total})
		delivered := issued.AddDate(0, 0, 1+r.IntN(3))
		if !ev(penalty.ActionDeliver, penalty.Delivered, delivered, org.chief, "", nil) {
			break
		}
		c.Delivery = &penalty.Delivery{ReceivedAt: delivered.UTC(), Method: "trực tiếp", By: chief, At: delivered.UTC()}
		dueDay := delivered.In(genZone).AddDate(0, 0, genPaymentDays)
		due := time.Date(dueDay.Year(), dueDay.Month(), dueDay.Day(), 23, 59, 59, 0, genZone)
		c.Dues.Payment = &penalty.Due{Event: legal.EventPayment, Confirmed: true, Deadline: legal.Deadline{Last: legal.DateOf(due), Ends: due.UTC()}}
		pay := func(amount int64, on time.Time) bool {
			to := penalty.Delivered
			var paid int64
			for _, p := range c.Payments {
				paid += p.Amount
			}
			if paid+amount >= total {
				to = penalty.Paid
			} else if c.State == penalty.Overdue {
				to = penalty.Overdue
			}
			receipt := fmt.Sprintf("BL%02d-%d-%d-%d", org.i, dy, c.Decision.Number, len(c.Payments)+1)
			if !ev(penalty.ActionPay, to, on, org.chief, "", map[string]any{"amount": amount, "receipt": receipt, "paid_on": on.In(genZone).Format(time.DateOnly)}) {
				return false
			}
			c.Payments = append(c.Payments, penalty.Payment{Receipt: receipt, Amount: amount, PaidOn: legal.DateOf(on), By: chief, At: on.UTC()})
			return true
		}
		x := r.Float64()
		payOn := delivered.AddDate(0, 0, r.IntN(genPaymentDays))
		if r.Float64() < genLatePayShare {
			payOn = due.AddDate(0, 0, 1+r.IntN(40))
		}
		overdue := func(before time.Time) {
			if c.State != penalty.Paid && due.Before(before) {
				ev(penalty.ActionOverdue, penalty.Overdue, due.Add(time.Second), "", "", nil)
			}
		}
		switch {
		case x < genPaidShare:
			overdue(payOn)
			if pay(total, payOn) {
				c.Dues.Payment = nil
				moved := payOn.AddDate(0, 0, 1+r.IntN(5))
				if ev(penalty.ActionTransfer, penalty.Paid, moved, org.chief, "", nil) {
					c.Payments[len(c.Payments)-1].TransferredOn, c.Payments[len(c.Payments)-1].TransferRef = legal.DateOf(moved), "KB-"+genReceiptTail(c)
					closed := moved.Add(2 * time.Hour)
					if ev(penalty.ActionClose, penalty.Closed, closed, org.chief, "", map[string]any{"outcome": "paid"}) {
						c.Closure = &penalty.Closure{Outcome: penalty.OutcomePaid, By: chief, At: closed.UTC()}
					}
				}
			}
		case x < genPaidShare+genPartialShare:
			pay(total/2/1000*1000, delivered.AddDate(0, 0, r.IntN(genPaymentDays)))
			overdue(g.asOf)
		default:
			overdue(g.asOf)
		}
		if c.State == penalty.Overdue && r.Float64() < genEnforcedShare {
			on := due.AddDate(0, 0, 30)
			if ev(penalty.ActionEnforce, penalty.Enforced, on, org.chief, "", nil) {
				c.Enforcement = &penalty.Enforcement{Reference: "QĐ cưỡng chế (dữ liệu sinh)", Measure: "khấu trừ tiền từ tài khoản", By: chief, At: on.UTC()}
			}
		}
	}
	c.Version = version
	content.Status = status
	data, _ := json.Marshal(content)
	updated := last.UTC()
	records.add(rid, org.id, vid, cid, s.id, s.subjectID, org.issuing, y, number, status, int64(2), int64(0), "", drawn.UTC(), by, "", string(data), drawn.UTC(), updated)
	row, err := penaltyRowOf(c, updated)
	if err != nil {
		panic(err)
	}
	row.CreatedAt = drawn.UTC()
	cases.add(row.values()...)
	caseRecords.add(org.id, rid, c.ID, int64(1))
}

func genReceiptTail(c penalty.Case) string { return c.Payments[len(c.Payments)-1].Receipt }

func genContainsCode(cs []genCode, code string) bool {
	for _, c := range cs {
		if c.code == code {
			return true
		}
	}
	return false
}

// counters writes the registers of record and decision numbers the generated rows used, so that the
// next number taken follows them.
func (g *generator) counters(b *genBatch) {
	recs := b.t("number_counters", "org_id", "issuing_unit_id", "year", "next_number")
	decs := b.t("penalty_decision_counters", "org_id", "issuing_unit_id", "year", "next_number")
	for _, org := range g.orgs {
		for y := g.firstYear; y <= g.o.LastYear; y++ {
			if n := org.records[y]; n > 0 {
				recs.add(org.id, org.issuing, y, n+1)
			}
		}
		for y := g.firstYear; y <= g.o.LastYear+1; y++ {
			if n := g.decisions[org.id+"|"+fmt.Sprint(y)]; n > 0 {
				decs.add(org.id, org.issuing, y, n+1)
			}
		}
	}
}

// penaltyCaseCols are the columns of penalty_cases in the order values gives them.
var penaltyCaseCols = []string{"id", "org_id", "campaign_id", "record_id", "record_issuing_unit_id", "record_year", "record_number", "record_drawn_up_at",
	"subject_id", "subject_kind", "subject_name", "state", "track", "version", "opened_at", "total", "evidence_ids", "decision_due_at", "queue_at",
	"explanation_due_at", "send_due_at", "national_report_due_at", "payment_due_at", "enforcement_limit_at", "next_due_at", "decision_issuing_unit_id",
	"decision_year", "decision_number", "decision_issued_at", "decision", "data", "created_at", "updated_at"}

// penaltyCaseOpenedCol is the index of opened_at in penaltyCaseCols.
const penaltyCaseOpenedCol = 14

func (r penaltyCaseRow) values() []any {
	return []any{r.ID, r.OrgID, r.CampaignID, r.RecordID, r.RecordIssuingUnitID, r.RecordYear, r.RecordNumber, r.RecordDrawnUpAt,
		r.SubjectID, r.SubjectKind, r.SubjectName, r.State, r.Track, r.Version, r.OpenedAt, r.Total, r.EvidenceIDs, r.DecisionDueAt, r.QueueAt,
		r.ExplanationDueAt, r.SendDueAt, r.NationalReportDueAt, r.PaymentDueAt, r.EnforcementLimitAt, r.NextDueAt, r.DecisionIssuingUnitID,
		r.DecisionYear, r.DecisionNumber, r.DecisionIssuedAt, r.Decision, r.Data, r.CreatedAt, r.UpdatedAt}
}
