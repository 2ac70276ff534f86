package importer

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/registry"
)

// run is the state of one import.
type run struct {
	im       *Importer
	p        identity.Principal
	orgID    string
	opts     Options
	sum      *Summary
	msgs     map[errs.Code]schemas.ErrorCode
	units    []adminunit.Unit
	importID string
	now      time.Time
	xlsx     bool     // the file is XLSX: a date column may hold Excel's serial numbers
	headers  []string // the header row as written
	pos      []int    // for each of columns, its position in the file, or -1
	seen     *seen
}

// row is one data row, read and checked on its own (without the registry).
type row struct {
	num        int
	cells      []string // the file's cells
	subject    registry.Subject
	site       registry.Site // Units resolved
	instrument *registry.Instrument
	licence    *registry.Licence
}

func (run *run) present(key string) bool { return run.pos[colIndex(key)] >= 0 }

func colIndex(key string) int {
	for i, c := range columns {
		if c.key == key {
			return i
		}
	}
	panic("importer: no column " + key)
}

// cell returns the row's value in the column key, trimmed; "" when the file lacks the column.
func (run *run) cell(cells []string, key string) string {
	p := run.pos[colIndex(key)]
	if p < 0 || p >= len(cells) {
		return ""
	}
	return strings.TrimSpace(cells[p])
}

func (run *run) problem(rowNum int, key string, code errs.Code, value string) Problem {
	p := Problem{Row: rowNum, Column: key, Code: code, Value: value}
	if key != "" {
		if i := run.pos[colIndex(key)]; i >= 0 && i < len(run.headers) {
			p.Header = run.headers[i]
		}
	}
	if m, ok := run.msgs[code]; ok {
		p.Message, p.MessageEN = m.VI, m.EN
	}
	return p
}

// fail records a row's problems (in the order of their columns in the file) and its outcome.
func (run *run) fail(rowNum int, ps []Problem) {
	run.sortProblems(ps)
	run.sum.Errors++
	for _, p := range ps {
		if len(run.sum.Problems) >= run.opts.MaxProblems {
			run.sum.ProblemsTruncated = true
			break
		}
		run.sum.Problems = append(run.sum.Problems, p)
	}
}

// fieldProblems maps validation's field errors to problems at the entity's columns.
func (run *run) fieldProblems(r int, cells []string, fields []errs.FieldError, cols map[string]string) []Problem {
	var ps []Problem
	for _, f := range fields {
		name, _, _ := strings.Cut(f.Field, "[")
		key := cols[name]
		ps = append(ps, run.problem(r, key, f.Code, run.cellOrEmpty(cells, key)))
	}
	return ps
}

func (run *run) cellOrEmpty(cells []string, key string) string {
	if key == "" {
		return ""
	}
	return run.cell(cells, key)
}

var excelSerial = regexp.MustCompile(`^\d+(\.\d+)?$`)

// parseDay reads a calendar day: YYYY-MM-DD, D/M/YYYY (the Vietnamese order), or in an XLSX file the
// serial number Excel stores a date cell as.
func parseDay(v string, xlsxSerial bool) (time.Time, bool) {
	if v == "" {
		return time.Time{}, true
	}
	if d, err := adminunit.ParseDay(v); err == nil {
		return d, true
	}
	if d, err := time.ParseInLocation("2/1/2006", v, adminunit.Vietnam); err == nil {
		return d, true
	}
	if xlsxSerial && excelSerial.MatchString(v) {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 1 && f < 2958466 {
			if t, err := excelize.ExcelDateToTime(f, false); err == nil {
				return adminunit.Date(t.Year(), t.Month(), t.Day()), true
			}
		}
	}
	return time.Time{}, false
}

// parseCoordinate reads a latitude or longitude, with a decimal point or (Vietnamese) comma.
func parseCoordinate(v string) (*float64, bool) {
	if v == "" {
		return nil, true
	}
	if !strings.Contains(v, ".") {
		v = strings.Replace(v, ",", ".", 1)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return nil, false
	}
	return &f, true
}

// splitCodes splits a cell of unit codes on semicolons, commas and line breaks.
func splitCodes(v string) []string {
	var out []string
	for _, c := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' || r == '\n' || r == '\r' }) {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// parseRow reads and checks one data row on its own. A row with problems is reported and nil returned.
func (run *run) parseRow(num int, cells []string) *row {
	cell := func(key string) string { return run.cell(cells, key) }
	var ps []Problem
	day := func(key string) time.Time {
		d, ok := parseDay(cell(key), run.xlsx)
		if !ok {
			ps = append(ps, run.problem(num, key, errs.CodeInvalidDate, cell(key)))
		}
		return d
	}
	r := &row{num: num, cells: cells}

	r.subject = registry.NormaliseSubject(registry.Subject{OrgID: run.orgID,
		Kind: kindOf(cell(colSubjectKind), registry.SubjectKinds, subjectKindNames), Name: cell(colSubjectName),
		TaxCode: cell(colTaxCode), IDNumber: cell(colIDNumber), LegalRepresentative: cell(colLegalRepresentative),
		Address: cell(colSubjectAddress), Phone: cell(colPhone)})
	ps = append(ps, run.fieldProblems(num, cells, registry.ValidateSubject(r.subject), subjectColumns)...)

	site := registry.Site{OrgID: run.orgID, SubjectID: "-", Type: kindOf(cell(colSiteType), registry.SiteTypes, siteTypeNames),
		Name: cell(colSiteName), Address: cell(colSiteAddress)}
	lat, latOK := parseCoordinate(cell(colLatitude))
	lon, lonOK := parseCoordinate(cell(colLongitude))
	if !latOK {
		ps = append(ps, run.problem(num, colLatitude, errs.CodeInvalidCoordinates, cell(colLatitude)))
	}
	if !lonOK {
		ps = append(ps, run.problem(num, colLongitude, errs.CodeInvalidCoordinates, cell(colLongitude)))
	}
	if latOK && lonOK {
		site.Lat, site.Lon = lat, lon
	}
	codes := splitCodes(cell(colUnitCodes))
	if len(codes) == 0 {
		ps = append(ps, run.problem(num, colUnitCodes, errs.CodeRequired, ""))
	}
	for _, c := range codes {
		site.Units = append(site.Units, registry.SiteUnit{UnitCode: c})
	}
	site = registry.NormaliseSite(site)
	ps = append(ps, run.fieldProblems(num, cells, registry.ValidateSite(site), siteColumns)...)
	if len(codes) > 0 {
		units, fields := registry.ResolveSiteUnits(run.units, site.Units)
		ps = append(ps, run.fieldProblems(num, cells, fields, siteColumns)...)
		site.Units = units
	}
	site.SubjectID = ""
	r.site = site

	if run.anyCell(cells, colInstrumentKind, colSerial, colModel, colManufacturer, colPatternApproval,
		colVerificationCertificate, colVerificationExpiry, colSealState, colInspectionExpiry) {
		in := registry.NormaliseInstrument(registry.Instrument{OrgID: run.orgID, SiteID: "-",
			Kind:   kindOf(cell(colInstrumentKind), registry.InstrumentKinds, instrumentKindNames),
			Serial: cell(colSerial), Model: cell(colModel), Manufacturer: cell(colManufacturer), PatternApproval: cell(colPatternApproval),
			VerificationCertificate: cell(colVerificationCertificate), VerificationExpiry: day(colVerificationExpiry),
			SealState: kindOf(cell(colSealState), registry.SealStates, sealStateNames), InspectionExpiry: day(colInspectionExpiry)})
		ps = append(ps, run.fieldProblems(num, cells, registry.ValidateInstrument(in), instrumentColumns)...)
		in.SiteID = ""
		r.instrument = &in
	}

	if run.anyCell(cells, colLicenceKind, colLicenceNumber, colLicenceHolder, colLicenceScope, colLicenceIssued, colLicenceExpiry) {
		l := registry.NormaliseLicence(registry.Licence{OrgID: run.orgID, SiteID: "-",
			Kind:   kindOf(cell(colLicenceKind), registry.LicenceKinds, licenceKindNames),
			Number: cell(colLicenceNumber), HolderName: cell(colLicenceHolder), Scope: cell(colLicenceScope),
			Issued: day(colLicenceIssued), Expiry: day(colLicenceExpiry)})
		ps = append(ps, run.fieldProblems(num, cells, registry.ValidateLicence(l), licenceColumns)...)
		l.SiteID = ""
		r.licence = &l
	}

	if len(ps) > 0 {
		run.fail(num, dedupe(ps))
		return nil
	}
	return r
}

// dedupe drops a problem repeated at the same column with the same code (a date that is wrong is
// reported by parsing, not again by validation).
func dedupe(ps []Problem) []Problem {
	out := ps[:0]
	for _, p := range ps {
		dup := false
		for _, q := range out {
			if q.Column == p.Column && q.Code == p.Code {
				dup = true
			}
		}
		if !dup {
			out = append(out, p)
		}
	}
	return out
}

func (run *run) anyCell(cells []string, keys ...string) bool {
	for _, k := range keys {
		if run.cell(cells, k) != "" {
			return true
		}
	}
	return false
}

// --- Planning against the registry ---

// seen remembers every entity an earlier row of the file named, as that row left it, by natural key.
// Later rows that name it again must agree with it.
type seen struct {
	subjectsByTax, subjectsByID map[string]*registry.Subject
	sites                       map[string]*registry.Site       // subject ID | address key
	instruments                 map[string]*registry.Instrument // kind | serial
	licences                    map[string]*registry.Licence    // kind | number
}

func newSeen() *seen {
	return &seen{subjectsByTax: map[string]*registry.Subject{}, subjectsByID: map[string]*registry.Subject{},
		sites: map[string]*registry.Site{}, instruments: map[string]*registry.Instrument{}, licences: map[string]*registry.Licence{}}
}

func siteKey(subjectID, address string) string    { return subjectID + "|" + registry.AddressKey(address) }
func instrumentKey(in registry.Instrument) string { return string(in.Kind) + "|" + in.Serial }
func licenceKey(l registry.Licence) string        { return string(l.Kind) + "|" + l.Number }

// importChunk plans a chunk of checked rows against the registry and, unless this is a dry run,
// writes it in one transaction.
func (run *run) importChunk(ctx context.Context, rows []*row) error {
	var l registry.Lookup
	for _, r := range rows {
		l.TaxCodes = append(l.TaxCodes, r.subject.TaxCode)
		l.IDNumbers = append(l.IDNumbers, r.subject.IDNumber)
		l.AddressKeys = append(l.AddressKeys, registry.AddressKey(r.site.Address))
		if r.instrument != nil {
			l.Serials = append(l.Serials, r.instrument.Serial)
		}
		if r.licence != nil {
			l.LicenceNumbers = append(l.LicenceNumbers, r.licence.Number)
		}
	}
	plan := func(snap registry.Snapshot) (registry.Changes, error) {
		var c registry.Changes
		for _, r := range rows {
			run.planRow(r, snap, &c)
		}
		return c, nil
	}
	if run.opts.DryRun {
		snap, err := run.im.Registry.Store.ReadRegistry(ctx, run.orgID, l)
		if err != nil {
			return err
		}
		_, err = plan(snap)
		return err
	}
	return run.im.Registry.Store.ChangeRegistry(ctx, run.orgID, l, plan)
}

// outcome is what happened to a row or an entity.
type outcome int

// The outcomes, in the order in which one row's outcome is the greatest of its entities'.
const (
	none outcome = iota
	unchanged
	updated
	created
)

// staged is what one row would change, kept apart until the whole row is known to be good.
type staged struct {
	changes  registry.Changes
	commit   []func() // updates of the seen maps and counts
	outcome  outcome
	problems []Problem
}

func (st *staged) result(o outcome) { st.outcome = max(st.outcome, o) }

// planRow plans one row against the snapshot and the rows before it, adding its changes to c, or
// reports its problems.
func (run *run) planRow(r *row, snap registry.Snapshot, c *registry.Changes) {
	st := &staged{}
	subject := run.planSubject(r, snap, st)
	var site registry.Site
	if len(st.problems) == 0 {
		site = run.planSite(r, subject, snap, st)
	}
	if len(st.problems) == 0 && r.instrument != nil {
		run.planInstrument(r, site, snap, st)
	}
	if len(st.problems) == 0 && r.licence != nil {
		run.planLicence(r, site, snap, st)
	}
	if len(st.problems) > 0 {
		run.fail(r.num, st.problems)
		return
	}
	for _, f := range st.commit {
		f()
	}
	c.CreateSubjects = append(c.CreateSubjects, st.changes.CreateSubjects...)
	c.UpdateSubjects = append(c.UpdateSubjects, st.changes.UpdateSubjects...)
	c.CreateSites = append(c.CreateSites, st.changes.CreateSites...)
	c.UpdateSites = append(c.UpdateSites, st.changes.UpdateSites...)
	c.CreateInstruments = append(c.CreateInstruments, st.changes.CreateInstruments...)
	c.UpdateInstruments = append(c.UpdateInstruments, st.changes.UpdateInstruments...)
	c.CreateLicences = append(c.CreateLicences, st.changes.CreateLicences...)
	c.UpdateLicences = append(c.UpdateLicences, st.changes.UpdateLicences...)
	c.Audit = append(c.Audit, st.changes.Audit...)
	switch st.outcome {
	case created:
		run.sum.Created++
	case updated:
		run.sum.Updated++
	default:
		run.sum.Unchanged++
	}
}

func (run *run) entry(chain, action string, data map[string]any, changed []string) audit.Entry {
	data["import"] = run.importID
	return registry.Entry(run.p, run.now, run.orgID, chain, action, data, changed)
}

// inconsistent reports a row that names an entity an earlier row named, with other data.
func (run *run) inconsistent(r *row, st *staged, diff []string, cols map[string]string) {
	key := cols[diff[0]]
	st.problems = append(st.problems, run.problem(r.num, key, errs.CodeInconsistentRow, run.cellOrEmpty(r.cells, key)))
}

// count records an entity's outcome in its kind's counts.
func count(c *Counts, o outcome) {
	switch o {
	case created:
		c.Created++
	case updated:
		c.Updated++
	default:
		c.Unchanged++
	}
}

// mergeSubject takes the row's values over the stored subject's, for the columns the file has.
func (run *run) mergeSubject(old, in registry.Subject) registry.Subject {
	m := old
	m.Kind, m.Name = in.Kind, in.Name
	set := func(key string, dst *string, v string) {
		if run.present(key) {
			*dst = v
		}
	}
	set(colTaxCode, &m.TaxCode, in.TaxCode)
	set(colIDNumber, &m.IDNumber, in.IDNumber)
	set(colLegalRepresentative, &m.LegalRepresentative, in.LegalRepresentative)
	set(colSubjectAddress, &m.Address, in.Address)
	set(colPhone, &m.Phone, in.Phone)
	return m
}

// findSubject finds the subject a row names among candidates: by tax code, or else by ID number when
// the subject found has no other tax code.
func findSubject(in registry.Subject, byTax, byID func(string) (registry.Subject, bool)) (registry.Subject, bool) {
	if in.TaxCode != "" {
		if s, ok := byTax(in.TaxCode); ok {
			return s, true
		}
	}
	if in.IDNumber != "" {
		if s, ok := byID(in.IDNumber); ok && (s.TaxCode == "" || in.TaxCode == "") {
			return s, true
		}
	}
	return registry.Subject{}, false
}

func (run *run) planSubject(r *row, snap registry.Snapshot, st *staged) registry.Subject {
	sn := run.seen
	fromSeen := func(m map[string]*registry.Subject) func(string) (registry.Subject, bool) {
		return func(k string) (registry.Subject, bool) {
			if s := m[k]; s != nil {
				return *s, true
			}
			return registry.Subject{}, false
		}
	}
	fromSnap := func(match func(registry.Subject, string) bool) func(string) (registry.Subject, bool) {
		return func(k string) (registry.Subject, bool) {
			for _, s := range snap.Subjects {
				if match(s, k) {
					return s, true
				}
			}
			return registry.Subject{}, false
		}
	}
	byTax := fromSnap(func(s registry.Subject, k string) bool { return s.TaxCode == k })
	byID := fromSnap(func(s registry.Subject, k string) bool { return s.IDNumber == k })
	if prev, ok := findSubject(r.subject, fromSeen(sn.subjectsByTax), fromSeen(sn.subjectsByID)); ok {
		if diff := registry.SubjectChanges(prev, run.mergeSubject(prev, r.subject)); len(diff) > 0 {
			run.inconsistent(r, st, diff, subjectColumns)
		}
		st.result(unchanged)
		return prev
	}
	old, found := findSubject(r.subject, byTax, byID)
	var s registry.Subject
	var o outcome
	switch {
	case found:
		s = run.mergeSubject(old, r.subject)
		if fields := registry.ValidateSubject(s); len(fields) > 0 { // the row's columns with the stored others
			st.problems = append(st.problems, run.fieldProblems(r.num, r.cells, fields, subjectColumns)...)
			return s
		}
		diff := registry.SubjectChanges(old, s)
		if len(diff) == 0 {
			o = unchanged
			break
		}
		o, s.UpdatedAt = updated, run.now
		st.changes.UpdateSubjects = append(st.changes.UpdateSubjects, s)
		st.changes.Audit = append(st.changes.Audit, run.entry("subject/"+s.ID, registry.ActionSubjectUpdate, registry.SubjectData(s), diff))
	default:
		s = r.subject
		s.ID, s.CreatedAt, s.UpdatedAt, o = run.im.Registry.IDs.NewID(), run.now, run.now, created
		st.changes.CreateSubjects = append(st.changes.CreateSubjects, s)
		st.changes.Audit = append(st.changes.Audit, run.entry("subject/"+s.ID, registry.ActionSubjectCreate, registry.SubjectData(s), nil))
	}
	// Its identifiers must not be another subject's, stored or named by an earlier row.
	fields := registry.SubjectConflicts(snap.Subjects, s)
	if x := sn.subjectsByTax[s.TaxCode]; s.TaxCode != "" && x != nil && x.ID != s.ID {
		fields = append(fields, errs.FieldError{Field: registry.FieldTaxCode, Code: errs.CodeTaxCodeTaken})
	}
	if x := sn.subjectsByID[s.IDNumber]; s.IDNumber != "" && x != nil && x.ID != s.ID {
		fields = append(fields, errs.FieldError{Field: registry.FieldIDNumber, Code: errs.CodeIDNumberTaken})
	}
	if len(fields) > 0 {
		st.problems = append(st.problems, dedupe(run.fieldProblems(r.num, r.cells, fields, subjectColumns))...)
		return s
	}
	st.result(o)
	st.commit = append(st.commit, func() {
		keep := s
		if keep.TaxCode != "" {
			sn.subjectsByTax[keep.TaxCode] = &keep
		}
		if keep.IDNumber != "" {
			sn.subjectsByID[keep.IDNumber] = &keep
		}
		count(&run.sum.Subjects, o)
	})
	return s
}

// sameUnitSet reports whether two histories name the same unit versions, whatever their dates: a
// history refined by hand (a site that moved on a day of its own) is not undone by re-importing the
// list of its units.
func sameUnitSet(a, b []registry.SiteUnit) bool {
	if len(a) != len(b) {
		return false
	}
	ids := map[string]int{}
	for _, u := range a {
		ids[u.UnitID]++
	}
	for _, u := range b {
		ids[u.UnitID]--
	}
	for _, n := range ids {
		if n != 0 {
			return false
		}
	}
	return true
}

func (run *run) mergeSite(old, in registry.Site) registry.Site {
	m := old
	m.Type, m.Name, m.Address = in.Type, in.Name, in.Address
	if run.present(colLatitude) && run.present(colLongitude) {
		m.Lat, m.Lon = in.Lat, in.Lon
	}
	if !sameUnitSet(old.Units, in.Units) {
		m.Units = in.Units
	}
	return m
}

func (run *run) planSite(r *row, subject registry.Subject, snap registry.Snapshot, st *staged) registry.Site {
	key := siteKey(subject.ID, r.site.Address)
	if prev := run.seen.sites[key]; prev != nil {
		again := run.mergeSite(*prev, r.site)
		again.Address = prev.Address // the same key spelt another way is the same site
		if diff := registry.SiteChanges(*prev, again); len(diff) > 0 {
			run.inconsistent(r, st, diff, siteColumns)
		}
		st.result(unchanged)
		return *prev
	}
	var s registry.Site
	var o outcome
	found := false
	for _, x := range snap.Sites {
		if x.SubjectID == subject.ID && siteKey(x.SubjectID, x.Address) == key {
			s, found = run.mergeSite(x, r.site), true
			diff := registry.SiteChanges(x, s)
			if len(diff) == 0 {
				o = unchanged
				break
			}
			o, s.UpdatedAt = updated, run.now
			st.changes.UpdateSites = append(st.changes.UpdateSites, s)
			st.changes.Audit = append(st.changes.Audit, run.entry("site/"+s.ID, registry.ActionSiteUpdate, registry.SiteData(s), diff))
			break
		}
	}
	if !found {
		s = r.site
		s.SubjectID = subject.ID
		s.ID, s.CreatedAt, s.UpdatedAt, o = run.im.Registry.IDs.NewID(), run.now, run.now, created
		st.changes.CreateSites = append(st.changes.CreateSites, s)
		st.changes.Audit = append(st.changes.Audit, run.entry("site/"+s.ID, registry.ActionSiteCreate, registry.SiteData(s), nil))
	}
	st.result(o)
	st.commit = append(st.commit, func() {
		keep := s
		run.seen.sites[key] = &keep
		count(&run.sum.Sites, o)
	})
	return s
}

func (run *run) mergeInstrument(old, in registry.Instrument) registry.Instrument {
	m := old
	set := func(key string, dst *string, v string) {
		if run.present(key) {
			*dst = v
		}
	}
	set(colModel, &m.Model, in.Model)
	set(colManufacturer, &m.Manufacturer, in.Manufacturer)
	set(colPatternApproval, &m.PatternApproval, in.PatternApproval)
	set(colVerificationCertificate, &m.VerificationCertificate, in.VerificationCertificate)
	if run.present(colVerificationExpiry) {
		m.VerificationExpiry = in.VerificationExpiry
	}
	if run.present(colSealState) {
		m.SealState = in.SealState
	}
	if run.present(colInspectionExpiry) {
		m.InspectionExpiry = in.InspectionExpiry
	}
	return m
}

func (run *run) planInstrument(r *row, site registry.Site, snap registry.Snapshot, st *staged) {
	in := *r.instrument
	key := instrumentKey(in)
	taken := func() {
		st.problems = append(st.problems, run.problem(r.num, colSerial, errs.CodeSerialTaken, run.cell(r.cells, colSerial)))
	}
	if prev := run.seen.instruments[key]; prev != nil {
		switch {
		case prev.SiteID != site.ID:
			taken()
		default:
			if diff := registry.InstrumentChanges(*prev, run.mergeInstrument(*prev, in)); len(diff) > 0 {
				run.inconsistent(r, st, diff, instrumentColumns)
			}
			st.result(unchanged)
		}
		return
	}
	var o outcome
	found := false
	for _, x := range snap.Instruments {
		if instrumentKey(x) != key {
			continue
		}
		found = true
		if x.SiteID != site.ID {
			taken()
			return
		}
		in = run.mergeInstrument(x, in)
		diff := registry.InstrumentChanges(x, in)
		if len(diff) == 0 {
			o = unchanged
			break
		}
		o, in.UpdatedAt = updated, run.now
		st.changes.UpdateInstruments = append(st.changes.UpdateInstruments, in)
		st.changes.Audit = append(st.changes.Audit, run.entry("instrument/"+in.ID, registry.ActionInstrumentUpdate, registry.InstrumentData(in), diff))
		break
	}
	if !found {
		in.SiteID = site.ID
		in.ID, in.CreatedAt, in.UpdatedAt, o = run.im.Registry.IDs.NewID(), run.now, run.now, created
		st.changes.CreateInstruments = append(st.changes.CreateInstruments, in)
		st.changes.Audit = append(st.changes.Audit, run.entry("instrument/"+in.ID, registry.ActionInstrumentCreate, registry.InstrumentData(in), nil))
	}
	st.result(o)
	st.commit = append(st.commit, func() {
		keep := in
		run.seen.instruments[key] = &keep
		count(&run.sum.Instruments, o)
	})
}

func (run *run) mergeLicence(old, in registry.Licence) registry.Licence {
	m := old
	set := func(key string, dst *string, v string) {
		if run.present(key) {
			*dst = v
		}
	}
	set(colLicenceHolder, &m.HolderName, in.HolderName)
	set(colLicenceScope, &m.Scope, in.Scope)
	if run.present(colLicenceIssued) {
		m.Issued = in.Issued
	}
	if run.present(colLicenceExpiry) {
		m.Expiry = in.Expiry
	}
	return m
}

func (run *run) planLicence(r *row, site registry.Site, snap registry.Snapshot, st *staged) {
	l := *r.licence
	key := licenceKey(l)
	taken := func() {
		st.problems = append(st.problems, run.problem(r.num, colLicenceNumber, errs.CodeLicenceNumberTaken, run.cell(r.cells, colLicenceNumber)))
	}
	if prev := run.seen.licences[key]; prev != nil {
		switch {
		case prev.SiteID != site.ID:
			taken()
		default:
			if diff := registry.LicenceChanges(*prev, run.mergeLicence(*prev, l)); len(diff) > 0 {
				run.inconsistent(r, st, diff, licenceColumns)
			}
			st.result(unchanged)
		}
		return
	}
	var o outcome
	found := false
	for _, x := range snap.Licences {
		if licenceKey(x) != key {
			continue
		}
		found = true
		if x.SiteID != site.ID {
			taken()
			return
		}
		l = run.mergeLicence(x, l)
		diff := registry.LicenceChanges(x, l)
		if len(diff) == 0 {
			o = unchanged
			break
		}
		o, l.UpdatedAt = updated, run.now
		st.changes.UpdateLicences = append(st.changes.UpdateLicences, l)
		st.changes.Audit = append(st.changes.Audit, run.entry("licence/"+l.ID, registry.ActionLicenceUpdate, registry.LicenceData(l), diff))
		break
	}
	if !found {
		l.SiteID = site.ID
		l.ID, l.CreatedAt, l.UpdatedAt, o = run.im.Registry.IDs.NewID(), run.now, run.now, created
		st.changes.CreateLicences = append(st.changes.CreateLicences, l)
		st.changes.Audit = append(st.changes.Audit, run.entry("licence/"+l.ID, registry.ActionLicenceCreate, registry.LicenceData(l), nil))
	}
	st.result(o)
	st.commit = append(st.commit, func() {
		keep := l
		run.seen.licences[key] = &keep
		count(&run.sum.Licences, o)
	})
}
