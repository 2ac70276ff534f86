package stats

import (
	"slices"
	"testing"
)

// TestEncodeRowsRoundTrip checks that the stored rows read back exactly, whatever a key or a label
// holds, and that a damaged line is an error rather than a wrong figure.
func TestEncodeRowsRoundTrip(t *testing.T) {
	rows := []Row{
		{Breakdown: ByTotal, Figure: Visits, Subjects: AllSubjects, Value: 5},
		{Breakdown: ByUnit, Key: "u-1", Label: "Huyện Hòa An", Figure: Visits, Subjects: Organisations, Value: 3},
		{Breakdown: ByTeam, Key: "c\t1", Label: "01/KH-TTr\nline\\two\\t", Figure: AmountOutstanding, Subjects: Individuals, Value: -9_000_000_000},
		{Breakdown: ByItem, Key: `fuel-station/F2.3`, Label: "", Figure: ItemsFailed, Subjects: AllSubjects, Value: 0},
	}
	data := EncodeRows(rows)
	got, err := DecodeRows(data)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, rows) {
		t.Fatalf("read back\n%+v\nwant\n%+v", got, rows)
	}
	if got, err := DecodeRows(nil); err != nil || len(got) != 0 {
		t.Fatalf("no rows: %v, %v", got, err)
	}
	for _, bad := range []string{"total\t\t\tvisits\tall\n", "total\t\t\tvisits\tall\tfive\n"} {
		if _, err := DecodeRows([]byte(bad)); err == nil {
			t.Errorf("%q read without an error", bad)
		}
	}
}
