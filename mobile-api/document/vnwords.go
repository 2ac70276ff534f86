package document

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Amounts in Vietnamese words, as a decision writes a fine "bằng chữ". The style is the one of
// administrative and accounting documents in the north, where Cao Bằng is:
//
//   - the thousands are "nghìn" (not the southern "ngàn") and the billions "tỷ";
//   - a zero tens digit before a units digit within a group is "linh" (105: "một trăm linh năm"; the
//     southern "lẻ" is not used);
//   - after "mươi" (tens of 20 and more) a 1 is "mốt" and a 4 is "tư" (21: "hai mươi mốt", 24: "hai
//     mươi tư"); after "mười" they stay "một" and "bốn" (11, 14);
//   - a 5 after any tens word is "lăm" (15: "mười lăm", 25: "hai mươi lăm"), but after "linh" it stays
//     "năm" (105);
//   - a group of three digits after a higher one is read in full, its hundreds included ("không trăm"):
//     1.005.000 is "một triệu không trăm linh năm nghìn"; empty groups are left out (1.000.000 is
//     "một triệu");
//   - beyond the billions the groups repeat ("nghìn tỷ", "triệu tỷ"), as "một nghìn tỷ".
//
// VNDWords gives the amount with "đồng" and a capital first letter, as the form prints it:
// "Mười lăm triệu đồng".

var (
	digitWords = [10]string{"không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"}
	groupNames = [3]string{"", "nghìn", "triệu"}
)

// NumberWords spells a non-negative integer in Vietnamese words, in lower case ("mười lăm triệu").
// A negative number is spelt with "âm" before it.
func NumberWords(n int64) string {
	if n < 0 {
		if n == -n { // the smallest int64 has no positive counterpart
			return "âm " + strings.TrimSpace(spellBillions(uint64(1)<<63, false))
		}
		return "âm " + NumberWords(-n)
	}
	if n == 0 {
		return digitWords[0]
	}
	return strings.TrimSpace(spellBillions(uint64(n), false))
}

// spellBillions spells n by blocks of billions (tỷ): the part above a billion is itself spelt and
// followed by "tỷ", the rest below it as groups of three digits. full says that a higher block was
// spelt before, so a group must be read with its hundreds.
func spellBillions(n uint64, full bool) string {
	const billion = 1_000_000_000
	if n >= billion {
		hi, lo := n/billion, n%billion
		s := spellBillions(hi, full) + " tỷ"
		if lo > 0 {
			s += " " + spellBelowBillion(lo, true)
		}
		return s
	}
	return spellBelowBillion(n, full)
}

// spellBelowBillion spells 0 < n < 10^9 by groups of three digits (triệu, nghìn, units).
func spellBelowBillion(n uint64, full bool) string {
	groups := [3]int{int(n % 1000), int(n / 1000 % 1000), int(n / 1_000_000)}
	var parts []string
	for i := 2; i >= 0; i-- {
		g := groups[i]
		if g == 0 {
			continue
		}
		s := spellGroup(g, full)
		if groupNames[i] != "" {
			s += " " + groupNames[i]
		}
		parts = append(parts, s)
		full = true
	}
	return strings.Join(parts, " ")
}

// spellGroup spells 0 < g < 1000. full reads the hundreds even when they are zero ("không trăm"),
// for a group that follows a higher one.
func spellGroup(g int, full bool) string {
	h, t, u := g/100, g/10%10, g%10
	var w []string
	if h > 0 || full {
		w = append(w, digitWords[h], "trăm")
	}
	switch {
	case t == 0 && u == 0:
	case t == 0:
		if len(w) > 0 {
			w = append(w, "linh")
		}
		w = append(w, digitWords[u])
	case t == 1:
		w = append(w, "mười")
		switch u {
		case 0:
		case 5:
			w = append(w, "lăm")
		default:
			w = append(w, digitWords[u])
		}
	default:
		w = append(w, digitWords[t], "mươi")
		switch u {
		case 0:
		case 1:
			w = append(w, "mốt")
		case 4:
			w = append(w, "tư")
		case 5:
			w = append(w, "lăm")
		default:
			w = append(w, digitWords[u])
		}
	}
	return strings.Join(w, " ")
}

// VNDWords spells an amount of đồng as the decision writes it in words: "Mười lăm triệu đồng".
func VNDWords(n int64) string {
	return capitalize(NumberWords(n) + " đồng")
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// VNDFigures writes an amount of đồng in figures with dots between the thousands, as Vietnamese
// documents do: 15000000 is "15.000.000 đồng".
func VNDFigures(n int64) string {
	return groupThousands(n) + " đồng"
}

// groupThousands writes n with a dot between groups of three digits.
func groupThousands(n int64) string {
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-n) // the smallest int64 wraps to itself, whose unsigned value is its magnitude
	}
	digits := []byte(uitoa(u))
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteByte(d)
	}
	return b.String()
}

func uitoa(u uint64) string {
	if u == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for u > 0 {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
	}
	return string(buf[i:])
}
