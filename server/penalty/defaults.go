package penalty

import "github.com/skhcn-caobang/thanhtra/server/legal"

// The dated rules the legal catalogue does not hold yet, with the figures of
// shared/domain/procedure.yaml (unconfirmed there), so that a store can serve Rules until they join
// schemas/legal/ with the catalogue's seed, store and console (docs/penalties.md, "Not yet decided").
// Each is marked unconfirmed, and its Source says where the figure comes from.

// ProvisionalInterest is the late-payment interest: 0.05 % a day of the unpaid fine (Luật XLVPHC
// Art. 78; procedure.yaml DL-PAYMENT, unconfirmed).
var ProvisionalInterest = []InterestRule{{ID: "provisional/late-interest/2013", PerMillion: 500,
	Basis: "Luật XLVPHC Điều 78 (0,05%/ngày; chưa xác nhận)", Source: "shared/domain/procedure.yaml DL-PAYMENT",
	Validity: legal.Validity{ValidFrom: legal.NewDate(2013, 7, 1)}}}

// ProvisionalExplanation is the right to explain: a range whose maximum for an individual reaches
// 15,000,000 đ (Luật XLVPHC Art. 61; procedure.yaml DL-EXPLAIN, unconfirmed).
var ProvisionalExplanation = []ExplanationRule{{ID: "provisional/explanation/2013", IndividualMax: 15_000_000,
	Basis: "Luật XLVPHC Điều 61 (từ 15.000.000 đồng đối với cá nhân; chưa xác nhận)", Source: "shared/domain/procedure.yaml DL-EXPLAIN",
	Validity: legal.Validity{ValidFrom: legal.NewDate(2013, 7, 1)}}}

// DefaultProposal is the convention the tests use for moving the proposal from the middle of the
// range: two net circumstances reach the bound. A product convention the department must confirm.
var DefaultProposal = ProposalPolicy{StepsToBound: 2}

// ProvisionalMountainAreas: the whole province of Cao Bằng (code 04) counts as a mountain area for
// the national database report, from the day TT 13/2016/TT-BTP came into force (15/02/2017, when the
// 4-working-day period began). PRODUCT.md names Cao Bằng as a mountain area and
// shared/domain/procedure-corrections.yaml (DL-CSDL-REPORT, confirmed) gives the longer period for
// "vùng sâu, vùng xa, biên giới, miền núi"; that every unit of the province is such an area is
// background knowledge (Cao Bằng is listed as a highland, border province in the Committee for
// Ethnic Minorities' classifications), not read in a source: unconfirmed. A unit-by-unit list, once
// confirmed, replaces it with entries per district or commune.
var ProvisionalMountainAreas = []MountainArea{{UnitCode: "04", Name: "Tỉnh Cao Bằng",
	Basis:    "Thông tư 13/2016/TT-BTP (vùng sâu, vùng xa, biên giới, miền núi: 04 ngày làm việc); Cao Bằng là tỉnh miền núi, biên giới (chưa đối chiếu danh mục)",
	Source:   "shared/PRODUCT.md guarantee 9; shared/domain/procedure-corrections.yaml DL-CSDL-REPORT",
	Validity: legal.Validity{ValidFrom: legal.NewDate(2017, 2, 15)}}}

// RulesOf returns the rules of a catalogue with the provisional rules above and the default
// proposal, prepared (the working calendar built once).
func RulesOf(c legal.Catalogue) Rules {
	return Rules{Catalogue: c, LateInterest: ProvisionalInterest, ExplanationRights: ProvisionalExplanation, Proposal: DefaultProposal,
		MountainAreas: ProvisionalMountainAreas}.Prepare()
}
