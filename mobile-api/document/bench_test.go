package document

import "testing"

// BenchmarkRenderRecordPDF renders the long record (four pages).
func BenchmarkRenderRecordPDF(b *testing.B) {
	r := parseFixture(b, "long")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RenderRecordPDF(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCanonicalJSON encodes the long record canonically.
func BenchmarkCanonicalJSON(b *testing.B) {
	r := parseFixture(b, "long")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.CanonicalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}
