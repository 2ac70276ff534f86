package document

import (
	"math"
	"testing"
)

// TestNumberWords spells the numbers where Vietnamese readings have their special forms: mốt, tư and
// lăm after "mươi", một, bốn and lăm after "mười", linh for a zero tens digit, "không trăm" inside a
// number, empty groups left out, and the billions repeating.
func TestNumberWords(t *testing.T) {
	cases := []struct {
		n    int64
		want string
	}{
		{0, "không"},
		{1, "một"},
		{4, "bốn"},
		{5, "năm"},
		{10, "mười"},
		{11, "mười một"},
		{14, "mười bốn"},
		{15, "mười lăm"},
		{20, "hai mươi"},
		{21, "hai mươi mốt"},
		{24, "hai mươi tư"},
		{25, "hai mươi lăm"},
		{55, "năm mươi lăm"},
		{91, "chín mươi mốt"},
		{100, "một trăm"},
		{101, "một trăm linh một"},
		{104, "một trăm linh bốn"},
		{105, "một trăm linh năm"},
		{110, "một trăm mười"},
		{115, "một trăm mười lăm"},
		{121, "một trăm hai mươi mốt"},
		{1_000, "một nghìn"},
		{1_005, "một nghìn không trăm linh năm"},
		{1_010, "một nghìn không trăm mười"},
		{1_100, "một nghìn một trăm"},
		{10_000, "mười nghìn"},
		{15_000, "mười lăm nghìn"},
		{21_000, "hai mươi mốt nghìn"},
		{250_000, "hai trăm năm mươi nghìn"},
		{500_000, "năm trăm nghìn"},
		{1_000_000, "một triệu"},
		{1_000_005, "một triệu không trăm linh năm"},
		{1_005_000, "một triệu không trăm linh năm nghìn"},
		{1_500_000, "một triệu năm trăm nghìn"},
		{2_050_000, "hai triệu không trăm năm mươi nghìn"},
		{15_000_000, "mười lăm triệu"},
		{24_500_000, "hai mươi tư triệu năm trăm nghìn"},
		{35_000_000, "ba mươi lăm triệu"},
		{1_000_000_000, "một tỷ"},
		{1_000_000_001, "một tỷ không trăm linh một"},
		{2_000_000_000, "hai tỷ"},
		{1_250_000_000, "một tỷ hai trăm năm mươi triệu"},
		{1_000_000_000_000, "một nghìn tỷ"},
		{-5, "âm năm"},
		{math.MaxInt64, "chín tỷ hai trăm hai mươi ba triệu ba trăm bảy mươi hai nghìn không trăm ba mươi sáu tỷ tám trăm năm mươi tư triệu bảy trăm bảy mươi lăm nghìn tám trăm linh bảy"},
	}
	for _, c := range cases {
		if got := NumberWords(c.n); got != c.want {
			t.Errorf("NumberWords(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

// TestVNDWordsAndFigures: the amount as the decision prints it, in words with a capital and in
// figures with dots.
func TestVNDWordsAndFigures(t *testing.T) {
	cases := []struct {
		n              int64
		words, figures string
	}{
		{0, "Không đồng", "0 đồng"},
		{500_000, "Năm trăm nghìn đồng", "500.000 đồng"},
		{15_000_000, "Mười lăm triệu đồng", "15.000.000 đồng"},
		{1_005_000, "Một triệu không trăm linh năm nghìn đồng", "1.005.000 đồng"},
		{1_000_000_000, "Một tỷ đồng", "1.000.000.000 đồng"},
		{999, "Chín trăm chín mươi chín đồng", "999 đồng"},
		{1_000, "Một nghìn đồng", "1.000 đồng"},
	}
	for _, c := range cases {
		if got := VNDWords(c.n); got != c.words {
			t.Errorf("VNDWords(%d) = %q, want %q", c.n, got, c.words)
		}
		if got := VNDFigures(c.n); got != c.figures {
			t.Errorf("VNDFigures(%d) = %q, want %q", c.n, got, c.figures)
		}
	}
}
