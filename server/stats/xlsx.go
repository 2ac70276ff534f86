package stats

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// sheetNames are the XLSX sheets of the breakdowns (at most 31 characters, as Excel allows).
var sheetNames = map[Breakdown]string{
	ByTotal:     "Tổng hợp",
	BySector:    "Lĩnh vực",
	ByUnit:      "Đơn vị hành chính",
	ByTeam:      "Đoàn",
	ByInspector: "Thanh tra viên",
	ByKind:      "Hình thức",
	ByOrigin:    "Kế hoạch - đột xuất",
	ByItem:      "Nội dung không đạt",
	ByViolation: "Hành vi vi phạm",
	ByPlan:      "Kế hoạch năm",
}

const (
	formSheet     = "Biểu kết quả TTCN"
	revisionSheet = "Điều chỉnh"
)

// WriteXLSX writes a report as an XLSX workbook: the inspectorate's specialised-inspection results
// form first (its columns marked unverified), then one sheet per breakdown (a row per key and
// figure, with everyone, organisations and individuals side by side), and for a frozen month with
// later changes a sheet listing the revision. Sheets are written with excelize's StreamWriter, which
// spills to temporary files beyond 16 MB instead of holding the sheet in memory.
func WriteXLSX(w io.Writer, r Report) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("stats.WriteXLSX: %w", cerr)
		}
	}()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("stats.WriteXLSX: %w", err)
	}
	if err := f.SetSheetName("Sheet1", formSheet); err != nil {
		return fmt.Errorf("stats.WriteXLSX: %w", err)
	}
	if err := writeFormSheet(f, r, bold); err != nil {
		return fmt.Errorf("stats.WriteXLSX: %w", err)
	}
	lines := Lines(r.Summary)
	for _, b := range Breakdowns {
		if err := writeBreakdownSheet(f, r, b, lines, bold); err != nil {
			return fmt.Errorf("stats.WriteXLSX %s: %w", b, err)
		}
	}
	if r.Revision != nil && len(r.Revision.Changes) > 0 {
		if err := writeRevisionSheet(f, r, bold); err != nil {
			return fmt.Errorf("stats.WriteXLSX: %w", err)
		}
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("stats.WriteXLSX: %w", err)
	}
	return nil
}

// header writes the title rows every sheet starts with and returns the next row.
func header(sw *excelize.StreamWriter, r Report, title string, bold int) (int, error) {
	s := r.Summary
	rows := [][]any{
		{excelize.Cell{StyleID: bold, Value: title}},
		{"Kỳ báo cáo", s.Period.String(), "Từ ngày", s.First.String(), "Đến ngày", s.Last.String()},
		{"Phạm vi", s.Scope.String()},
	}
	if r.Frozen != nil {
		rows = append(rows, []any{"Số liệu đã khóa", r.Frozen.FrozenAt.UTC().Format("2006-01-02 15:04:05 UTC"), "SHA-256", r.Frozen.SHA256})
	} else {
		rows = append(rows, []any{"Số liệu tính lúc", r.ComputedAt.UTC().Format("2006-01-02 15:04:05 UTC"), "chưa khóa"})
	}
	for i, row := range rows {
		if err := sw.SetRow(fmt.Sprintf("A%d", i+1), row); err != nil {
			return 0, err
		}
	}
	return len(rows) + 2, nil
}

func writeFormSheet(f *excelize.File, r Report, bold int) error {
	sw, err := f.NewStreamWriter(formSheet)
	if err != nil {
		return err
	}
	next, err := header(sw, r, "BIỂU TỔNG HỢP KẾT QUẢ THANH TRA, KIỂM TRA CHUYÊN NGÀNH", bold)
	if err != nil {
		return err
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", next), []any{"Các cột theo danh mục chưa được đối chiếu với phụ lục chính thức của Thanh tra Chính phủ (chưa đối chiếu)."}); err != nil {
		return err
	}
	next += 2
	cols := ResultsForm(r.Summary)
	heads := [][]any{{excelize.Cell{StyleID: bold, Value: "Cột"}}, {excelize.Cell{StyleID: bold, Value: "Nội dung"}},
		{excelize.Cell{StyleID: bold, Value: "Đơn vị tính"}}, {excelize.Cell{StyleID: bold, Value: "Số liệu"}},
		{excelize.Cell{StyleID: bold, Value: "Ghi chú"}}, {excelize.Cell{StyleID: bold, Value: "Đối chiếu phụ lục"}}}
	for _, c := range cols {
		var value any = ""
		if c.Recorded {
			value = c.Value
			if c.Amount {
				value = float64(c.Value) / 1e6
			}
		}
		verified := "chưa đối chiếu"
		if c.Verified {
			verified = "đã đối chiếu"
		}
		heads[0] = append(heads[0], c.Number)
		heads[1] = append(heads[1], c.Label)
		heads[2] = append(heads[2], c.Unit)
		heads[3] = append(heads[3], value)
		heads[4] = append(heads[4], c.Note)
		heads[5] = append(heads[5], verified)
	}
	for i, row := range heads {
		if err := sw.SetRow(fmt.Sprintf("A%d", next+i), row); err != nil {
			return err
		}
	}
	return sw.Flush()
}

func writeBreakdownSheet(f *excelize.File, r Report, b Breakdown, lines []Line, bold int) error {
	name := sheetNames[b]
	if _, err := f.NewSheet(name); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	next, err := header(sw, r, BreakdownNames[b], bold)
	if err != nil {
		return err
	}
	head := []any{}
	for _, h := range []string{"Mã", "Tên", "Chỉ tiêu", "Tên chỉ tiêu", SubjectKindNames[AllSubjects], SubjectKindNames[Organisations], SubjectKindNames[Individuals]} {
		head = append(head, excelize.Cell{StyleID: bold, Value: h})
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", next), head); err != nil {
		return err
	}
	next++
	for _, l := range lines {
		if l.Breakdown != b {
			continue
		}
		row := []any{l.Key, l.Name, string(l.Figure), FigureNames[l.Figure], "", "", ""}
		for i := range 3 {
			if l.Has[i] {
				row[4+i] = l.Values[i]
			}
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", next), row); err != nil {
			return err
		}
		next++
	}
	return sw.Flush()
}

func writeRevisionSheet(f *excelize.File, r Report, bold int) error {
	if _, err := f.NewSheet(revisionSheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(revisionSheet)
	if err != nil {
		return err
	}
	next, err := header(sw, r, "SỐ LIỆU ĐIỀU CHỈNH SAU KHI KHÓA (dữ liệu đến muộn)", bold)
	if err != nil {
		return err
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", next), []any{"Tính lúc", r.ComputedAt.UTC().Format("2006-01-02 15:04:05 UTC"), "SHA-256 hiện tại", r.Revision.SHA256}); err != nil {
		return err
	}
	next += 2
	head := []any{}
	for _, h := range []string{"Phân tổ", "Mã", "Tên", "Chỉ tiêu", "Đối tượng", "Đã khóa", "Hiện tại", "Chênh lệch"} {
		head = append(head, excelize.Cell{StyleID: bold, Value: h})
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", next), head); err != nil {
		return err
	}
	next++
	for _, c := range r.Revision.Changes {
		name := KeyName(Row{Breakdown: c.Breakdown, Key: c.Key, Label: c.Label})
		row := []any{BreakdownNames[c.Breakdown], c.Key, name, FigureNames[c.Figure], SubjectKindNames[c.Subjects], c.Frozen, c.Current, c.Current - c.Frozen}
		if err := sw.SetRow(fmt.Sprintf("A%d", next), row); err != nil {
			return err
		}
		next++
	}
	return sw.Flush()
}
