package client

import (
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkLocalEdit is one answer set on the phone: the answer and its outbox item in one
// transaction, fsynced (synchronous=FULL).
func BenchmarkLocalEdit(b *testing.B) {
	c, err := Open(&Config{StorePath: filepath.Join(b.TempDir(), "phone.db"), ServerURL: "http://127.0.0.1:1"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	id, err := c.CreateVisit(&NewVisit{CampaignID: "c", SiteID: "s", Date: "2026-03-02", ChecklistCode: "x", ChecklistVersion: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.SetAnswer(id, fmt.Sprintf("F%d", i%50), `{"value": true}`); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyPage applies a pulled page of 500 sites of about 600 bytes each, with its checksum.
func BenchmarkApplyPage(b *testing.B) {
	c, err := Open(&Config{StorePath: filepath.Join(b.TempDir(), "phone.db"), ServerURL: "http://127.0.0.1:1"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	page := pullPage{Next: new(string)}
	var sum uint32
	for i := range 500 {
		data := []byte(fmt.Sprintf(`{"id":"%d","name":"Cửa hàng xăng dầu số %d","address":"phường Sông Hiến, Cao Bằng","units":[{"unit_code":"040"}],"instruments":[%s]}`,
			i, i, `{"serial":"CD-0001","kind":"dispenser","verified_until":"2026-12-31"},`+`{"serial":"CD-0002","kind":"dispenser","verified_until":"2026-12-31"},`+`{"serial":"CD-0003","kind":"dispenser","verified_until":"2026-12-31"}`))
		id := newUUIDv7(int64(i))
		page.Changes = append(page.Changes, pullChange{Type: "site", ID: id, Op: "upsert", Version: 0, Data: data})
		sum += entryChecksum("site", id, 0, data)
	}
	cs := int64(sum)
	page.Checksum = &cs
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if out, err := c.applyPage(c.ctx, DatasetSites, page, false); err != nil || out != pageApplied {
			b.Fatal(out, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*500), "µs/entity")
}
