package stats

// FormColumn is one column of the inspectorate's specialised-inspection results form (biểu tổng hợp
// kết quả thanh tra, kiểm tra chuyên ngành), as ../shared/domain/reporting.yaml knows it: from a
// re-implementation in public code, not from the official annex. Every column is therefore marked
// unverified (Verified false) until checked against the annex of the Government Inspectorate's
// reporting circular; columns the system does not record are left blank (Recorded false), never
// filled with a figure that only looks similar.
type FormColumn struct {
	Number   string // the column's number on the form, e.g. "(2)"
	Label    string // the column's heading
	Unit     string // đơn vị tính
	Amount   bool   // Value is in đồng; the form prints millions (triệu đồng)
	Recorded bool   // whether the system records this column at all
	Figure   Figure // where the value comes from: a figure …
	Key      Breakdown
	KeyValue string      // … for this key of the breakdown (ByTotal: "")
	Subjects SubjectKind // … and this kind of subject
	Note     string      // how the value is taken, or why it is blank
	Verified bool        // checked against the official annex
	Value    int64       // the value (0 when not Recorded)
}

// resultsForm is the form's columns and where each comes from.
var resultsForm = []FormColumn{
	{Number: "(2)", Label: "Số cuộc thanh tra, kiểm tra theo kế hoạch", Unit: "cuộc", Recorded: true, Figure: CampaignsHeld, Key: ByOrigin, KeyValue: "planned", Subjects: AllSubjects,
		Note: "cuộc có lượt kiểm tra trong kỳ"},
	{Number: "(3)", Label: "Số cuộc thanh tra, kiểm tra đột xuất", Unit: "cuộc", Recorded: true, Figure: CampaignsHeld, Key: ByOrigin, KeyValue: "surprise", Subjects: AllSubjects,
		Note: "cuộc có lượt kiểm tra trong kỳ"},
	{Number: "(4)", Label: "Số cuộc đã ban hành kết luận", Unit: "cuộc", Recorded: true, Figure: CampaignsConcluded, Key: ByTotal, Subjects: AllSubjects,
		Note: "theo ngày kết luận"},
	{Number: "(5)", Label: "Số tổ chức được thanh tra, kiểm tra", Unit: "tổ chức", Recorded: true, Figure: SubjectsCovered, Key: ByTotal, Subjects: Organisations},
	{Number: "(6)", Label: "Số cá nhân được thanh tra, kiểm tra", Unit: "cá nhân", Recorded: true, Figure: SubjectsCovered, Key: ByTotal, Subjects: Individuals,
		Note: "hộ kinh doanh tính là cá nhân"},
	{Number: "(8)", Label: "Số tổ chức vi phạm", Unit: "tổ chức", Recorded: true, Figure: SubjectsViolating, Key: ByTotal, Subjects: Organisations,
		Note: "tổ chức có biên bản vi phạm hành chính trong kỳ"},
	{Number: "(9)", Label: "Số cá nhân vi phạm", Unit: "cá nhân", Recorded: true, Figure: SubjectsViolating, Key: ByTotal, Subjects: Individuals,
		Note: "cá nhân có biên bản vi phạm hành chính trong kỳ"},
	{Number: "(11)", Label: "Số tiền vi phạm - tổ chức", Unit: "triệu đồng", Amount: true, Note: "hệ thống chưa ghi nhận số tiền vi phạm (kinh tế)"},
	{Number: "(12)", Label: "Số tiền vi phạm - cá nhân", Unit: "triệu đồng", Amount: true, Note: "hệ thống chưa ghi nhận số tiền vi phạm (kinh tế)"},
	{Number: "(14)", Label: "Kiến nghị thu hồi về ngân sách nhà nước", Unit: "triệu đồng", Amount: true, Note: "hệ thống chưa ghi nhận kiến nghị thu hồi"},
	{Number: "(15)", Label: "Kiến nghị thu hồi về tổ chức, đơn vị", Unit: "triệu đồng", Amount: true, Note: "hệ thống chưa ghi nhận kiến nghị thu hồi"},
	{Number: "(18)", Label: "Số quyết định xử phạt VPHC đối với tổ chức", Unit: "quyết định", Recorded: true, Figure: Decisions, Key: ByTotal, Subjects: Organisations,
		Note: "theo ngày ban hành quyết định"},
	{Number: "(19)", Label: "Số quyết định xử phạt VPHC đối với cá nhân", Unit: "quyết định", Recorded: true, Figure: Decisions, Key: ByTotal, Subjects: Individuals,
		Note: "theo ngày ban hành quyết định"},
	{Number: "(21)", Label: "Số tiền xử phạt VPHC - tổ chức", Unit: "triệu đồng", Amount: true, Recorded: true, Figure: AmountImposed, Key: ByTotal, Subjects: Organisations,
		Note: "tiền phạt của các quyết định ban hành trong kỳ"},
	{Number: "(22)", Label: "Số tiền xử phạt VPHC - cá nhân", Unit: "triệu đồng", Amount: true, Recorded: true, Figure: AmountImposed, Key: ByTotal, Subjects: Individuals,
		Note: "tiền phạt của các quyết định ban hành trong kỳ"},
	{Number: "(24)", Label: "Xử phạt bằng hình thức khác - tổ chức", Unit: "trường hợp", Note: "hệ thống chưa ghi nhận cảnh cáo và hình thức xử phạt bổ sung"},
	{Number: "(25)", Label: "Xử phạt bằng hình thức khác - cá nhân", Unit: "trường hợp", Note: "hệ thống chưa ghi nhận cảnh cáo và hình thức xử phạt bổ sung"},
	{Number: "(26)", Label: "Chuyển cơ quan điều tra - số vụ", Unit: "vụ",
		Note: "hệ thống chưa ghi nhận việc chuyển cơ quan điều tra (chuyển người có thẩm quyền xử phạt là chỉ tiêu khác)"},
	{Number: "(27)", Label: "Chuyển cơ quan điều tra - số đối tượng", Unit: "đối tượng",
		Note: "hệ thống chưa ghi nhận việc chuyển cơ quan điều tra"},
}

// ResultsForm fills the results form's columns from a summary.
func ResultsForm(s Summary) []FormColumn {
	out := make([]FormColumn, len(resultsForm))
	for i, c := range resultsForm {
		if c.Recorded {
			c.Value = s.Value(c.Key, c.KeyValue, c.Figure, c.Subjects)
		}
		out[i] = c
	}
	return out
}
