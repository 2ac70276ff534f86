// Package vntext folds Vietnamese text into keys for comparison and search: lower case, without tone
// marks and vowel diacritics, đ as d, and every run of punctuation and spaces as one space.
//
// "Số 12, Phố Kim Đồng" and "so 12 pho kim dong" fold to the same key, and so do the two spellings of
// one name that differ only in where the tone mark sits ("Hoà An", "Hòa An"). It accepts both the
// precomposed (NFC) and the decomposed (NFD) forms that spreadsheets and phones produce.
package vntext

import (
	"strings"
	"unicode"
)

// base maps each precomposed Vietnamese letter to its plain Latin letter.
var base = func() map[rune]rune {
	groups := map[rune]string{
		'a': "àáảãạăằắẳẵặâầấẩẫậ",
		'e': "èéẻẽẹêềếểễệ",
		'i': "ìíỉĩị",
		'o': "òóỏõọôồốổỗộơờớởỡợ",
		'u': "ùúủũụưừứửữự",
		'y': "ỳýỷỹỵ",
		'd': "đ",
	}
	m := map[rune]rune{}
	for to, from := range groups {
		for _, r := range from {
			m[r] = to
			m[unicode.ToUpper(r)] = to
		}
	}
	return m
}()

// Fold returns the comparison key of s: lower-case ASCII letters and digits (and any other letters
// as they are, lower-cased), words separated by single spaces, no leading or trailing space.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r >= 0x300 && r <= 0x36f: // a combining mark of a decomposed letter
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			if to, ok := base[r]; ok {
				r = to
			}
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}

// Slug is Fold with words joined by hyphens: "Xã Quảng Lâm" → "xa-quang-lam".
func Slug(s string) string { return strings.ReplaceAll(Fold(s), " ", "-") }

// Key is Fold with words joined by underscores, for matching column headers: "Mã số thuế" →
// "ma_so_thue", "Tax code" → "tax_code".
func Key(s string) string { return strings.ReplaceAll(Fold(s), " ", "_") }
