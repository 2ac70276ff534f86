package document

import (
	"strings"
	"time"
)

// Helpers for the content's defaults. The server (building a record's content from its stored
// data) and the phone (building it from the data it pulled) must fill the same defaults the same
// way, or the two copies differ; both call these.

// LawLegalBasis is the law every record is drawn up under, the first legal basis when the record
// names none (UNCONFIRMED wording: check against the form).
const LawLegalBasis = "Luật Xử lý vi phạm hành chính ngày 20 tháng 6 năm 2012, được sửa đổi, bổ sung năm 2020"

// MatterFromDecreeTitle derives the line under the title ("Về …") from the title of the decree a
// record cites: "Nghị định quy định xử phạt vi phạm hành chính trong lĩnh vực năng lượng nguyên tử"
// gives "lĩnh vực năng lượng nguyên tử". It is empty when the title names no field.
func MatterFromDecreeTitle(title string) string {
	const marker = "trong lĩnh vực "
	i := strings.Index(title, marker)
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(strings.TrimRight(title[i+len("trong "):], ". "))
}

// DecreeLegalBasis cites a decree as a legal basis: number "119/2017/NĐ-CP", issued "2017-11-01"
// and title "Nghị định quy định về xử phạt …" give "Nghị định số 119/2017/NĐ-CP ngày 01 tháng 11
// năm 2017 của Chính phủ quy định về xử phạt …". An unknown issue date or title is left out.
func DecreeLegalBasis(number, issued, title string) string {
	s := "Nghị định số " + number
	if d, err := time.Parse(time.DateOnly, issued); err == nil {
		s += " " + dateText(time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, vietnam))
	}
	s += " của Chính phủ"
	if rest, ok := strings.CutPrefix(strings.TrimSpace(title), "Nghị định "); ok && rest != "" {
		s += " " + strings.TrimRight(rest, ". ")
	}
	return s
}
