package document

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// vietnam is the time the record shows: Vietnam keeps UTC+7 all year, so a fixed zone does, and
// the phone needs no time-zone database.
var vietnam = time.FixedZone("ICT", 7*3600)

// blank stands for a field the content leaves empty, like the dotted line of the paper form.
const blank = "……………"

// RenderRecordPDF renders the record in the layout of form MBB01 (UNCONFIRMED; see the package
// comment). The record is normalised and validated first. The result depends on the content alone:
// the creation date is the time the record was drawn up, resources are written in sorted order and
// no identifier is random, so the phone and the server produce the same bytes. Pages are numbered
// "Trang x/y", and every page carries the record's number and the start of its content hash.
func RenderRecordPDF(r Record) ([]byte, error) {
	r = r.Normalize()
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if err := checkForm(r); err != nil {
		return nil, err
	}
	canon, err := canonicalize(r)
	if err != nil {
		return nil, err
	}
	sum := SHA256Hex(canon)
	// The page count appears in the text ("gồm 02 trang") and in every footer: lay the record out
	// without drawing until the count settles (the count's digits have equal widths, so the second
	// layout confirms the first), then draw it with that count.
	total := 0
	for range 3 {
		n := (&recordRenderer{r: r, sum: sum, total: total}).layout(false).n
		if n == total {
			break
		}
		total = n
	}
	p := (&recordRenderer{r: r, sum: sum, total: total}).layout(true)
	if p.n != total {
		return nil, fmt.Errorf("document: record %s: the page count does not settle", r.RecordID)
	}
	var buf bytes.Buffer
	if err := p.f.Output(&buf); err != nil {
		return nil, fmt.Errorf("document: rendering record %s: %w", r.RecordID, err)
	}
	return buf.Bytes(), nil
}

// recordRenderer lays out one record.
type recordRenderer struct {
	r     Record
	sum   string // SHA-256 of the canonical content
	total int    // pages, or 0 while counting
	p     *page
}

// numberText is "12/BB-VPHC": numbers below 10 take a leading zero (Decree 30/2020/NĐ-CP).
func numberText(n int) string { return fmt.Sprintf("%02d/%s", n, NumberSuffix) }

// dateText is "ngày 05 tháng 02 năm 2025": a day below 10 and the months January and February take
// a leading zero (Decree 30/2020/NĐ-CP).
func dateText(t time.Time) string {
	t = t.In(vietnam)
	month := strconv.Itoa(int(t.Month()))
	if t.Month() <= 2 {
		month = "0" + month
	}
	return fmt.Sprintf("ngày %02d tháng %s năm %d", t.Day(), month, t.Year())
}

// momentText is "hồi 09 giờ 30 phút, ngày 10 tháng 3 năm 2025".
func momentText(t time.Time) string {
	v := t.In(vietnam)
	return fmt.Sprintf("hồi %02d giờ %02d phút, %s", v.Hour(), v.Minute(), dateText(t))
}

// dayText shows a "YYYY-MM-DD" date as "12/04/1985" and a bare year as itself.
func dayText(s string) string {
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.Format("02/01/2006")
	}
	return s
}

func orBlank(s string) string {
	if s == "" {
		return blank
	}
	return s
}

// provision is how a violation's provision is cited: "điểm a khoản 1 Điều 9 Nghị định số
// 119/2017/NĐ-CP (được sửa đổi, bổ sung bởi Nghị định số 126/2021/NĐ-CP)".
func provision(v Violation) string {
	var parts []string
	if v.Point != "" {
		parts = append(parts, "điểm "+v.Point)
	}
	if v.Clause != "" {
		parts = append(parts, "khoản "+v.Clause)
	}
	if v.Article != "" {
		parts = append(parts, "Điều "+v.Article)
	}
	if v.Decree != "" {
		parts = append(parts, "Nghị định số "+v.Decree)
	}
	s := strings.Join(parts, " ")
	if len(v.AmendedBy) > 0 {
		s += " (được sửa đổi, bổ sung bởi Nghị định số " + strings.Join(v.AmendedBy, ", Nghị định số ") + ")"
	}
	return orBlank(s)
}

// roleLabel names a role as the form does, in the body text.
func roleLabel(role, violatorKind string) string {
	switch role {
	case RoleViolator:
		if violatorKind == Organisation {
			return "đại diện tổ chức vi phạm"
		}
		return "cá nhân vi phạm"
	case RoleOfficial:
		return "người lập biên bản"
	case RoleWitness:
		return "người chứng kiến"
	case RoleLocalGovernment:
		return "đại diện chính quyền cấp xã"
	case RoleInterpreter:
		return "người phiên dịch"
	case RoleDamaged:
		return "người bị thiệt hại"
	}
	return role
}

// layout lays the record out, into a PDF when draw is set, and returns the page.
func (rr *recordRenderer) layout(draw bool) *page {
	rr.p = newPage(draw, rr.footer)
	rr.header()
	rr.body()
	rr.signatures()
	rr.fingerprint()
	f := rr.p.f
	if f == nil {
		return rr.p
	}
	f.SetTitle("Biên bản vi phạm hành chính số "+numberText(rr.r.Number), true)
	f.SetSubject(rr.r.IssuingBody.Name, true)
	f.SetKeywords(fmt.Sprintf("%s layout=%d record=%s sha256=%s", RecordForm, RecordLayout, rr.r.RecordID, rr.sum), false) // ASCII: readable without decoding
	f.SetProducer(fmt.Sprintf("thanhtra document %s/%d", RecordForm, RecordLayout), false)
	f.SetCreator("thanhtra", false)
	f.SetCreationDate(rr.r.DrawnUpAt)
	f.SetModificationDate(rr.r.DrawnUpAt)
	return rr.p
}

// footer: the record's number and content hash on the left, "Trang x/y" on the right.
func (rr *recordRenderer) footer(p *page, n int) {
	style, size, y := p.style, p.size, p.y()
	p.setY(pageH - 14*mm)
	p.font("I", footerSize)
	p.text(marginL, 5*mm, "Biên bản số "+numberText(rr.r.Number)+" · mã nội dung "+rr.sum[:16])
	pages := fmt.Sprintf("Trang %d/%d", n, rr.total)
	p.text(pageW-marginR-p.width(pages), 5*mm, pages)
	p.font(style, size)
	p.setY(y)
}

// header: the issuing body on the left, the national motto on the right, then the title.
func (rr *recordRenderer) header() {
	p, r := rr.p, rr.r
	const (
		leftX, leftW   = marginL - 10*mm, 72 * mm
		rightX, rightW = leftX + leftW, pageW - marginR + 5*mm - (leftX + leftW)
		h              = um(5800)
	)
	top := marginT
	// Left: the superior body, the body (bold), a short rule, the number.
	p.setY(top)
	p.font("", 125)
	if r.IssuingBody.Parent != "" {
		p.block(leftX, leftW, h, strings.ToUpper(r.IssuingBody.Parent), alignCenter)
	}
	p.font("B", 125)
	p.block(leftX, leftW, h, strings.ToUpper(r.IssuingBody.Name), alignCenter)
	p.rule(leftX+leftW/2, p.y()+800, 24*mm)
	p.setY(p.y() + 3*mm)
	p.font("", 130)
	p.block(leftX, leftW, h+600, "Số: "+numberText(r.Number), alignCenter)
	leftEnd := p.y()
	// Right: the motto.
	p.setY(top)
	p.font("B", 125)
	p.block(rightX, rightW, h, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", alignCenter)
	p.font("B", 135)
	motto := "Độc lập - Tự do - Hạnh phúc"
	p.block(rightX, rightW, h, motto, alignCenter)
	p.rule(rightX+rightW/2, p.y()+800, p.width(motto))
	rightEnd := p.y() + 3*mm
	p.setY(max(leftEnd, rightEnd) + 7*mm)
	// The title.
	p.font("B", 140)
	p.block(marginL, textW, 7*mm, "BIÊN BẢN VI PHẠM HÀNH CHÍNH", alignCenter)
	p.font("B", 130)
	if r.Matter != "" {
		p.block(marginL, textW, lineH, "Về "+r.Matter, alignCenter)
	}
	if r.Corrects != nil {
		p.font("I", 130)
		p.block(marginL, textW, lineH, fmt.Sprintf("(Sửa đổi, bổ sung Biên bản số %s năm %d)", numberText(r.Corrects.Number), r.Corrects.Year), alignCenter)
	}
	p.rule(pageW/2+(marginL-marginR)/2, p.y()+2500, 40*mm)
	p.setY(p.y() + 6*mm)
	p.font("", bodySize)
}

func (rr *recordRenderer) body() {
	p, r := rr.p, rr.r
	v := r.Violator
	org := v.Kind == Organisation
	p.para(fmt.Sprintf("Hôm nay, %s, tại %s.", momentText(r.DrawnUpAt), orBlank(r.Place)))
	if len(r.LegalBases) == 0 {
		p.para("Căn cứ: " + blank)
	} else {
		p.para("Căn cứ:")
		for i, b := range r.LegalBases {
			end := ";"
			if i == len(r.LegalBases)-1 {
				end = "."
			}
			p.item(4*mm, "-", strings.TrimRight(b, ".;")+end)
		}
	}
	p.para("Chúng tôi gồm:")
	p.para("1. Người có thẩm quyền lập biên bản:")
	if len(r.Officials) == 0 {
		p.item(4*mm, "-", "Họ và tên: "+blank+"; Chức vụ: "+blank+"; Cơ quan: "+blank+".")
	}
	for _, o := range r.Officials {
		p.item(4*mm, "-", fmt.Sprintf("Họ và tên: %s; Chức vụ: %s; Cơ quan: %s.", o.Name, orBlank(o.Title), orBlank(o.Unit)))
	}
	var witnesses, interpreters []Witness
	for _, w := range r.Witnesses {
		if w.Role == RoleInterpreter {
			interpreters = append(interpreters, w)
		} else {
			witnesses = append(witnesses, w)
		}
	}
	p.para("2. Với sự chứng kiến của:")
	if len(witnesses) == 0 {
		p.item(4*mm, "-", "Không có.")
	}
	for _, w := range witnesses {
		p.item(4*mm, "-", witnessText(w))
	}
	if len(interpreters) > 0 {
		p.para("3. Người phiên dịch:")
		for _, w := range interpreters {
			p.item(4*mm, "-", witnessText(w))
		}
	}
	if org {
		p.para("Tiến hành lập biên bản vi phạm hành chính đối với tổ chức có tên sau đây:")
		p.item(4*mm, "-", "Tên của tổ chức: "+v.Name+".")
		p.item(4*mm, "-", "Địa chỉ trụ sở chính: "+orBlank(v.Address)+".")
		p.item(4*mm, "-", "Mã số doanh nghiệp: "+orBlank(v.EnterpriseCode)+".")
		p.item(4*mm, "-", fmt.Sprintf("Số GCN đăng ký đầu tư/doanh nghiệp hoặc GP thành lập/đăng ký hoạt động: %s; ngày cấp: %s; nơi cấp: %s.",
			orBlank(v.Registration), orBlank(dayText(v.RegistrationIssuedOn)), orBlank(v.RegistrationIssuedBy)))
		p.item(4*mm, "-", fmt.Sprintf("Người đại diện theo pháp luật: %s; Giới tính: %s; Chức danh: %s.",
			orBlank(v.Representative), orBlank(v.RepresentativeGender), orBlank(v.RepresentativeTitle)))
	} else {
		p.para("Tiến hành lập biên bản vi phạm hành chính đối với ông (bà) có tên sau đây:")
		p.item(4*mm, "-", fmt.Sprintf("Họ và tên: %s; Giới tính: %s.", v.Name, orBlank(v.Gender)))
		p.item(4*mm, "-", fmt.Sprintf("Ngày, tháng, năm sinh: %s; Quốc tịch: %s.", orBlank(dayText(v.DateOfBirth)), orBlank(v.Nationality)))
		p.item(4*mm, "-", "Nghề nghiệp: "+orBlank(v.Occupation)+".")
		p.item(4*mm, "-", "Nơi ở hiện tại: "+orBlank(v.Address)+".")
		p.item(4*mm, "-", fmt.Sprintf("Số định danh cá nhân/CMND/Hộ chiếu: %s; ngày cấp: %s; nơi cấp: %s.",
			orBlank(v.IDNumber), orBlank(dayText(v.IDIssuedOn)), orBlank(v.IDIssuedBy)))
	}
	p.para("Đã có các hành vi vi phạm hành chính:")
	for i, x := range r.Violations {
		act := x.Act
		if act == "" {
			act = x.CatalogueText
		}
		text := strings.TrimRight(act, ".;") + ". Quy định tại " + provision(x) + "."
		if x.Act != "" && x.CatalogueText != "" {
			text += " Hành vi theo danh mục: " + strings.TrimRight(x.CatalogueText, ".") + "."
		}
		if x.Quantity != "" {
			text += " Số lượng, giá trị khai nhận: " + x.Quantity + "."
		}
		text += " (Mã danh mục: " + x.Code + ")"
		p.item(4*mm, strconv.Itoa(i+1)+".", text)
	}
	if len(r.DamagedParties) == 0 {
		p.para("Cá nhân/tổ chức bị thiệt hại: Không có.")
	} else {
		p.para("Cá nhân/tổ chức bị thiệt hại:")
		for _, d := range r.DamagedParties {
			p.item(4*mm, "-", d.Name+"; địa chỉ: "+orBlank(d.Address)+".")
		}
	}
	rr.statements("Ý kiến trình bày của cá nhân vi phạm/người đại diện của tổ chức vi phạm:", RoleViolator)
	rr.statements("Ý kiến trình bày của đại diện chính quyền, người chứng kiến:", RoleWitness, RoleLocalGovernment, RoleInterpreter)
	rr.statements("Ý kiến trình bày của cá nhân/tổ chức bị thiệt hại:", RoleDamaged)
	p.para("Chúng tôi đã yêu cầu ông (bà)/tổ chức vi phạm chấm dứt ngay hành vi vi phạm.")
	if len(r.Measures) == 0 {
		p.para("Các biện pháp ngăn chặn và bảo đảm xử lý vi phạm hành chính được áp dụng: Không áp dụng.")
	} else {
		p.para("Các biện pháp ngăn chặn và bảo đảm xử lý vi phạm hành chính được áp dụng, gồm:")
		for _, m := range r.Measures {
			p.item(4*mm, "-", m)
		}
	}
	if len(r.SeizedItems) == 0 {
		p.para("Tang vật, phương tiện vi phạm hành chính, giấy phép, chứng chỉ hành nghề bị tạm giữ: Không có.")
	} else {
		p.para("Tạm giữ tang vật, phương tiện vi phạm hành chính, giấy phép, chứng chỉ hành nghề, gồm:")
		for i, s := range r.SeizedItems {
			text := s.Name
			if s.Quantity != "" {
				text += "; số lượng: " + s.Quantity
				if s.Unit != "" {
					text += " " + s.Unit
				}
			}
			if s.Note != "" {
				text += "; " + strings.TrimRight(s.Note, ".")
			}
			p.item(4*mm, strconv.Itoa(i+1)+".", text+".")
		}
		p.para("Ngoài các tang vật, phương tiện, giấy tờ nêu trên, chúng tôi không tạm giữ thêm thứ gì khác.")
	}
	if len(r.Evidence) > 0 {
		p.para(fmt.Sprintf("Kèm theo biên bản: %d ảnh, tài liệu (mỗi tệp kèm mã SHA-256 của nội dung):", len(r.Evidence)))
		for i, e := range r.Evidence {
			p.item(4*mm, strconv.Itoa(i+1)+".", evidenceCaption(e)+";\nSHA-256: "+e.SHA256+".")
		}
	}
	if r.ExplanationDays > 0 {
		p.para(fmt.Sprintf("Trong thời hạn %02d ngày làm việc, kể từ ngày lập biên bản này, ông (bà) %s là %s có quyền gửi văn bản yêu cầu được giải trình trực tiếp hoặc văn bản giải trình đến %s để thực hiện quyền giải trình.",
			r.ExplanationDays, rr.violatorPerson(), roleLabel(RoleViolator, v.Kind), orBlank(r.ExplanationTo)))
	}
	if r.ResolutionPlace != "" || r.ResolutionAt != nil {
		when := blank
		if r.ResolutionAt != nil {
			when = momentText(*r.ResolutionAt)
		}
		p.para(fmt.Sprintf("Yêu cầu ông (bà)/tổ chức vi phạm có mặt vào %s, tại %s để giải quyết vụ việc.", when, orBlank(r.ResolutionPlace)))
	}
	if r.Corrects != nil {
		p.para(fmt.Sprintf("Biên bản này sửa đổi, bổ sung Biên bản vi phạm hành chính số %s năm %d; biên bản đó vẫn được lưu giữ.",
			numberText(r.Corrects.Number), r.Corrects.Year))
	}
	completed := blank
	if r.CompletedAt != nil {
		completed = momentText(*r.CompletedAt)
	}
	copies := blank
	if r.Copies > 0 {
		copies = fmt.Sprintf("%02d", r.Copies)
	}
	pages := fmt.Sprintf("%02d", rr.total)
	p.para(fmt.Sprintf("Biên bản lập xong %s, gồm %s trang, được lập thành %s bản có nội dung và giá trị như nhau; đã đọc lại cho những người có tên trên cùng nghe, công nhận là đúng và cùng ký tên dưới đây; giao cho ông (bà)/tổ chức vi phạm 01 bản.",
		completed, pages, copies))
	for _, s := range r.Signatures {
		if s.Refused {
			p.para(fmt.Sprintf("Lý do ông (bà) %s (%s) không ký biên bản: %s.", s.Name, roleLabel(s.Role, v.Kind),
				strings.TrimRight(orBlank(s.RefusalReason), ".")))
		}
	}
}

// evidenceCaption is the caption, or the kind of evidence and when it was taken.
func evidenceCaption(e Evidence) string {
	if e.Caption != "" {
		return e.Caption
	}
	s := "Tài liệu"
	if e.Kind == EvidencePhoto {
		s = "Ảnh chụp"
	}
	if e.CapturedAt != nil {
		s += " " + momentText(*e.CapturedAt)
	}
	return s
}

// violatorPerson is the individual, or the organisation's representative.
func (rr *recordRenderer) violatorPerson() string {
	v := rr.r.Violator
	if v.Kind == Organisation {
		return orBlank(v.Representative)
	}
	return v.Name
}

func witnessText(w Witness) string {
	s := "Họ và tên: " + w.Name
	switch {
	case w.Title != "" || w.Unit != "":
		s += "; Chức vụ: " + orBlank(w.Title) + "; Cơ quan: " + orBlank(w.Unit)
	default:
		s += "; Nghề nghiệp: " + orBlank(w.Occupation) + "; Nơi ở hiện nay: " + orBlank(w.Address)
	}
	if w.IDNumber != "" {
		s += "; Số định danh cá nhân: " + w.IDNumber
	}
	if w.Role == RoleLocalGovernment {
		s += " (đại diện chính quyền cấp xã)"
	}
	return s + "."
}

func (rr *recordRenderer) statements(heading string, roles ...string) {
	var list []Statement
	for _, s := range rr.r.Statements {
		for _, role := range roles {
			if s.Role == role {
				list = append(list, s)
			}
		}
	}
	if len(list) == 0 {
		rr.p.para(heading + " Không có.")
		return
	}
	rr.p.para(heading)
	for _, s := range list {
		text := strings.TrimSpace(s.Text)
		if s.Name != "" {
			text = "Ông (bà) " + s.Name + ": " + text
		}
		rr.p.item(4*mm, "-", text)
	}
}

// sigCell is one signature's place: the heading of its role (on the first of the role's cells), what
// to write, and the signature or its refusal.
type sigCell struct {
	heading, hint string
	sig           Signature
}

// signatures draws one cell per signature in two columns: the violator's side on the left, the
// officials' on the right, as on the form. Each row of two cells stays on one page. A role with no
// signature yet still gets its cell, blank, to be signed by hand on a printed copy.
func (rr *recordRenderer) signatures() {
	p, r := rr.p, rr.r
	cells := func(heading, hint, role string, always bool) []sigCell {
		var out []sigCell
		for _, s := range r.Signatures {
			if s.Role == role {
				out = append(out, sigCell{hint: hint, sig: s})
			}
		}
		if len(out) == 0 && always {
			out = append(out, sigCell{hint: hint})
		}
		if len(out) > 0 {
			// The heading and what to write go on the role's first cell only.
			out[0].heading = heading
		} else {
			return nil
		}
		for i := 1; i < len(out); i++ {
			out[i].hint = ""
		}
		return out
	}
	violatorHeading := "CÁ NHÂN VI PHẠM"
	if r.Violator.Kind == Organisation {
		violatorHeading = "ĐẠI DIỆN TỔ CHỨC VI PHẠM"
	}
	const nameHint, titleHint = "(Ký, ghi rõ họ và tên)", "(Ký, ghi rõ chức vụ, họ và tên)"
	var leftCol, rightCol []sigCell
	leftCol = append(leftCol, cells(violatorHeading, nameHint, RoleViolator, true)...)
	leftCol = append(leftCol, cells("ĐẠI DIỆN CHÍNH QUYỀN", titleHint, RoleLocalGovernment, false)...)
	leftCol = append(leftCol, cells("NGƯỜI CHỨNG KIẾN", nameHint, RoleWitness, false)...)
	leftCol = append(leftCol, cells("NGƯỜI BỊ THIỆT HẠI", nameHint, RoleDamaged, false)...)
	rightCol = append(rightCol, cells("NGƯỜI LẬP BIÊN BẢN", titleHint, RoleOfficial, true)...)
	rightCol = append(rightCol, cells("NGƯỜI PHIÊN DỊCH", nameHint, RoleInterpreter, false)...)
	const colW = textW / 2
	p.setY(p.y() + 3*mm)
	for i := range max(len(leftCol), len(rightCol)) {
		var l, rt *sigCell
		if i < len(leftCol) {
			l = &leftCol[i]
		}
		if i < len(rightCol) {
			rt = &rightCol[i]
		}
		h := max(rr.cellHeight(l, colW), rr.cellHeight(rt, colW))
		p.ensure(h)
		top := p.y()
		rr.drawCell(l, marginL, colW, top)
		rr.drawCell(rt, marginL+colW, colW, top)
		p.setY(top + h)
	}
	p.font("", bodySize)
}

const (
	sigHeadH  = um(5600)
	sigHintH  = um(5000)
	sigSpaceH = 20 * mm // room for a handwritten signature
	sigNameH  = 6 * mm
	sigNoteH  = um(4400)
)

// cellHeight is the height of a signature cell, with a gap under it.
func (rr *recordRenderer) cellHeight(c *sigCell, w um) um {
	if c == nil {
		return 0
	}
	p := rr.p
	h := rr.sigHeight(c.sig, w) + sigNameH + 3*mm
	if c.heading != "" {
		p.font("B", 120)
		h += p.height(c.heading, w-4*mm, sigHeadH)
	}
	if c.hint != "" {
		h += sigHintH
	}
	if c.sig.Title != "" {
		p.font("", 120)
		h += p.height(c.sig.Title, w-4*mm, sigNameH)
	}
	return h
}

// sigHeight is the room for one signature: the space to sign, or more when its notes need more.
func (rr *recordRenderer) sigHeight(s Signature, w um) um {
	p := rr.p
	p.font("I", 100)
	return max(sigSpaceH, p.height(rr.sigNote(s), w-8*mm, sigNoteH)+4*mm)
}

// sigNote says what happened to a signature: signed (with the image's hash), refused (with the
// reason), or nothing yet, which leaves the space blank for a handwritten signature.
func (rr *recordRenderer) sigNote(s Signature) string {
	switch {
	case s.Signed && s.ImageSHA256 != "":
		return "(Đã ký)\nMã ảnh chữ ký: " + s.ImageSHA256[:16]
	case s.Signed:
		return "(Đã ký)"
	case s.Refused:
		return "(Từ chối ký)\nLý do: " + strings.TrimRight(orBlank(s.RefusalReason), ".") + "."
	}
	return ""
}

func (rr *recordRenderer) drawCell(c *sigCell, x, w, top um) {
	if c == nil {
		return
	}
	p := rr.p
	p.setY(top)
	if c.heading != "" {
		p.font("B", 120)
		p.block(x+2*mm, w-4*mm, sigHeadH, c.heading, alignCenter)
	}
	if c.hint != "" {
		p.font("I", 110)
		p.block(x+2*mm, w-4*mm, sigHintH, c.hint, alignCenter)
	}
	space := rr.sigHeight(c.sig, w)
	start := p.y()
	p.setY(start + 2*mm)
	p.font("I", 100)
	p.block(x+4*mm, w-8*mm, sigNoteH, rr.sigNote(c.sig), alignCenter)
	p.setY(start + space)
	if c.sig.Title != "" {
		p.font("", 120)
		p.block(x+2*mm, w-4*mm, sigNameH, c.sig.Title, alignCenter)
	}
	p.font("B", 120)
	p.block(x+2*mm, w-4*mm, sigNameH, c.sig.Name, alignCenter)
}

// fingerprint prints the content's full SHA-256 under the signatures, so that a printed copy can be
// checked against the stored content.
func (rr *recordRenderer) fingerprint() {
	p := rr.p
	p.font("I", footerSize)
	p.setY(p.y() + 2*mm)
	p.block(marginL, textW, 4500, "Mã SHA-256 của nội dung biên bản ("+RecordForm+", mẫu trình bày "+strconv.Itoa(RecordLayout)+"): "+rr.sum, alignLeft)
	p.font("", bodySize)
}
