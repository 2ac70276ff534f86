package document

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestBuildRecord checks each rule of BuildRecord on one record: the pushed form fields win, the
// registry and the catalogue fill the rest, amendments count from their day, roles map to the form's.
func TestBuildRecord(t *testing.T) {
	ict := time.FixedZone("ICT", 7*3600)
	aa, bb, cc := strings.Repeat("a", 64), strings.Repeat("b", 64), strings.Repeat("c", 64)
	// 00:30 in Vietnam on 31 January 2022 is still 30 January in UTC: the day is Vietnam's.
	drawn := time.Date(2022, 1, 31, 0, 30, 0, 0, ict)
	q := 12.5
	captured := time.Date(2022, 1, 31, 0, 10, 0, 400_000_000, ict)
	src := RecordSources{
		RecordID: "r1", Number: 7, Year: 2022, DrawnUpAt: drawn,
		Record: PushedRecord{
			Violations: []CitedViolation{
				{Code: "FUEL", Description: "Bán xăng không hợp đồng", Quantity: &q},
				{Code: "MEAS"},
				{Code: "UNKNOWN"},
			},
			Persons: []PersonPresent{
				{Role: "inspector", Name: "Nông Văn Minh", Title: "Thanh tra viên", Signed: true, EvidenceID: "sig"},
				{Role: "representative", Name: "Hoàng Thị Lan", Title: "Cửa hàng trưởng", Refused: true, RefusalReason: "Không đồng ý"},
				{Role: "local_government", Name: "Bế Văn Tú", Unit: "UBND phường", Signed: true},
			},
			EvidenceIDs: []string{"photo", "sig", "pdf"},
			Statements:  []PushedStatement{{Role: "representative", Name: "Hoàng Thị Lan", Text: "Tôi không đồng ý."}},
			Violator:    &Violator{Name: "Công ty TNHH Bắc Việt", RepresentativeGender: "Nữ"},
		},
		OrganisationName: "Sở Khoa học và Công nghệ", IssuingUnitName: "Thanh tra Sở",
		Subject:  Subject{Kind: "organisation", Name: "Công ty Xăng dầu", Address: "Phường Hợp Giang", TaxCode: "4800100001"},
		Site:     Site{Name: "Cửa hàng số 1", Address: "Phường Sông Hiến"},
		Corrects: &RecordRef{RecordID: "r0", Number: 3, Year: 2022},
		Entries: map[string]CatalogueEntry{
			"FUEL": {Code: "FUEL", Decree: "99/2020/NĐ-CP", Article: "12", Clause: "1", Point: "a", Text: "Không có hợp đồng đại lý"},
			"MEAS": {Code: "MEAS", Decree: "119/2017/NĐ-CP", Article: "9", Text: "Phá kẹp chì"},
		},
		Decrees: map[string]Decree{
			"99/2020/NĐ-CP": {Number: "99/2020/NĐ-CP", Issued: "2020-08-26",
				Title:     "Nghị định quy định xử phạt vi phạm hành chính trong lĩnh vực dầu khí, kinh doanh xăng dầu và khí",
				AmendedBy: []Amendment{{Number: "17/2022/NĐ-CP", InForceFrom: "2022-01-31"}, {Number: "later/2023", InForceFrom: "2023-01-01"}}},
			"119/2017/NĐ-CP": {Number: "119/2017/NĐ-CP", Title: "Nghị định về đo lường",
				AmendedBy: []Amendment{{Number: "126/2021/NĐ-CP", InForceFrom: "2022-02-01"}}},
		},
		Evidence: map[string]EvidenceFact{
			"photo": {SHA256: aa, Purpose: "photo", CapturedAt: captured},
			"sig":   {SHA256: bb, Purpose: "signature", CapturedAt: captured},
			"pdf":   {SHA256: cc, Purpose: "document", CapturedAt: captured},
		},
	}
	d := BuildRecord(src)
	at := time.Date(2022, 1, 30, 17, 10, 0, 0, time.UTC) // to the second, in UTC
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"issuing body", d.IssuingBody, IssuingBody{Parent: "Sở Khoa học và Công nghệ", Name: "Thanh tra Sở"}},
		{"number", []int{d.Number, d.Year}, []int{7, 2022}},
		{"corrects", d.Corrects, &RecordRef{RecordID: "r0", Number: 3, Year: 2022}},
		{"place (the site's)", d.Place, "Cửa hàng số 1, Phường Sông Hiến"},
		{"amendments in force on Vietnam's day", d.Violations[0].AmendedBy, []string{"17/2022/NĐ-CP"}},
		{"an amendment not yet in force", d.Violations[1].AmendedBy, []string{}},
		{"provision", []string{d.Violations[0].Decree, d.Violations[0].Article, d.Violations[0].Clause, d.Violations[0].Point},
			[]string{"99/2020/NĐ-CP", "12", "1", "a"}},
		{"quantity", d.Violations[0].Quantity, "12.5"},
		{"act (the description)", d.Violations[0].Act, "Bán xăng không hợp đồng"},
		{"act (none: the catalogue's text prints)", d.Violations[1].Act + "|" + d.Violations[1].CatalogueText, "|Phá kẹp chì"},
		{"a code the catalogue lacks", d.Violations[2].Act + "|" + d.Violations[2].Decree, "UNKNOWN|"},
		{"matter (the first decree's field)", d.Matter, "lĩnh vực dầu khí, kinh doanh xăng dầu và khí"},
		{"legal bases", d.LegalBases, []string{LawLegalBasis,
			DecreeLegalBasis("99/2020/NĐ-CP", "2020-08-26", src.Decrees["99/2020/NĐ-CP"].Title),
			DecreeLegalBasis("119/2017/NĐ-CP", "", "Nghị định về đo lường")}},
		{"violator (pushed name over the subject's)", d.Violator.Name, "Công ty TNHH Bắc Việt"},
		{"violator kind and tax code", d.Violator.Kind + "|" + d.Violator.EnterpriseCode, "organisation|4800100001"},
		{"representative (the person present)", d.Violator.Representative + "|" + d.Violator.RepresentativeTitle + "|" + d.Violator.RepresentativeGender,
			"Hoàng Thị Lan|Cửa hàng trưởng|Nữ"},
		{"officials (unit defaults to the issuing unit)", d.Officials, []Official{{Name: "Nông Văn Minh", Title: "Thanh tra viên", Unit: "Thanh tra Sở"}}},
		{"witnesses", len(d.Witnesses), 1},
		{"signature roles", []string{d.Signatures[0].Role, d.Signatures[1].Role, d.Signatures[2].Role},
			[]string{RoleOfficial, RoleViolator, RoleLocalGovernment}},
		{"signature image", d.Signatures[0].ImageSHA256, bb},
		{"statement role", d.Statements[0].Role, RoleViolator},
		{"evidence (signatures left out)", d.Evidence, []Evidence{
			{ID: "photo", SHA256: aa, Kind: EvidencePhoto, CapturedAt: &at}, {ID: "pdf", SHA256: cc, Kind: EvidenceDocument, CapturedAt: &at}}},
		{"no pushed lists: empty", d.Measures, []string{}},
	} {
		got, _ := json.Marshal(c.got)
		want, _ := json.Marshal(c.want)
		if string(got) != string(want) {
			t.Errorf("%s: %s, want %s", c.what, got, want)
		}
	}
	if _, err := d.CanonicalJSON(); err != nil {
		t.Errorf("the built record is not valid: %v", err)
	}

	// The pushed fields win over the defaults.
	src.Record.Place, src.Record.Matter, src.Record.LegalBases = "Tại trụ sở", "lĩnh vực khác", []string{"Căn cứ riêng"}
	d = BuildRecord(src)
	if d.Place != "Tại trụ sở" || d.Matter != "lĩnh vực khác" || len(d.LegalBases) != 1 {
		t.Errorf("pushed fields: %q %q %q", d.Place, d.Matter, d.LegalBases)
	}
	// An individual: the ID number is the subject's, no representative.
	src.Subject, src.Record.Violator = Subject{Kind: "household", Name: "Nguyễn Thị Hương", IDNumber: "0123"}, nil
	if v := BuildRecord(src).Violator; v.Kind != Individual || v.IDNumber != "0123" || v.Representative != "" || v.EnterpriseCode != "" {
		t.Errorf("a household business: %+v", v)
	}
}

// TestEntryInForce: the version in force on the day, else the latest.
func TestEntryInForce(t *testing.T) {
	versions := []CatalogueEntry{
		{Text: "old", ValidFrom: "2017-12-15", ValidTo: "2022-01-01"},
		{Text: "new", ValidFrom: "2022-01-01"},
		{Text: "future", ValidFrom: "2030-01-01", ValidTo: "2031-01-01"},
	}
	for _, c := range []struct{ day, want string }{
		{"2021-12-31", "old"}, {"2022-01-01", "new"}, {"2030-06-01", "future"}, {"2017-01-01", "future"}, {"2031-02-01", "new"},
	} {
		if e, ok := EntryInForce(versions, c.day); !ok || e.Text != c.want {
			t.Errorf("on %s: %q, want %q", c.day, e.Text, c.want)
		}
	}
	if _, ok := EntryInForce(nil, "2022-01-01"); ok {
		t.Error("an entry without versions was found")
	}
}
