package penalty

import (
	"slices"

	"github.com/skhcn-caobang/thanhtra/server/legal"
)

// MountainArea is one dated entry of the administrative units that count as remote or mountain
// areas (vùng sâu, vùng xa, biên giới, miền núi) for the periods the law lengthens there — today the
// national database report, 4 working days instead of 2 (TT 13/2016/TT-BTP). UnitCode is the unit's
// code in the organisation's administrative units (a province's code covers every unit under it).
type MountainArea struct {
	UnitCode  string
	Name      string
	Basis     string
	Confirmed bool
	Source    string
	legal.Validity
}

// MountainOn reports whether a place in the units codes (a site's unit and the units above it, as in
// force on day d) lies in a mountain area on day d.
func (r Rules) MountainOn(codes []string, d legal.Date) bool {
	for _, m := range r.MountainAreas {
		if m.InForce(d) && slices.Contains(codes, m.UnitCode) {
			return true
		}
	}
	return false
}
