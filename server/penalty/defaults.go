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

// RulesOf returns the rules of a catalogue with the provisional rules above and the default
// proposal, prepared (the working calendar built once).
func RulesOf(c legal.Catalogue) Rules {
	return Rules{Catalogue: c, LateInterest: ProvisionalInterest, ExplanationRights: ProvisionalExplanation, Proposal: DefaultProposal}.Prepare()
}
