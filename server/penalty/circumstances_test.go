package penalty_test

import (
	"strings"
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
)

// TestCircumstancesOf: declarations resolve against the law's lists with their kind, text and basis;
// an unknown code and a declared repeat offence are refused with circumstance_unknown, the
// Government's other circumstances need a note.
func TestCircumstancesOf(t *testing.T) {
	cs, err := penalty.CircumstancesOf([]penalty.CircumstanceDeclaration{{Code: "mitigating-1"}, {Code: "aggravating-1i", Note: "sau khi đã được yêu cầu"},
		{Code: "mitigating-8", Note: "theo nghị định"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 3 || cs[0].Kind != penalty.Mitigating || cs[0].Basis != "Luật XLVPHC Điều 9 khoản 1" || cs[1].Kind != penalty.Aggravating ||
		!strings.HasSuffix(cs[1].Text, ": sau khi đã được yêu cầu") || cs[2].PriorCaseID != "" {
		t.Fatalf("resolved: %+v", cs)
	}
	for name, c := range map[string]struct {
		in   []penalty.CircumstanceDeclaration
		code errs.Code
	}{
		"unknown code":   {[]penalty.CircumstanceDeclaration{{Code: "mitigating-99"}}, errs.CodeCircumstanceUnknown},
		"repeat offence": {[]penalty.CircumstanceDeclaration{{Code: "aggravating-1b-repeat"}}, errs.CodeCircumstanceUnknown},
		"other, no note": {[]penalty.CircumstanceDeclaration{{Code: "mitigating-8", Note: " "}}, errs.CodeValidation},
		"note too long":  {[]penalty.CircumstanceDeclaration{{Code: "mitigating-1", Note: strings.Repeat("x", 1001)}}, errs.CodeValidation},
		"empty code":     {[]penalty.CircumstanceDeclaration{{}}, errs.CodeCircumstanceUnknown},
	} {
		if _, err := penalty.CircumstancesOf(c.in); errs.CodeOf(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
	seen := map[string]bool{}
	for _, x := range penalty.LegalCircumstances {
		if seen[x.Code] || x.Text == "" || x.Basis == "" || x.Confirmed {
			t.Errorf("list entry %+v: duplicate, empty, or marked confirmed without a source", x)
		}
		seen[x.Code] = true
	}
}
