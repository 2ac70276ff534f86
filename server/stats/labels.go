package stats

// The Vietnamese names the outputs print (D20: Vietnamese first). Codes stay the keys: a name may be
// reworded without changing a frozen month, whose rows carry codes.

// BreakdownNames are the breakdowns' names.
var BreakdownNames = map[Breakdown]string{
	ByTotal:     "Tổng hợp",
	BySector:    "Theo lĩnh vực",
	ByUnit:      "Theo đơn vị hành chính",
	ByTeam:      "Theo đoàn",
	ByInspector: "Theo thanh tra viên",
	ByKind:      "Theo hình thức",
	ByOrigin:    "Theo kế hoạch / đột xuất",
	ByItem:      "Theo nội dung kiểm tra không đạt",
	ByViolation: "Theo hành vi vi phạm",
	ByPlan:      "Kết quả so với kế hoạch năm",
}

// FigureNames are the figures' names.
var FigureNames = map[Figure]string{
	CampaignsHeld:      "Số cuộc thanh tra, kiểm tra",
	CampaignsConcluded: "Số cuộc đã ban hành kết luận",
	SubjectsCovered:    "Số đối tượng được thanh tra, kiểm tra",
	SitesVisited:       "Số cơ sở được kiểm tra",
	Visits:             "Số lượt kiểm tra tại cơ sở",
	InstrumentsChecked: "Số phương tiện đo được kiểm tra",
	ItemsFailed:        "Số nội dung kiểm tra không đạt",
	Records:            "Số biên bản vi phạm hành chính",
	SubjectsViolating:  "Số đối tượng vi phạm",
	Violations:         "Số hành vi vi phạm",
	Decisions:          "Số quyết định xử phạt đã ban hành",
	SubjectsFined:      "Số đối tượng bị xử phạt",
	AmountImposed:      "Số tiền xử phạt (đồng)",
	AmountCollected:    "Số tiền đã nộp (đồng)",
	AmountOutstanding:  "Số tiền chưa nộp cuối kỳ (đồng)",
	AmountOverdue:      "Trong đó quá hạn (đồng)",
	CasesForwarded:     "Số vụ chuyển người có thẩm quyền",
	PlanTarget:         "Chỉ tiêu kế hoạch năm",
	PlanActual:         "Thực hiện từ đầu năm",
	PlanPercent:        "Tỷ lệ đạt (%)",
}

// SubjectKindNames are the subject kinds' names (column headings).
var SubjectKindNames = map[SubjectKind]string{
	AllSubjects:   "Tổng số",
	Organisations: "Tổ chức",
	Individuals:   "Cá nhân",
}

// keyNames name the fixed keys of some breakdowns.
var keyNames = map[Breakdown]map[string]string{
	BySector: {"fuel": "Xăng dầu", "market": "Đo lường, hàng đóng gói sẵn (chợ, cửa hàng)", "radiation": "An toàn bức xạ (X-quang)", "other": "Khác"},
	ByKind:   {"inspection": "Thanh tra chuyên ngành", "check": "Kiểm tra"},
	ByOrigin: {"planned": "Theo kế hoạch", "surprise": "Đột xuất"},
}

var metricNames = map[string]string{"campaigns": "cuộc thanh tra, kiểm tra", "sites_inspected": "cơ sở được kiểm tra", "instruments_checked": "phương tiện đo được kiểm tra"}

// KeyName is how a row's key is printed: its label when it has one (a unit's name as it was, a
// person's name, a campaign's number), the fixed name of a sector, kind or origin, or the key itself.
func KeyName(r Row) string {
	if r.Label != "" {
		return r.Label
	}
	if n, ok := keyNames[r.Breakdown][r.Key]; ok {
		return n
	}
	if r.Breakdown == ByPlan {
		for i := 0; i < len(r.Key); i++ {
			if r.Key[i] == '/' {
				return keyNames[BySector][r.Key[:i]] + ": " + metricNames[r.Key[i+1:]]
			}
		}
	}
	if r.Breakdown == ByUnit && r.Key == "" {
		return "(chưa xác định đơn vị hành chính)"
	}
	return r.Key
}
