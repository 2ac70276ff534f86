package gormstore

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/registry"
	"github.com/skhcn-caobang/thanhtra/server/registry/vntext"
)

var (
	_ registry.Store  = (*Store)(nil)
	_ adminunit.Store = (*Store)(nil)
)

// Calendar days are DATE on PostgreSQL and 'YYYY-MM-DD' text on SQLite. Rows carry them as *string
// (NULL for an open end); PostgreSQL hands a DATE back as a timestamp text, of which the first ten
// characters are the day. The domain carries them as midnight in Vietnam (adminunit.Day).

func dayText(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := adminunit.FormatDay(t)
	return &s
}

func dayOf(s *string) time.Time {
	if s == nil || len(*s) < 10 {
		return time.Time{}
	}
	d, err := adminunit.ParseDay((*s)[:10])
	if err != nil {
		return time.Time{}
	}
	return d
}

// nullText stores an empty optional identifier as NULL, so that UNIQUE applies only where present.
func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func textOf(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// batchRows is the number of rows per INSERT: INFRA.md measured batches of 100 fastest on both engines.
const batchRows = 100

type adminUnitRow struct {
	ID        string `gorm:"primaryKey"`
	OrgID     string
	Code      string
	Name      string
	Level     string
	ParentID  *string
	ValidFrom *string
	ValidTo   *string
	Confirmed bool
	Note      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (adminUnitRow) TableName() string { return "admin_units" }

type adminUnitSuccessionRow struct {
	OrgID       string `gorm:"primaryKey"`
	FromID      string `gorm:"primaryKey"`
	ToID        string `gorm:"primaryKey"`
	EffectiveOn string
	Confirmed   bool
	Note        string
}

func (adminUnitSuccessionRow) TableName() string { return "admin_unit_successions" }

type subjectRow struct {
	ID                  string `gorm:"primaryKey"`
	OrgID               string
	Kind                string
	Name                string
	TaxCode             *string
	IDNumber            *string `gorm:"column:id_number"`
	LegalRepresentative string
	Address             string
	Phone               string
	SortName            string
	SearchKey           string
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

func (subjectRow) TableName() string { return "subjects" }

type siteRow struct {
	ID         string `gorm:"primaryKey"`
	OrgID      string
	SubjectID  string
	Type       string
	Name       string
	Address    string
	AddressKey string
	Lat, Lon   *float64
	SortName   string
	SearchKey  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (siteRow) TableName() string { return "sites" }

type siteUnitRow struct {
	OrgID     string
	SiteID    string `gorm:"primaryKey"`
	Seq       int    `gorm:"primaryKey;autoIncrement:false"`
	UnitID    string
	ValidFrom *string
	ValidTo   *string
}

func (siteUnitRow) TableName() string { return "site_units" }

type instrumentRow struct {
	ID                      string `gorm:"primaryKey"`
	OrgID                   string
	SiteID                  string
	Kind                    string
	Serial                  string
	Model                   string
	Manufacturer            string
	PatternApproval         string
	VerificationCertificate string
	VerificationExpiry      *string
	SealState               string
	InspectionExpiry        *string
	SearchKey               string
	CreatedAt               time.Time
	UpdatedAt               time.Time
}

func (instrumentRow) TableName() string { return "instruments" }

type licenceRow struct {
	ID         string `gorm:"primaryKey"`
	OrgID      string
	Kind       string
	Number     string
	SiteID     *string
	HolderName string
	Scope      string
	Issued     *string
	Expiry     *string
	SearchKey  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (licenceRow) TableName() string { return "licences" }

type issuingUnitRow struct {
	ID        string `gorm:"primaryKey"`
	OrgID     string
	Code      string
	Name      string
	ValidFrom *string
	ValidTo   *string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (issuingUnitRow) TableName() string { return "issuing_units" }

func subjectToRow(s registry.Subject) subjectRow {
	return subjectRow{ID: s.ID, OrgID: s.OrgID, Kind: string(s.Kind), Name: s.Name, TaxCode: nullText(s.TaxCode),
		IDNumber: nullText(s.IDNumber), LegalRepresentative: s.LegalRepresentative, Address: s.Address, Phone: s.Phone,
		SortName:  vntext.Fold(s.Name),
		SearchKey: vntext.Fold(strings.Join([]string{s.Name, s.TaxCode, s.IDNumber, s.LegalRepresentative, s.Address}, " ")),
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

func (r subjectRow) domain() registry.Subject {
	return registry.Subject{ID: r.ID, OrgID: r.OrgID, Kind: registry.SubjectKind(r.Kind), Name: r.Name, TaxCode: textOf(r.TaxCode),
		IDNumber: textOf(r.IDNumber), LegalRepresentative: r.LegalRepresentative, Address: r.Address, Phone: r.Phone,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func siteToRow(s registry.Site) siteRow {
	return siteRow{ID: s.ID, OrgID: s.OrgID, SubjectID: s.SubjectID, Type: string(s.Type), Name: s.Name, Address: s.Address,
		AddressKey: registry.AddressKey(s.Address), Lat: s.Lat, Lon: s.Lon, SortName: vntext.Fold(s.Name),
		SearchKey: vntext.Fold(s.Name + " " + s.Address), CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

func (r siteRow) domain() registry.Site {
	return registry.Site{ID: r.ID, OrgID: r.OrgID, SubjectID: r.SubjectID, Type: registry.SiteType(r.Type), Name: r.Name,
		Address: r.Address, Lat: r.Lat, Lon: r.Lon, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func siteUnitRows(s registry.Site) []siteUnitRow {
	rows := make([]siteUnitRow, len(s.Units))
	for i, u := range s.Units {
		rows[i] = siteUnitRow{OrgID: s.OrgID, SiteID: s.ID, Seq: i, UnitID: u.UnitID, ValidFrom: dayText(u.ValidFrom), ValidTo: dayText(u.ValidTo)}
	}
	return rows
}

func instrumentToRow(in registry.Instrument) instrumentRow {
	return instrumentRow{ID: in.ID, OrgID: in.OrgID, SiteID: in.SiteID, Kind: string(in.Kind), Serial: in.Serial, Model: in.Model,
		Manufacturer: in.Manufacturer, PatternApproval: in.PatternApproval, VerificationCertificate: in.VerificationCertificate,
		VerificationExpiry: dayText(in.VerificationExpiry), SealState: string(in.SealState), InspectionExpiry: dayText(in.InspectionExpiry),
		SearchKey: vntext.Fold(in.Serial + " " + in.Model + " " + in.Manufacturer), CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt}
}

func (r instrumentRow) domain() registry.Instrument {
	return registry.Instrument{ID: r.ID, OrgID: r.OrgID, SiteID: r.SiteID, Kind: registry.InstrumentKind(r.Kind), Serial: r.Serial,
		Model: r.Model, Manufacturer: r.Manufacturer, PatternApproval: r.PatternApproval, VerificationCertificate: r.VerificationCertificate,
		VerificationExpiry: dayOf(r.VerificationExpiry), SealState: registry.SealState(r.SealState), InspectionExpiry: dayOf(r.InspectionExpiry),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func licenceToRow(l registry.Licence) licenceRow {
	return licenceRow{ID: l.ID, OrgID: l.OrgID, Kind: string(l.Kind), Number: l.Number, SiteID: nullText(l.SiteID), HolderName: l.HolderName,
		Scope: l.Scope, Issued: dayText(l.Issued), Expiry: dayText(l.Expiry), SearchKey: vntext.Fold(l.Number + " " + l.HolderName + " " + l.Scope),
		CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt}
}

func (r licenceRow) domain() registry.Licence {
	return registry.Licence{ID: r.ID, OrgID: r.OrgID, Kind: registry.LicenceKind(r.Kind), Number: r.Number, SiteID: textOf(r.SiteID),
		HolderName: r.HolderName, Scope: r.Scope, Issued: dayOf(r.Issued), Expiry: dayOf(r.Expiry),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func issuingUnitToRow(u registry.IssuingUnit) issuingUnitRow {
	return issuingUnitRow{ID: u.ID, OrgID: u.OrgID, Code: u.Code, Name: u.Name, ValidFrom: dayText(u.ValidFrom), ValidTo: dayText(u.ValidTo),
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

func (r issuingUnitRow) domain() registry.IssuingUnit {
	return registry.IssuingUnit{ID: r.ID, OrgID: r.OrgID, Code: r.Code, Name: r.Name, ValidFrom: dayOf(r.ValidFrom), ValidTo: dayOf(r.ValidTo),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// --- Administrative units ---

// adminUnits reads every unit version and succession of the organisation, codes filled in.
func adminUnits(db *gorm.DB, orgID string) ([]adminunit.Unit, []adminunit.Succession, error) {
	var rows []adminUnitRow
	if err := db.Where("org_id = ?", orgID).Order("code, valid_from, id").Find(&rows).Error; err != nil {
		return nil, nil, err
	}
	codes := make(map[string]string, len(rows))
	for _, r := range rows {
		codes[r.ID] = r.Code
	}
	units := make([]adminunit.Unit, len(rows))
	for i, r := range rows {
		units[i] = adminunit.Unit{ID: r.ID, OrgID: r.OrgID, Code: r.Code, Name: r.Name, Level: adminunit.Level(r.Level),
			ParentID: textOf(r.ParentID), ParentCode: codes[textOf(r.ParentID)], ValidFrom: dayOf(r.ValidFrom), ValidTo: dayOf(r.ValidTo),
			Confirmed: r.Confirmed, Note: r.Note}
	}
	var srows []adminUnitSuccessionRow
	if err := db.Where("org_id = ?", orgID).Order("effective_on, from_id, to_id").Find(&srows).Error; err != nil {
		return nil, nil, err
	}
	succ := make([]adminunit.Succession, len(srows))
	for i, r := range srows {
		on := r.EffectiveOn
		succ[i] = adminunit.Succession{FromID: r.FromID, ToID: r.ToID, FromCode: codes[r.FromID], ToCode: codes[r.ToID],
			On: dayOf(&on), Confirmed: r.Confirmed, Note: r.Note}
	}
	return units, succ, nil
}

// AdminUnits returns every administrative unit version and succession of the organisation.
func (s *Store) AdminUnits(ctx context.Context, orgID string) ([]adminunit.Unit, []adminunit.Succession, error) {
	units, succ, err := adminUnits(s.read(ctx), orgID)
	if err != nil {
		return nil, nil, wrap("gormstore.AdminUnits", err, "")
	}
	return units, succ, nil
}

// SeedAdminUnits loads a seed of units into the organisation in one transaction (adminunit.Store).
func (s *Store) SeedAdminUnits(ctx context.Context, orgID string, seed adminunit.Seed, by audit.Entry) (adminunit.SeedResult, error) {
	const op = "gormstore.SeedAdminUnits"
	var res adminunit.SeedResult
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", orgID).Take(&organisationRow{}).Error; err != nil {
			return translate(err, errs.CodeOrganisationNotFound)
		}
		if s.dialect == Postgres { // one seeding of an organisation at a time
			if err := tx.Exec("SELECT pg_advisory_xact_lock(7310003, hashtext(?))", orgID).Error; err != nil {
				return err
			}
		}
		units, succ, err := adminUnits(tx, orgID)
		if err != nil {
			return err
		}
		plan, err := adminunit.PlanSeed(orgID, units, succ, seed, s.ids, by)
		if err != nil {
			return err
		}
		now := s.clock.Now().UTC()
		row := func(u adminunit.Unit) adminUnitRow {
			return adminUnitRow{ID: u.ID, OrgID: orgID, Code: u.Code, Name: u.Name, Level: string(u.Level), ParentID: nullText(u.ParentID),
				ValidFrom: dayText(u.ValidFrom), ValidTo: dayText(u.ValidTo), Confirmed: u.Confirmed, Note: u.Note, CreatedAt: now, UpdatedAt: now}
		}
		for _, u := range plan.Create { // one by one: a child's parent may be in the same plan
			r := row(u)
			if err := tx.Create(&r).Error; err != nil {
				return err
			}
		}
		for _, u := range plan.Update {
			r := row(u)
			if err := tx.Model(&adminUnitRow{}).Where("org_id = ? AND id = ?", orgID, u.ID).
				Select("name", "level", "parent_id", "valid_to", "confirmed", "note", "updated_at").Updates(&r).Error; err != nil {
				return err
			}
		}
		for _, x := range plan.CreateSuccessions {
			if err := tx.Create(&adminUnitSuccessionRow{OrgID: orgID, FromID: x.FromID, ToID: x.ToID, EffectiveOn: adminunit.FormatDay(x.On),
				Confirmed: x.Confirmed, Note: x.Note}).Error; err != nil {
				return err
			}
		}
		for _, x := range plan.UpdateSuccessions {
			if err := tx.Model(&adminUnitSuccessionRow{}).Where("org_id = ? AND from_id = ? AND to_id = ?", orgID, x.FromID, x.ToID).
				Updates(map[string]any{"effective_on": adminunit.FormatDay(x.On), "confirmed": x.Confirmed, "note": x.Note}).Error; err != nil {
				return err
			}
		}
		res = plan.Result
		return s.appendAuditBatch(tx, plan.Audit)
	})
	return res, wrap(op, err, errs.CodeOrganisationNotFound)
}

// --- Registry reads and changes ---

func nonEmpty(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// anyOf adds (col1 IN ? OR col2 IN ? …) for the non-empty lists; false when every list is empty.
func anyOf(q *gorm.DB, cols []string, lists ...[]string) (*gorm.DB, bool) {
	var conds []string
	var args []any
	for i, l := range lists {
		if l = nonEmpty(l); len(l) > 0 {
			conds = append(conds, cols[i]+" IN ?")
			args = append(args, l)
		}
	}
	if len(conds) == 0 {
		return q, false
	}
	return q.Where("("+strings.Join(conds, " OR ")+")", args...), true
}

// readSnapshot reads what l names. With lock, the entity rows are locked FOR UPDATE on PostgreSQL.
func (s *Store) readSnapshot(db *gorm.DB, orgID string, l registry.Lookup, lock bool) (registry.Snapshot, error) {
	var snap registry.Snapshot
	base := func() *gorm.DB {
		q := db.Where("org_id = ?", orgID)
		if lock {
			q = s.lockForUpdate(q)
		}
		return q
	}
	if q, ok := anyOf(base(), []string{"id", "tax_code", "id_number"}, l.SubjectIDs, l.TaxCodes, l.IDNumbers); ok {
		var rows []subjectRow
		if err := q.Order("id").Find(&rows).Error; err != nil {
			return snap, err
		}
		for _, r := range rows {
			snap.Subjects = append(snap.Subjects, r.domain())
		}
	}
	if q, ok := anyOf(base(), []string{"id", "address_key"}, l.SiteIDs, l.AddressKeys); ok {
		var rows []siteRow
		if err := q.Order("id").Find(&rows).Error; err != nil {
			return snap, err
		}
		sites, err := withUnits(db, orgID, rows)
		if err != nil {
			return snap, err
		}
		snap.Sites = sites
	}
	if q, ok := anyOf(base(), []string{"id", "serial"}, l.InstrumentIDs, l.Serials); ok {
		var rows []instrumentRow
		if err := q.Order("id").Find(&rows).Error; err != nil {
			return snap, err
		}
		for _, r := range rows {
			snap.Instruments = append(snap.Instruments, r.domain())
		}
	}
	if q, ok := anyOf(base(), []string{"id", "number"}, l.LicenceIDs, l.LicenceNumbers); ok {
		var rows []licenceRow
		if err := q.Order("id").Find(&rows).Error; err != nil {
			return snap, err
		}
		for _, r := range rows {
			snap.Licences = append(snap.Licences, r.domain())
		}
	}
	return snap, nil
}

// siteUnitView is a site_units row with its unit's code and name.
type siteUnitView struct {
	SiteID    string
	UnitID    string
	Code      string
	Name      string
	ValidFrom *string
	ValidTo   *string
}

// withUnits maps site rows to sites with their unit histories, read in one query.
func withUnits(db *gorm.DB, orgID string, rows []siteRow) ([]registry.Site, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var views []siteUnitView
	err := db.Table("site_units su").
		Select("su.site_id, su.unit_id, u.code, u.name, su.valid_from, su.valid_to").
		Joins("JOIN admin_units u ON u.org_id = su.org_id AND u.id = su.unit_id").
		Where("su.org_id = ? AND su.site_id IN ?", orgID, ids).Order("su.site_id, su.seq").Scan(&views).Error
	if err != nil {
		return nil, err
	}
	bySite := map[string][]registry.SiteUnit{}
	for _, v := range views {
		bySite[v.SiteID] = append(bySite[v.SiteID], registry.SiteUnit{UnitID: v.UnitID, UnitCode: v.Code, UnitName: v.Name,
			ValidFrom: dayOf(v.ValidFrom), ValidTo: dayOf(v.ValidTo)})
	}
	out := make([]registry.Site, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
		out[i].Units = bySite[r.ID]
	}
	return out, nil
}

// ReadRegistry returns every row of the organisation that a key of l names (registry.Store).
func (s *Store) ReadRegistry(ctx context.Context, orgID string, l registry.Lookup) (registry.Snapshot, error) {
	snap, err := s.readSnapshot(s.read(ctx), orgID, l, false)
	if err != nil {
		return registry.Snapshot{}, wrap("gormstore.ReadRegistry", err, "")
	}
	return snap, nil
}

// ChangeRegistry reads, plans and writes in one transaction (registry.Store).
func (s *Store) ChangeRegistry(ctx context.Context, orgID string, l registry.Lookup, plan func(registry.Snapshot) (registry.Changes, error)) error {
	var planErr error
	err := s.write(ctx, func(tx *gorm.DB) error {
		snap, err := s.readSnapshot(tx, orgID, l, true)
		if err != nil {
			return err
		}
		c, err := plan(snap)
		if err != nil {
			planErr = err
			return err
		}
		return s.writeChanges(tx, orgID, c)
	})
	if planErr != nil {
		return planErr
	}
	return wrap("gormstore.ChangeRegistry", err, "")
}

// writeChanges writes c inside tx, with the changes phones pull of it. Every row is written into
// orgID whatever its OrgID says.
func (s *Store) writeChanges(tx *gorm.DB, orgID string, c registry.Changes) error {
	// An instrument or licence that moves leaves its old site: that site is sent again too.
	moved, err := formerSites(tx, orgID, c)
	if err != nil {
		return err
	}
	if len(c.CreateSubjects) > 0 {
		rows := make([]subjectRow, len(c.CreateSubjects))
		for i, x := range c.CreateSubjects {
			x.OrgID = orgID
			rows[i] = subjectToRow(x)
		}
		if err := tx.CreateInBatches(rows, batchRows).Error; err != nil {
			return err
		}
	}
	for _, x := range c.UpdateSubjects {
		x.OrgID = orgID
		if err := updateRow(tx, orgID, x.ID, subjectToRow(x), errs.CodeSubjectNotFound); err != nil {
			return err
		}
	}
	var units []siteUnitRow
	if len(c.CreateSites) > 0 {
		rows := make([]siteRow, len(c.CreateSites))
		for i, x := range c.CreateSites {
			x.OrgID = orgID
			rows[i] = siteToRow(x)
			units = append(units, siteUnitRows(x)...)
		}
		if err := tx.CreateInBatches(rows, batchRows).Error; err != nil {
			return err
		}
	}
	if len(c.UpdateSites) > 0 {
		ids := make([]string, len(c.UpdateSites))
		for i, x := range c.UpdateSites {
			x.OrgID = orgID
			ids[i] = x.ID
			if err := updateRow(tx, orgID, x.ID, siteToRow(x), errs.CodeSiteNotFound); err != nil {
				return err
			}
			units = append(units, siteUnitRows(x)...)
		}
		if err := tx.Where("org_id = ? AND site_id IN ?", orgID, ids).Delete(&siteUnitRow{}).Error; err != nil {
			return err
		}
	}
	if len(units) > 0 {
		if err := tx.CreateInBatches(units, batchRows).Error; err != nil {
			return err
		}
	}
	if len(c.CreateInstruments) > 0 {
		rows := make([]instrumentRow, len(c.CreateInstruments))
		for i, x := range c.CreateInstruments {
			x.OrgID = orgID
			rows[i] = instrumentToRow(x)
		}
		if err := tx.CreateInBatches(rows, batchRows).Error; err != nil {
			return err
		}
	}
	for _, x := range c.UpdateInstruments {
		x.OrgID = orgID
		if err := updateRow(tx, orgID, x.ID, instrumentToRow(x), errs.CodeInstrumentNotFound); err != nil {
			return err
		}
	}
	if len(c.CreateLicences) > 0 {
		rows := make([]licenceRow, len(c.CreateLicences))
		for i, x := range c.CreateLicences {
			x.OrgID = orgID
			rows[i] = licenceToRow(x)
		}
		if err := tx.CreateInBatches(rows, batchRows).Error; err != nil {
			return err
		}
	}
	for _, x := range c.UpdateLicences {
		x.OrgID = orgID
		if err := updateRow(tx, orgID, x.ID, licenceToRow(x), errs.CodeLicenceNotFound); err != nil {
			return err
		}
	}
	if err := s.recordRegistryChanges(tx, orgID, c, moved); err != nil {
		return err
	}
	for i := range c.Audit {
		c.Audit[i].OrgID = orgID
	}
	return s.appendAuditBatch(tx, c.Audit)
}

// updateRow writes every column of row except its identity and creation time, in the organisation.
func updateRow[T any](tx *gorm.DB, orgID, id string, row T, notFound errs.Code) error {
	res := tx.Model(&row).Where("org_id = ? AND id = ?", orgID, id).Select("*").Omit("id", "org_id", "created_at").Updates(&row)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errs.E(errs.NotFound, notFound)
	}
	return nil
}

// --- Lists ---

// orderBy maps each sort key a list offers to its ORDER BY, ties broken by ID in the same direction.
var orderBy = map[string]map[string]string{
	"subjects": {
		"name": "sort_name, id", "-name": "sort_name DESC, id DESC",
		"created": "created_at, id", "-created": "created_at DESC, id DESC",
		"tax_code": "COALESCE(tax_code, ''), id", "-tax_code": "COALESCE(tax_code, '') DESC, id DESC",
	},
	"sites": {
		"name": "sort_name, id", "-name": "sort_name DESC, id DESC",
		"created": "created_at, id", "-created": "created_at DESC, id DESC",
		"type": "type, sort_name, id", "-type": "type DESC, sort_name DESC, id DESC",
		"address": "address_key, id", "-address": "address_key DESC, id DESC",
	},
	"instruments": {
		"serial": "serial, id", "-serial": "serial DESC, id DESC",
		"created": "created_at, id", "-created": "created_at DESC, id DESC",
		"verification_expiry":  "verification_expiry IS NULL, verification_expiry, id",
		"-verification_expiry": "verification_expiry IS NULL, verification_expiry DESC, id DESC",
		"kind":                 "kind, serial, id", "-kind": "kind DESC, serial DESC, id DESC",
	},
	"licences": {
		"expiry": "expiry IS NULL, expiry, id", "-expiry": "expiry IS NULL, expiry DESC, id DESC",
		"number": "number, id", "-number": "number DESC, id DESC",
		"created": "created_at, id", "-created": "created_at DESC, id DESC",
		"issued": "issued IS NULL, issued, id", "-issued": "issued IS NULL, issued DESC, id DESC",
	},
}

// pageOf counts q and reads the page of it that o asks for, in the order of the table's sort key.
func pageOf[R any](q *gorm.DB, table string, o registry.ListOptions) ([]R, int, error) {
	order, ok := orderBy[table][o.Sort]
	if !ok {
		return nil, 0, errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "sort", Code: errs.CodeInvalidSort})
	}
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	o.Page = o.Page.Normal()
	var rows []R
	if err := q.Order(order).Limit(o.Limit).Offset(o.Offset).Find(&rows).Error; err != nil {
		return nil, 0, err
	}
	return rows, int(total), nil
}

// textMatch adds the case- and diacritic-insensitive search of text in search_key.
func textMatch(q *gorm.DB, text string) *gorm.DB {
	if key := vntext.Fold(text); key != "" { // folded text holds letters, digits and spaces only: no LIKE wildcards
		return q.Where("search_key LIKE ?", "%"+key+"%")
	}
	return q
}

// ListSubjects lists the organisation's subjects (registry.Store).
func (s *Store) ListSubjects(ctx context.Context, orgID string, f registry.SubjectFilter) (registry.Page[registry.Subject], error) {
	q := s.read(ctx).Model(&subjectRow{}).Where("org_id = ?", orgID)
	if f.Kind != "" {
		q = q.Where("kind = ?", string(f.Kind))
	}
	q = textMatch(q, f.Text)
	rows, total, err := pageOf[subjectRow](q, "subjects", f.ListOptions)
	if err != nil {
		return registry.Page[registry.Subject]{}, wrap("gormstore.ListSubjects", err, "")
	}
	page := registry.Page[registry.Subject]{Total: total, Page: f.Page.Normal(), Items: make([]registry.Subject, len(rows))}
	for i, r := range rows {
		page.Items[i] = r.domain()
	}
	return page, nil
}

// unitSubtree returns the IDs of the versions of the unit code and of every unit below them; with a
// day, only the versions in force that day.
func unitSubtree(units []adminunit.Unit, code string, day time.Time) []string {
	children := map[string][]adminunit.Unit{}
	var roots []adminunit.Unit
	for _, u := range units {
		children[u.ParentID] = append(children[u.ParentID], u)
		if u.Code == code {
			roots = append(roots, u)
		}
	}
	var ids []string
	var walk func(u adminunit.Unit)
	walk = func(u adminunit.Unit) {
		if !day.IsZero() && !u.InForce(day) {
			return
		}
		ids = append(ids, u.ID)
		for _, c := range children[u.ID] {
			walk(c)
		}
	}
	for _, r := range roots {
		walk(r)
	}
	return ids
}

// ListSites lists the organisation's sites with their unit histories (registry.Store).
func (s *Store) ListSites(ctx context.Context, orgID string, f registry.SiteFilter) (registry.Page[registry.Site], error) {
	const op = "gormstore.ListSites"
	db := s.read(ctx)
	q := db.Model(&siteRow{}).Where("org_id = ?", orgID)
	if f.Type != "" {
		q = q.Where("type = ?", string(f.Type))
	}
	if f.SubjectID != "" {
		q = q.Where("subject_id = ?", f.SubjectID)
	}
	if f.UnitCode != "" {
		units, _, err := adminUnits(db, orgID)
		if err != nil {
			return registry.Page[registry.Site]{}, wrap(op, err, "")
		}
		if adminunit.Versions(units, f.UnitCode) == nil {
			return registry.Page[registry.Site]{}, errs.E(errs.Op(op), errs.Invalid, errs.CodeValidation,
				errs.FieldError{Field: "unit_code", Code: errs.CodeUnknownUnit})
		}
		ids := unitSubtree(units, f.UnitCode, f.On)
		if len(ids) == 0 {
			ids = []string{""} // a unit not in force that day: nothing
		}
		sub := db.Table("site_units su").Select("1").
			Where("su.org_id = sites.org_id AND su.site_id = sites.id AND su.unit_id IN ?", ids)
		if !f.On.IsZero() {
			day := adminunit.FormatDay(f.On)
			sub = sub.Where("(su.valid_from IS NULL OR su.valid_from <= ?) AND (su.valid_to IS NULL OR su.valid_to >= ?)", day, day)
		}
		q = q.Where("EXISTS (?)", sub)
	}
	q = textMatch(q, f.Text)
	rows, total, err := pageOf[siteRow](q, "sites", f.ListOptions)
	if err != nil {
		return registry.Page[registry.Site]{}, wrap(op, err, "")
	}
	sites, err := withUnits(db, orgID, rows)
	if err != nil {
		return registry.Page[registry.Site]{}, wrap(op, err, "")
	}
	return registry.Page[registry.Site]{Items: sites, Total: total, Page: f.Page.Normal()}, nil
}

// ListInstruments lists the organisation's instruments (registry.Store).
func (s *Store) ListInstruments(ctx context.Context, orgID string, f registry.InstrumentFilter) (registry.Page[registry.Instrument], error) {
	q := s.read(ctx).Model(&instrumentRow{}).Where("org_id = ?", orgID)
	if f.SiteID != "" {
		q = q.Where("site_id = ?", f.SiteID)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", string(f.Kind))
	}
	if !f.VerificationExpiresBefore.IsZero() {
		q = q.Where("verification_expiry < ?", adminunit.FormatDay(f.VerificationExpiresBefore))
	}
	q = textMatch(q, f.Text)
	rows, total, err := pageOf[instrumentRow](q, "instruments", f.ListOptions)
	if err != nil {
		return registry.Page[registry.Instrument]{}, wrap("gormstore.ListInstruments", err, "")
	}
	page := registry.Page[registry.Instrument]{Total: total, Page: f.Page.Normal(), Items: make([]registry.Instrument, len(rows))}
	for i, r := range rows {
		page.Items[i] = r.domain()
	}
	return page, nil
}

// ListLicences lists the organisation's licences (registry.Store).
func (s *Store) ListLicences(ctx context.Context, orgID string, f registry.LicenceFilter) (registry.Page[registry.Licence], error) {
	q := s.read(ctx).Model(&licenceRow{}).Where("org_id = ?", orgID)
	if f.SiteID != "" {
		q = q.Where("site_id = ?", f.SiteID)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", string(f.Kind))
	}
	if !f.ExpiresBefore.IsZero() {
		q = q.Where("expiry < ?", adminunit.FormatDay(f.ExpiresBefore))
	}
	q = textMatch(q, f.Text)
	rows, total, err := pageOf[licenceRow](q, "licences", f.ListOptions)
	if err != nil {
		return registry.Page[registry.Licence]{}, wrap("gormstore.ListLicences", err, "")
	}
	page := registry.Page[registry.Licence]{Total: total, Page: f.Page.Normal(), Items: make([]registry.Licence, len(rows))}
	for i, r := range rows {
		page.Items[i] = r.domain()
	}
	return page, nil
}

// --- Issuing units ---

// CreateIssuingUnit stores a new issuing unit with its audit event (registry.Store).
func (s *Store) CreateIssuingUnit(ctx context.Context, u registry.IssuingUnit, e audit.Entry) error {
	const op = "gormstore.CreateIssuingUnit"
	err := s.write(ctx, func(tx *gorm.DB) error {
		row := issuingUnitToRow(u)
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, e)
	})
	if err := translate(err, ""); errs.Is(errs.Conflict, err) {
		return errs.E(errs.Op(op), errs.Conflict, errs.CodeIssuingUnitTaken, err,
			errs.FieldError{Field: registry.FieldCode, Code: errs.CodeIssuingUnitTaken})
	}
	return wrap(op, err, "")
}

// UpdateIssuingUnit replaces an issuing unit's fields with its audit event (registry.Store).
func (s *Store) UpdateIssuingUnit(ctx context.Context, u registry.IssuingUnit, e audit.Entry) error {
	const op = "gormstore.UpdateIssuingUnit"
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := updateRow(tx, u.OrgID, u.ID, issuingUnitToRow(u), errs.CodeIssuingUnitNotFound); err != nil {
			return err
		}
		// Its blocks carry its name to the phones (the issuing body of their records); unchanged
		// blocks are not recorded again.
		if err := s.recordUnitBlocks(tx, u.OrgID, u.ID); err != nil {
			return err
		}
		return s.appendAudit(tx, e)
	})
	if err := translate(err, ""); errs.Is(errs.Conflict, err) {
		return errs.E(errs.Op(op), errs.Conflict, errs.CodeIssuingUnitTaken, err,
			errs.FieldError{Field: registry.FieldCode, Code: errs.CodeIssuingUnitTaken})
	}
	return wrap(op, err, errs.CodeIssuingUnitNotFound)
}

// IssuingUnit returns one issuing unit of the organisation (registry.Store).
func (s *Store) IssuingUnit(ctx context.Context, orgID, id string) (registry.IssuingUnit, error) {
	var r issuingUnitRow
	if err := s.read(ctx).Where("org_id = ? AND id = ?", orgID, id).Take(&r).Error; err != nil {
		return registry.IssuingUnit{}, wrap("gormstore.IssuingUnit", err, errs.CodeIssuingUnitNotFound)
	}
	return r.domain(), nil
}

// IssuingUnits lists the organisation's issuing units by code (registry.Store).
func (s *Store) IssuingUnits(ctx context.Context, orgID string) ([]registry.IssuingUnit, error) {
	var rows []issuingUnitRow
	if err := s.read(ctx).Where("org_id = ?", orgID).Order("code, id").Find(&rows).Error; err != nil {
		return nil, wrap("gormstore.IssuingUnits", err, "")
	}
	out := make([]registry.IssuingUnit, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}
