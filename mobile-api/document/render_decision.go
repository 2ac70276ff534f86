package document

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// RenderDecisionPDF renders the decision in the layout of form MQĐ02 (UNCONFIRMED; see
// docs/documents.md). The decision is normalised and validated first. As for records, the result
// depends on the content alone (the creation date is the time of issue), so it can be rendered again
// byte for byte; pages are numbered "Trang x/y" and carry the decision's number and content hash.
func RenderDecisionPDF(d Decision) ([]byte, error) {
	d = d.Normalize()
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if d.Form != DecisionForm || d.Layout != DecisionLayout {
		return nil, fmt.Errorf("%w: %s layout %d (this renderer: %s layout %d)", ErrLayout, d.Form, d.Layout, DecisionForm, DecisionLayout)
	}
	canon, err := canonicalize(d)
	if err != nil {
		return nil, err
	}
	sum := SHA256Hex(canon)
	total := 0
	for range 3 {
		n := (&decisionRenderer{d: d, sum: sum, total: total}).layout(false).n
		if n == total {
			break
		}
		total = n
	}
	p := (&decisionRenderer{d: d, sum: sum, total: total}).layout(true)
	if p.n != total {
		return nil, fmt.Errorf("document: decision %s: the page count does not settle", d.CaseID)
	}
	var buf bytes.Buffer
	if err := p.f.Output(&buf); err != nil {
		return nil, fmt.Errorf("document: rendering decision %s: %w", d.CaseID, err)
	}
	return buf.Bytes(), nil
}

// decisionRenderer lays out one decision.
type decisionRenderer struct {
	d     Decision
	sum   string
	total int
	p     *page
}

// decisionNumberText is "03/QĐ-XPHC".
func decisionNumberText(n int) string { return fmt.Sprintf("%02d/%s", n, DecisionNumberSuffix) }

// amountText is "15.000.000 đồng (Bằng chữ: Mười lăm triệu đồng)".
func amountText(n int64) string { return VNDFigures(n) + " (Bằng chữ: " + VNDWords(n) + ")" }

func (dr *decisionRenderer) layout(draw bool) *page {
	dr.p = newPage(draw, dr.footer)
	dr.header()
	dr.body()
	dr.signature()
	p := dr.p
	p.font("I", footerSize)
	p.setY(p.y() + 2*mm)
	p.block(marginL, textW, 4500, "Mã SHA-256 của nội dung quyết định ("+DecisionForm+", mẫu trình bày "+strconv.Itoa(DecisionLayout)+"): "+dr.sum, alignLeft)
	f := p.f
	if f == nil {
		return p
	}
	f.SetTitle("Quyết định xử phạt vi phạm hành chính số "+decisionNumberText(dr.d.Number), true)
	f.SetSubject(dr.d.IssuingBody.Name, true)
	f.SetKeywords(fmt.Sprintf("MQD02 layout=%d case=%s sha256=%s", DecisionLayout, dr.d.CaseID, dr.sum), false)
	f.SetProducer(fmt.Sprintf("thanhtra document MQD02/%d", DecisionLayout), false)
	f.SetCreator("thanhtra", false)
	f.SetCreationDate(dr.d.IssuedAt)
	f.SetModificationDate(dr.d.IssuedAt)
	return p
}

func (dr *decisionRenderer) footer(p *page, n int) {
	style, size, y := p.style, p.size, p.y()
	p.setY(pageH - 14*mm)
	p.font("I", footerSize)
	p.text(marginL, 5*mm, "Quyết định số "+decisionNumberText(dr.d.Number)+" · mã nội dung "+dr.sum[:16])
	pages := fmt.Sprintf("Trang %d/%d", n, dr.total)
	p.text(pageW-marginR-p.width(pages), 5*mm, pages)
	p.font(style, size)
	p.setY(y)
}

// header: the issuing body and the number on the left; the motto and the place and date on the
// right; then the title.
func (dr *decisionRenderer) header() {
	p, d := dr.p, dr.d
	const (
		leftX, leftW   = marginL - 10*mm, 72 * mm
		rightX, rightW = leftX + leftW, pageW - marginR + 5*mm - (leftX + leftW)
		h              = um(5800)
	)
	top := marginT
	p.setY(top)
	p.font("", 125)
	if d.IssuingBody.Parent != "" {
		p.block(leftX, leftW, h, strings.ToUpper(d.IssuingBody.Parent), alignCenter)
	}
	p.font("B", 125)
	p.block(leftX, leftW, h, strings.ToUpper(d.IssuingBody.Name), alignCenter)
	p.rule(leftX+leftW/2, p.y()+800, 24*mm)
	p.setY(p.y() + 3*mm)
	p.font("", 130)
	p.block(leftX, leftW, h+600, "Số: "+decisionNumberText(d.Number), alignCenter)
	leftEnd := p.y()
	p.setY(top)
	p.font("B", 125)
	p.block(rightX, rightW, h, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", alignCenter)
	p.font("B", 135)
	motto := "Độc lập - Tự do - Hạnh phúc"
	p.block(rightX, rightW, h, motto, alignCenter)
	p.rule(rightX+rightW/2, p.y()+800, p.width(motto))
	p.setY(p.y() + 3*mm)
	p.font("I", 130)
	p.block(rightX, rightW, h+600, orBlank(d.Place)+", "+dateText(d.IssuedAt), alignCenter)
	rightEnd := p.y()
	p.setY(max(leftEnd, rightEnd) + 7*mm)
	p.font("B", 140)
	p.block(marginL, textW, 7*mm, "QUYẾT ĐỊNH", alignCenter)
	p.font("B", 130)
	title := "Xử phạt vi phạm hành chính"
	if d.Matter != "" {
		title += " trong " + d.Matter
	}
	p.block(marginL, textW, lineH, title, alignCenter)
	p.rule(pageW/2+(marginL-marginR)/2, p.y()+2500, 40*mm)
	p.setY(p.y() + 6*mm)
	p.font("", bodySize)
}

// violatorLabel is how the body names the violator: "ông (bà) …" or "tổ chức …".
func (dr *decisionRenderer) violatorLabel() string {
	if dr.d.Violator.Kind == Organisation {
		return "tổ chức " + dr.d.Violator.Name
	}
	return "ông (bà) " + dr.d.Violator.Name
}

func (dr *decisionRenderer) body() {
	p, d := dr.p, dr.d
	for _, b := range d.LegalBases {
		p.para("Căn cứ " + strings.TrimPrefix(strings.TrimRight(b, ".;"), "Căn cứ ") + ";")
	}
	p.para(fmt.Sprintf("Căn cứ Biên bản vi phạm hành chính số %s lập %s;", numberText(d.Record.Number), dateText(d.Record.DrawnUpAt)))
	p.para(fmt.Sprintf("Tôi: %s; Chức vụ: %s; Đơn vị: %s.", d.Signer.Name, d.Signer.Title, orBlank(d.Signer.Unit)))
	p.setY(p.y() + 2*mm)
	p.font("B", bodySize)
	p.block(marginL, textW, lineH, "QUYẾT ĐỊNH:", alignCenter)
	p.setY(p.y() + 2*mm)
	v := d.Violator
	if v.Kind == Organisation {
		p.para("Điều 1. Xử phạt vi phạm hành chính đối với tổ chức có tên sau đây:")
		p.font("", bodySize)
		p.item(4*mm, "-", "Tên của tổ chức: "+v.Name+".")
		p.item(4*mm, "-", "Địa chỉ trụ sở chính: "+orBlank(v.Address)+".")
		p.item(4*mm, "-", "Mã số doanh nghiệp: "+orBlank(v.EnterpriseCode)+".")
		p.item(4*mm, "-", fmt.Sprintf("Số GCN đăng ký đầu tư/doanh nghiệp hoặc GP thành lập/đăng ký hoạt động: %s; ngày cấp: %s; nơi cấp: %s.",
			orBlank(v.Registration), orBlank(dayText(v.RegistrationIssuedOn)), orBlank(v.RegistrationIssuedBy)))
		p.item(4*mm, "-", fmt.Sprintf("Người đại diện theo pháp luật: %s; Giới tính: %s; Chức danh: %s.",
			orBlank(v.Representative), orBlank(v.RepresentativeGender), orBlank(v.RepresentativeTitle)))
	} else {
		p.para("Điều 1. Xử phạt vi phạm hành chính đối với ông (bà) có tên sau đây:")
		p.font("", bodySize)
		p.item(4*mm, "-", fmt.Sprintf("Họ và tên: %s; Giới tính: %s.", v.Name, orBlank(v.Gender)))
		p.item(4*mm, "-", fmt.Sprintf("Ngày, tháng, năm sinh: %s; Quốc tịch: %s.", orBlank(dayText(v.DateOfBirth)), orBlank(v.Nationality)))
		p.item(4*mm, "-", "Nghề nghiệp: "+orBlank(v.Occupation)+".")
		p.item(4*mm, "-", "Nơi ở hiện tại: "+orBlank(v.Address)+".")
		p.item(4*mm, "-", fmt.Sprintf("Số định danh cá nhân/CMND/Hộ chiếu: %s; ngày cấp: %s; nơi cấp: %s.",
			orBlank(v.IDNumber), orBlank(dayText(v.IDIssuedOn)), orBlank(v.IDIssuedBy)))
	}
	p.para("1. Đã thực hiện hành vi vi phạm hành chính:")
	for i, x := range d.Violations {
		p.item(4*mm, fmt.Sprintf("%d.", i+1), strings.TrimRight(x.Act, ".;")+". (Mã danh mục: "+x.Code+")")
	}
	p.para("2. Quy định tại:")
	for i, x := range d.Violations {
		p.item(4*mm, fmt.Sprintf("%d.", i+1), provision(Violation{Point: x.Point, Clause: x.Clause, Article: x.Article, Decree: x.Decree, AmendedBy: x.AmendedBy})+".")
	}
	dr.circumstances("3. Các tình tiết tăng nặng:", func(x DecisionViolation) []string { return x.Aggravating })
	dr.circumstances("4. Các tình tiết giảm nhẹ:", func(x DecisionViolation) []string { return x.Mitigating })
	p.para("5. Bị áp dụng hình thức xử phạt, biện pháp khắc phục hậu quả như sau:")
	p.item(4*mm, "a)", "Hình thức xử phạt chính: Phạt tiền.")
	for i, x := range d.Violations {
		text := "Mức phạt: " + amountText(x.Fine) + "."
		if len(d.Violations) > 1 {
			text = fmt.Sprintf("Đối với hành vi thứ %d: mức phạt %s.", i+1, amountText(x.Fine))
		}
		text += fmt.Sprintf(" Khung tiền phạt: từ %s đến %s", VNDFigures(x.RangeMin), VNDFigures(x.RangeMax))
		if !x.RangeVerified {
			text += " (khung phạt chưa được đối chiếu với văn bản gốc)"
		}
		p.item(10*mm, "-", text+".")
	}
	if len(d.Violations) > 1 {
		p.item(10*mm, "-", "Tổng số tiền phạt: "+amountText(d.Total)+".")
	}
	dr.list(4*mm, "b)", "Hình thức xử phạt bổ sung:", d.AdditionalPenalties)
	dr.list(4*mm, "c)", "Biện pháp khắc phục hậu quả:", d.RemedialMeasures)
	p.font("B", bodySize)
	p.para("Điều 2. Quyết định này có hiệu lực kể từ ngày ký.")
	p.para("Điều 3. Quyết định này được:")
	p.font("", bodySize)
	days := d.PaymentDays
	if days == 0 {
		days = 10
	}
	who := dr.violatorLabel()
	p.item(4*mm, "1.", fmt.Sprintf("Giao cho %s để chấp hành. %s phải nghiêm chỉnh chấp hành Quyết định xử phạt này. Trường hợp không tự nguyện chấp hành thì bị cưỡng chế thi hành theo quy định của pháp luật.",
		who, capitalize(who)))
	p.item(10*mm, "", fmt.Sprintf("%s phải nộp tiền phạt tại %s trong thời hạn %02d ngày, kể từ ngày nhận được Quyết định xử phạt. Quá thời hạn trên mà chưa nộp tiền phạt thì cứ mỗi ngày chậm nộp phạt phải nộp thêm tiền chậm nộp phạt theo quy định của pháp luật.",
		capitalize(who), orBlank(d.PaymentPlace), days))
	p.item(10*mm, "", capitalize(who)+" có quyền khiếu nại hoặc khởi kiện hành chính đối với Quyết định này theo quy định của pháp luật.")
	p.item(4*mm, "2.", "Gửi cho "+orBlank(d.Collector)+" để thu tiền phạt.")
	p.item(4*mm, "3.", "Gửi cho "+orBlank(d.Executor)+" để tổ chức thực hiện Quyết định này.")
}

// circumstances lists the circumstances of every violation, by violation when there are several.
func (dr *decisionRenderer) circumstances(heading string, of func(DecisionViolation) []string) {
	p, d := dr.p, dr.d
	var items []string
	for i, x := range d.Violations {
		for _, c := range of(x) {
			c = strings.TrimRight(c, ".;")
			if len(d.Violations) > 1 {
				c = fmt.Sprintf("(hành vi thứ %d) %s", i+1, c)
			}
			items = append(items, c)
		}
	}
	if len(items) == 0 {
		p.para(heading + " Không có.")
		return
	}
	p.para(heading)
	for _, c := range items {
		p.item(4*mm, "-", c+".")
	}
}

// list prints a lettered item with its entries, or "Không" when it has none.
func (dr *decisionRenderer) list(indent um, marker, heading string, entries []string) {
	p := dr.p
	if len(entries) == 0 {
		p.item(indent, marker, heading+" Không.")
		return
	}
	p.item(indent, marker, heading)
	for _, e := range entries {
		p.item(indent+6*mm, "-", strings.TrimRight(e, ".;")+".")
	}
}

// signature: the recipients on the left, the signer on the right, kept on one page.
func (dr *decisionRenderer) signature() {
	p, d := dr.p, dr.d
	const colW = textW / 2
	p.font("", 120)
	titleH := p.height(strings.ToUpper(d.Signer.Title), colW-4*mm, sigNameH)
	h := sigHeadH + sigHintH + titleH + sigSpaceH + sigNameH + 4*mm
	p.setY(p.y() + 3*mm)
	p.ensure(h)
	top := p.y()
	// Left: the recipients.
	p.font("B", 115)
	p.block(marginL, colW, sigHeadH, "Nơi nhận:", alignLeft)
	p.font("", 110)
	for _, r := range []string{"- Như Điều 3;", "- Lưu: Hồ sơ."} {
		p.block(marginL, colW, sigHintH, r, alignLeft)
	}
	// Right: the signer.
	x := marginL + colW
	p.setY(top)
	p.font("B", 120)
	p.block(x+2*mm, colW-4*mm, sigHeadH, "NGƯỜI RA QUYẾT ĐỊNH", alignCenter)
	p.font("I", 110)
	p.block(x+2*mm, colW-4*mm, sigHintH, "(Ký, đóng dấu (nếu có); ghi rõ chức vụ, họ và tên)", alignCenter)
	p.font("B", 120)
	p.block(x+2*mm, colW-4*mm, sigNameH, strings.ToUpper(d.Signer.Title), alignCenter)
	p.setY(p.y() + sigSpaceH)
	p.block(x+2*mm, colW-4*mm, sigNameH, d.Signer.Name, alignCenter)
	p.setY(max(p.y(), top+h))
	p.font("", bodySize)
}
