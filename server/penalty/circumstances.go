package penalty

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// LegalCircumstance is one circumstance of the law's closed lists (Luật XLVPHC Art. 9, mitigating;
// Art. 10(1), aggravating): a declaration names it by Code. Other names the catch-all "other
// circumstances the Government provides" of Art. 9(8), which needs its own text.
type LegalCircumstance struct {
	Code      string
	Kind      CircumstanceKind
	Text      string
	Basis     string
	Other     bool // needs the declarant's text (the Government's other circumstances)
	Repeat    bool // tái phạm: applied at approval from the subject's decisions, not declared
	Confirmed bool
}

// LegalCircumstances are the lists of Luật XLVPHC 2012 Art. 9 and Art. 10(1) as background knowledge
// gives them (UNCONFIRMED: the text was not read, and the 2020 amendment may have changed the
// wording; check against the consolidated law before go-live). The repeat offence (tái phạm) is kept
// apart from "several times" because it is applied at approval from the subject's history
// (RepeatCandidates), never declared.
var LegalCircumstances = []LegalCircumstance{
	{Code: "mitigating-1", Kind: Mitigating, Basis: "Luật XLVPHC Điều 9 khoản 1", Text: "Người vi phạm đã có hành vi ngăn chặn, làm giảm bớt hậu quả của vi phạm hoặc tự nguyện khắc phục hậu quả, bồi thường thiệt hại"},
	{Code: "mitigating-2", Kind: Mitigating, Basis: "Luật XLVPHC Điều 9 khoản 2", Text: "Người vi phạm đã tự nguyện khai báo, thành thật hối lỗi; tích cực giúp đỡ cơ quan chức năng phát hiện, xử lý vi phạm hành chính"},
	{Code: "mitigating-3", Kind: Mitigating, Basis: "Luật XLVPHC Điều 9 khoản 3", Text: "Vi phạm trong tình trạng bị kích động về tinh thần do hành vi trái pháp luật của người khác gây ra; vượt quá giới hạn phòng vệ chính đáng; vượt quá yêu cầu của tình thế cấp thiết"},
	{Code: "mitigating-4", Kind: Mitigating, Basis: "Luật XLVPHC Điều 9 khoản 4", Text: "Vi phạm do bị ép buộc hoặc bị lệ thuộc về vật chất hoặc tinh thần"},
	{Code: "mitigating-5", Kind: Mitigating, Basis: "Luật XLVPHC Điều 9 khoản 5", Text: "Người vi phạm là phụ nữ mang thai, người già yếu, người có bệnh hoặc khuyết tật làm hạn chế khả năng nhận thức hoặc khả năng điều khiển hành vi"},
	{Code: "mitigating-6", Kind: Mitigating, Basis: "Luật XLVPHC Điều 9 khoản 6", Text: "Vi phạm vì hoàn cảnh đặc biệt khó khăn mà không do mình gây ra"},
	{Code: "mitigating-7", Kind: Mitigating, Basis: "Luật XLVPHC Điều 9 khoản 7", Text: "Vi phạm do trình độ lạc hậu"},
	{Code: "mitigating-8", Kind: Mitigating, Basis: "Luật XLVPHC Điều 9 khoản 8", Text: "Tình tiết giảm nhẹ khác do Chính phủ quy định", Other: true},
	{Code: "aggravating-1a", Kind: Aggravating, Basis: "Luật XLVPHC Điều 10 khoản 1 điểm a", Text: "Vi phạm hành chính có tổ chức"},
	{Code: "aggravating-1b", Kind: Aggravating, Basis: "Luật XLVPHC Điều 10 khoản 1 điểm b", Text: "Vi phạm hành chính nhiều lần"},
	{Code: "aggravating-1b-repeat", Kind: Aggravating, Basis: "Luật XLVPHC Điều 10 khoản 1 điểm b", Text: "Tái phạm", Repeat: true},
	{Code: "aggravating-1c", Kind: Aggravating, Basis: "Luật XLVPHC Điều 10 khoản 1 điểm c", Text: "Xúi giục, lôi kéo, sử dụng người chưa thành niên vi phạm; ép buộc người bị lệ thuộc vào mình về vật chất, tinh thần thực hiện hành vi vi phạm"},
	{Code: "aggravating-1d", Kind: Aggravating, Basis: "Luật XLVPHC Điều 10 khoản 1 điểm d", Text: "Sử dụng người biết rõ là đang bị mắc bệnh tâm thần hoặc bệnh khác làm mất khả năng nhận thức hoặc khả năng điều khiển hành vi để vi phạm"},
	{Code: "aggravating-1dd", Kind: Aggravating, Basis: "Luật XLVPHC Điều 10 khoản 1 điểm đ", Text: "Lăng mạ, phỉ báng người đang thi hành công vụ; vi phạm hành chính có tính chất côn đồ"},
	{Code: "aggravating-1e", Kind: Aggravating, Basis: "Luật XLVPHC Điều 10 khoản 1 điểm e", Text: "Lợi dụng chức vụ, quyền hạn để vi phạm hành chính"},
	{Code: "aggravating-1g", Kind: Aggravating, Basis: "Luật XLVPHC Điều 10 khoản 1 điểm g", Text: "Lợi dụng hoàn cảnh chiến tranh, thiên tai, thảm họa, dịch bệnh hoặc những khó khăn đặc biệt khác của xã hội để vi phạm"},
	{Code: "aggravating-1h", Kind: Aggravating, Basis: "Luật XLVPHC Điều 10 khoản 1 điểm h", Text: "Vi phạm trong thời gian đang chấp hành hình phạt của bản án hình sự hoặc đang chấp hành quyết định áp dụng biện pháp xử lý vi phạm hành chính"},
	{Code: "aggravating-1i", Kind: Aggravating, Basis: "Luật XLVPHC Điều 10 khoản 1 điểm i", Text: "Tiếp tục thực hiện hành vi vi phạm mặc dù người có thẩm quyền đã yêu cầu chấm dứt hành vi đó"},
	{Code: "aggravating-1k", Kind: Aggravating, Basis: "Luật XLVPHC Điều 10 khoản 1 điểm k", Text: "Sau khi vi phạm đã có hành vi trốn tránh, che giấu vi phạm hành chính"},
	{Code: "aggravating-1l", Kind: Aggravating, Basis: "Luật XLVPHC Điều 10 khoản 1 điểm l", Text: "Vi phạm hành chính có quy mô lớn, số lượng hoặc trị giá hàng hóa lớn"},
	{Code: "aggravating-1m", Kind: Aggravating, Basis: "Luật XLVPHC Điều 10 khoản 1 điểm m", Text: "Vi phạm hành chính đối với nhiều người, trẻ em, người già, người khuyết tật, phụ nữ mang thai"},
}

// CircumstanceDeclaration is a circumstance as declared over the API: a code of LegalCircumstances
// and, for the Government's other circumstances, the text (also an optional note for any).
type CircumstanceDeclaration struct {
	Code string
	Note string
}

// CircumstancesOf resolves declarations against the law's lists: each becomes a Circumstance with the
// list's kind, text and basis (the note appended). An unknown code is circumstance_unknown; the
// repeat offence is circumstance_unknown too, with the reason that it is applied at approval from
// the subject's decisions (the case view offers them as repeat candidates).
func CircumstancesOf(ds []CircumstanceDeclaration) ([]Circumstance, error) {
	const op = errs.Op("penalty.CircumstancesOf")
	var out []Circumstance
	var fields []errs.FieldError
	for i, d := range ds {
		at := fmt.Sprintf("circumstances[%d]", i)
		var def *LegalCircumstance
		for j := range LegalCircumstances {
			if LegalCircumstances[j].Code == d.Code {
				def = &LegalCircumstances[j]
			}
		}
		note := strings.TrimSpace(d.Note)
		switch {
		case def == nil:
			return nil, errs.E(op, errs.Invalid, errs.CodeCircumstanceUnknown, fmt.Sprintf("%s.code %q", at, d.Code))
		case def.Repeat:
			return nil, errs.E(op, errs.Invalid, errs.CodeCircumstanceUnknown,
				at+": a repeat offence is applied at approval from the subject's earlier decisions (repeat candidates), not declared")
		case def.Other && note == "":
			fields = append(fields, errs.FieldError{Field: at + ".note", Code: errs.CodeRequired})
			continue
		case utf8.RuneCountInString(note) > 1000:
			fields = append(fields, errs.FieldError{Field: at + ".note", Code: errs.CodeTooLong})
			continue
		}
		text := def.Text
		if note != "" {
			text += ": " + note
		}
		out = append(out, Circumstance{Kind: def.Kind, Text: text, Basis: def.Basis})
	}
	if len(fields) > 0 {
		return nil, errs.E(op, errs.Invalid, errs.CodeValidation, fields)
	}
	return out, nil
}
