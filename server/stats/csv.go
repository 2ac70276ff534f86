package stats

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// Line is one printed line of a summary: a figure for one key of one breakdown, with its values for
// everyone, organisations and individuals side by side (Has says which of them the figure has).
type Line struct {
	Breakdown Breakdown
	Key       string
	Name      string // KeyName of the key
	Figure    Figure
	Values    [3]int64 // all, organisations, individuals
	Has       [3]bool
}

// Lines groups a summary's rows (sorted by CompareRows) into lines, in the same stable order.
func Lines(s Summary) []Line {
	var out []Line
	for _, r := range s.Rows {
		n := len(out)
		if n == 0 || out[n-1].Breakdown != r.Breakdown || out[n-1].Key != r.Key || out[n-1].Figure != r.Figure {
			out = append(out, Line{Breakdown: r.Breakdown, Key: r.Key, Name: KeyName(r), Figure: r.Figure})
			n++
		}
		i := index(SubjectKinds, r.Subjects)
		if i < 3 {
			out[n-1].Values[i], out[n-1].Has[i] = r.Value, true
		}
	}
	return out
}

// csvHeader is the CSV's heading row.
var csvHeader = []string{"ky", "pham_vi", "phan_to", "ten_phan_to", "ma", "ten", "chi_tieu", "ten_chi_tieu", "tong_so", "to_chuc", "ca_nhan"}

// WriteCSV writes a report's figures as CSV: UTF-8 with a byte order mark (so that Excel reads the
// Vietnamese letters), one row per breakdown key and figure with the values for everyone,
// organisations and individuals (empty where the figure is not split), in the order of CompareRows.
// Only the figures shown are written (a frozen month's frozen figures), never the revision or the
// time of computing: the CSV of a frozen month is the same bytes whenever it is written.
func WriteCSV(w io.Writer, r Report) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return fmt.Errorf("stats.WriteCSV: %w", err)
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("stats.WriteCSV: %w", err)
	}
	s := r.Summary
	for _, l := range Lines(s) {
		rec := []string{s.Period.String(), s.Scope.String(), string(l.Breakdown), BreakdownNames[l.Breakdown], l.Key, l.Name,
			string(l.Figure), FigureNames[l.Figure], "", "", ""}
		for i := range 3 {
			if l.Has[i] {
				rec[8+i] = strconv.FormatInt(l.Values[i], 10)
			}
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("stats.WriteCSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("stats.WriteCSV: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("stats.WriteCSV: %w", err)
	}
	return nil
}
