package campaign

import (
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

var hcm = time.FixedZone("ICT", 7*3600)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, hcm) }

// valid is the department's 2023 fuel campaign: Kế hoạch số 277/KH-SKHCN ngày 20/02/2023, one
// enterprise with two stores.
func valid() Campaign {
	return Campaign{
		Number: "277/KH-SKHCN", DecisionDate: date(2023, 2, 20),
		Title: "Thanh tra chuyên ngành về đo lường và chất lượng xăng dầu", Kind: Inspection, Origin: Planned,
		Sectors: []Sector{Fuel}, PeriodFrom: date(2023, 3, 1), PeriodTo: date(2023, 3, 31),
		Team:        []Member{{PersonID: "p-leader", Role: Leader}, {PersonID: "p-insp", Role: TeamMember}},
		SubjectIDs:  []string{"s-petrolimex"},
		SiteIDs:     []string{"site-1", "site-2"},
		Assignments: []Assignment{{SiteID: "site-1", PersonID: "p-insp"}},
	}
}

func owners(siteID string) (string, bool) {
	switch siteID {
	case "site-1", "site-2":
		return "s-petrolimex", true
	case "site-other":
		return "s-other", true
	}
	return "", false
}

func fieldCodes(err error) map[string]errs.Code {
	out := map[string]errs.Code{}
	for _, f := range errs.FieldsOf(err) {
		out[f.Field] = f.Code
	}
	return out
}

func TestCampaignValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Campaign)
		want   map[string]errs.Code // field → code; nil = valid
	}{
		{name: "valid", change: func(*Campaign) {}},
		{name: "no subjects", change: func(c *Campaign) { c.SubjectIDs = nil; c.SiteIDs = nil; c.Assignments = nil },
			want: map[string]errs.Code{"subject_ids": errs.CodeNoSubjects}},
		{name: "site of another subject", change: func(c *Campaign) { c.SiteIDs = append(c.SiteIDs, "site-other") },
			want: map[string]errs.Code{"site_ids[2]": errs.CodeSiteNotOfSubject}},
		{name: "unknown site", change: func(c *Campaign) { c.SiteIDs = append(c.SiteIDs, "nowhere") },
			want: map[string]errs.Code{"site_ids[2]": errs.CodeUnknownSite}},
		{name: "two leaders", change: func(c *Campaign) { c.Team[1].Role = Leader },
			want: map[string]errs.Code{"team": errs.CodeOneLeader}},
		{name: "no leader", change: func(c *Campaign) { c.Team = c.Team[1:]; c.Assignments = nil },
			want: map[string]errs.Code{"team": errs.CodeOneLeader}},
		{name: "same person twice", change: func(c *Campaign) { c.Team = append(c.Team, Member{PersonID: "p-insp", Role: TeamMember}) },
			want: map[string]errs.Code{"team[2].person_id": errs.CodeInvalidValue}},
		{name: "assignment to a stranger", change: func(c *Campaign) { c.Assignments[0].PersonID = "p-stranger" },
			want: map[string]errs.Code{"assignments[0].person_id": errs.CodeNotInTeam}},
		{name: "assignment of an uncovered site", change: func(c *Campaign) { c.Assignments[0].SiteID = "site-other" },
			want: map[string]errs.Code{"assignments[0].site_id": errs.CodeSiteNotInCampaign}},
		{name: "reversed period", change: func(c *Campaign) { c.PeriodTo = date(2023, 2, 1) },
			want: map[string]errs.Code{"period_to": errs.CodePeriodReversed}},
		{name: "unknown kind and origin", change: func(c *Campaign) { c.Kind = "audit"; c.Origin = "" },
			want: map[string]errs.Code{"kind": errs.CodeInvalidValue, "origin": errs.CodeRequired}},
		{name: "no sectors", change: func(c *Campaign) { c.Sectors = nil }, want: map[string]errs.Code{"sectors": errs.CodeRequired}},
		{name: "repeated sector", change: func(c *Campaign) { c.Sectors = []Sector{Fuel, Fuel} }, want: map[string]errs.Code{"sectors[1]": errs.CodeInvalidValue}},
		{name: "missing number and date", change: func(c *Campaign) { c.Number = " "; c.DecisionDate = time.Time{} },
			want: map[string]errs.Code{"number": errs.CodeRequired, "decision_date": errs.CodeRequired}},
		{name: "conclusion before the start", change: func(c *Campaign) {
			c.Conclusion = &Conclusion{Number: "12/KL-TTr", Date: date(2023, 2, 25)}
		}, want: map[string]errs.Code{"conclusion.date": errs.CodeConclusionBeforeStart}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.change(&c)
			err := c.Validate(owners)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if errs.KindOf(err) != errs.Invalid {
				t.Fatalf("got %v, want invalid", err)
			}
			got := fieldCodes(err)
			for field, code := range tc.want {
				if got[field] != code {
					t.Errorf("field %s: got %q, want %q (all: %v)", field, got[field], code, got)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("got fields %v, want exactly %v", got, tc.want)
			}
		})
	}
}

func TestCampaignDerived(t *testing.T) {
	c := valid()
	if c.Status() != Open || c.LeaderID() != "p-leader" || !c.InTeam("p-insp") || c.InTeam("x") || !c.Covers("site-2") {
		t.Fatal("derived fields")
	}
	if got := c.Reference(); got != "Kế hoạch số 277/KH-SKHCN ngày 20/02/2023" {
		t.Fatalf("reference %q", got)
	}
	c.Number = "15/QĐ-TTr"
	if got := c.Reference(); got != "Quyết định số 15/QĐ-TTr ngày 20/02/2023" {
		t.Fatalf("reference %q", got)
	}
	c.Conclusion = &Conclusion{Number: "45/KL-TTr", Date: date(2023, 4, 10)}
	if c.Status() != Concluded {
		t.Fatal("a campaign with its conclusion is concluded")
	}
}

func TestValidateVisit(t *testing.T) {
	good := Visit{SiteID: "site-1", Date: date(2023, 3, 15), LeaderPersonID: "p-leader", ChecklistCode: "fuel-station", ChecklistVersion: 1}
	cases := []struct {
		name   string
		change func(*Visit, *Campaign)
		kind   errs.Kind
		field  string
		code   errs.Code
	}{
		{name: "valid", change: func(*Visit, *Campaign) {}},
		{name: "first and last day count", change: func(v *Visit, _ *Campaign) { v.Date = date(2023, 3, 31) }},
		{name: "before the period", change: func(v *Visit, _ *Campaign) { v.Date = date(2023, 2, 28) }, kind: errs.Invalid, field: "date", code: errs.CodeVisitOutsidePeriod},
		{name: "after the period", change: func(v *Visit, _ *Campaign) { v.Date = date(2023, 4, 1) }, kind: errs.Invalid, field: "date", code: errs.CodeVisitOutsidePeriod},
		{name: "site not covered", change: func(v *Visit, _ *Campaign) { v.SiteID = "site-other" }, kind: errs.Invalid, field: "site_id", code: errs.CodeSiteNotInCampaign},
		{name: "leader not in team", change: func(v *Visit, _ *Campaign) { v.LeaderPersonID = "x" }, kind: errs.Invalid, field: "leader_person_id", code: errs.CodeNotInTeam},
		{name: "no checklist", change: func(v *Visit, _ *Campaign) { v.ChecklistVersion = 0 }, kind: errs.Invalid, field: "checklist_version", code: errs.CodeRequired},
		{name: "impossible position", change: func(v *Visit, _ *Campaign) { v.GPS = &GPS{Lat: 122, Lon: 106} }, kind: errs.Invalid, field: "gps", code: errs.CodeInvalidValue},
		{name: "concluded campaign", change: func(_ *Visit, c *Campaign) {
			c.Conclusion = &Conclusion{Number: "1/KL", Date: date(2023, 3, 31)}
		}, kind: errs.Conflict},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, c := good, valid()
			tc.change(&v, &c)
			err := ValidateVisit(v, c)
			if tc.kind == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if errs.KindOf(err) != tc.kind {
				t.Fatalf("got %v, want kind %s", err, tc.kind)
			}
			if tc.field != "" && fieldCodes(err)[tc.field] != tc.code {
				t.Fatalf("got %v, want %s on %s", fieldCodes(err), tc.code, tc.field)
			}
		})
	}
}

func TestVisitMoves(t *testing.T) {
	allowed := map[[2]VisitStatus]bool{
		{VisitPlanned, VisitInProgress}: true, {VisitPlanned, VisitCancelled}: true,
		{VisitInProgress, VisitWaitingLab}: true, {VisitInProgress, VisitCompleted}: true, {VisitInProgress, VisitCancelled}: true,
		{VisitWaitingLab, VisitCompleted}: true,
	}
	all := []VisitStatus{VisitPlanned, VisitInProgress, VisitWaitingLab, VisitCompleted, VisitCancelled}
	for _, from := range all {
		for _, to := range all {
			if got := CanMove(from, to); got != allowed[[2]VisitStatus{from, to}] {
				t.Errorf("%s → %s: %v", from, to, got)
			}
		}
	}
}

func TestTargetsAndAchievement(t *testing.T) {
	if err := (Target{Year: 2023, Sector: Market, Metric: MetricInstrumentsChecked, Value: 1268}).Validate(); err != nil {
		t.Fatal(err)
	}
	bad := Target{Year: 1999, Sector: "space", Metric: "smiles", Value: -1}
	if got := fieldCodes(bad.Validate()); len(got) != 4 {
		t.Fatalf("got %v, want four field errors", got)
	}
	cases := map[[2]int]string{{1940, 1268}: "1940/1268 đạt 153%", {5, 5}: "5/5 đạt 100%", {0, 3}: "0/3 đạt 0%", {3, 0}: ""}
	for in, want := range cases {
		if got := Achievement(in[0], in[1]); got != want {
			t.Errorf("Achievement(%d, %d) = %q, want %q", in[0], in[1], got, want)
		}
	}
}
