package app_test

// Pull benchmarks of the sync issue (figures in docs/benchmarks.md):
//
//	go test -run X -bench SyncPull -benchtime 50x ./server/app/
//	TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable go test -run X -bench SyncPull -benchtime 50x ./server/app/
//
// An inspector with 500 sites (of 100 subjects) in one campaign, 200 of them assigned to them, the three
// published checklists and the legal catalogue. The first pull asks every dataset from zero (limit 1000,
// so a dataset comes in one page when it can) and repeats until each is complete; the empty pull asks
// with the cursors the first pull ended with. Each reports the bytes the phone receives gzipped.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/app/apptest"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/registry"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
)

type benchPhone struct {
	srv   *apptest.Server
	token string
}

// serverMs is the sum of the pull handler's times (Server-Timing) over the benchmark.
var serverMs float64

// pull posts one pull and returns the answer's datasets, the gzipped size and the status.
func (p benchPhone) pull(b *testing.B, cursors map[string]string, header ...string) (map[string]pullPage, int, int) {
	body, err := json.Marshal(map[string]any{"datasets": cursors, "limit": 1000})
	if err != nil {
		b.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, p.srv.URL+"/mobile/v1/sync/pull", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Accept-Encoding", "gzip")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultTransport.RoundTrip(req) // no transparent decompression: count the bytes sent
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var dur float64
	if _, err := fmt.Sscanf(res.Header.Get("Server-Timing"), "pull;dur=%g", &dur); err == nil {
		serverMs += dur
	}
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.Fatal(err)
	}
	if res.StatusCode == http.StatusNotModified {
		return nil, len(raw), res.StatusCode
	}
	plain := raw
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			b.Fatal(err)
		}
		if plain, err = io.ReadAll(zr); err != nil {
			b.Fatal(err)
		}
	}
	if res.StatusCode != http.StatusOK {
		b.Fatalf("pull: %d %s", res.StatusCode, plain)
	}
	var out struct {
		Datasets map[string]pullPage `json:"datasets"`
	}
	if err := json.Unmarshal(plain, &out); err != nil {
		b.Fatal(err)
	}
	return out.Datasets, len(raw), res.StatusCode
}

// pullToEnd pulls from cursors until every dataset is complete; it returns the final cursors, the
// gzipped bytes received and the number of entities.
func (p benchPhone) pullToEnd(b *testing.B, cursors map[string]string) (map[string]string, int, int) {
	final := map[string]string{}
	bytesIn, entities := 0, 0
	for round := 0; len(cursors) > 0; round++ {
		if round > 20 {
			b.Fatal("pull never completes")
		}
		ds, n, _ := p.pull(b, cursors)
		bytesIn += n
		next := map[string]string{}
		for name := range cursors {
			page := ds[name]
			entities += len(page.Changes)
			final[name] = page.Next
			if !page.Complete {
				next[name] = page.Next
			}
		}
		cursors = next
	}
	return final, bytesIn, entities
}

func newPullBenchWorld(b *testing.B) benchPhone {
	b.Helper()
	ctx := context.Background()
	srv := apptest.Start(b, apptest.Config(b), clock.NewManual(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)))
	org := srv.Org.ID
	raw, err := schemas.AdminUnits.ReadFile("admin-units/caobang.json")
	if err != nil {
		b.Fatal(err)
	}
	seed, err := adminunit.ParseSeed(raw)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := srv.App.Units.Seed(ctx, identity.Operator, org, seed); err != nil {
		b.Fatal(err)
	}
	insp := srv.CreateAccount(b, "bench-insp", identity.RoleInspector)
	chief := srv.CreateAccount(b, "bench-chief", identity.RoleChief)
	other := srv.CreateAccount(b, "bench-other", identity.RoleInspector)
	units := []registry.SiteUnit{{UnitCode: "040", ValidTo: adminunit.Date(2025, 6, 30)}, {UnitCode: "local-phuong-thuc-phan", ValidFrom: adminunit.Date(2025, 7, 1)}}
	var subjects, sites []string
	var assignments []campaign.Assignment
	for i := range 100 {
		s, err := srv.App.Registry.CreateSubject(ctx, identity.Operator, registry.Subject{OrgID: org, Kind: registry.Organisation,
			Name: fmt.Sprintf("Công ty TNHH Xăng dầu Cao Bằng số %d", i+1), TaxCode: fmt.Sprintf("48%08d", 1000+i), Address: "Phường Hợp Giang, Cao Bằng"})
		if err != nil {
			b.Fatal(err)
		}
		subjects = append(subjects, s.ID)
		for j := range 5 {
			site, err := srv.App.Registry.CreateSite(ctx, identity.Operator, registry.Site{OrgID: org, SubjectID: s.ID, Type: registry.FuelStation,
				Name: fmt.Sprintf("Cửa hàng xăng dầu số %d-%d", i+1, j+1), Address: fmt.Sprintf("Tổ %d, phường Sông Hiến, Cao Bằng", j+1), Units: units})
			if err != nil {
				b.Fatal(err)
			}
			sites = append(sites, site.ID)
			who := other.PersonID
			if len(assignments) < 200 {
				who = insp.PersonID
			}
			assignments = append(assignments, campaign.Assignment{SiteID: site.ID, PersonID: who})
		}
	}
	_, err = srv.App.Campaigns.SaveCampaign(ctx, identity.Operator, campaign.Campaign{OrgID: org, Number: "1/KH-SKHCN",
		DecisionDate: adminunit.Date(2026, 1, 5), Title: "Kiểm tra đo lường, chất lượng xăng dầu năm 2026", Kind: campaign.Check,
		Origin: campaign.Planned, Sectors: []campaign.Sector{campaign.Fuel}, PeriodFrom: adminunit.Date(2026, 1, 10), PeriodTo: adminunit.Date(2026, 12, 31),
		Team:       []campaign.Member{{PersonID: chief.PersonID, Role: campaign.Leader}, {PersonID: insp.PersonID, Role: campaign.TeamMember}, {PersonID: other.PersonID, Role: campaign.TeamMember}},
		SubjectIDs: subjects, SiteIDs: sites, Assignments: assignments})
	if err != nil {
		b.Fatal(err)
	}
	r := srv.Do(b, http.MethodPost, "/mobile/v1/auth/login", "", map[string]any{"login": "bench-insp", "password": apptest.Password,
		"device": map[string]string{"id": "bench-phone", "platform": "android"}})
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(r.Body, &pair); err != nil || pair.AccessToken == "" {
		b.Fatalf("login: %d %s", r.Status, r.Body)
	}
	return benchPhone{srv: srv, token: pair.AccessToken}
}

// fromZero asks every dataset from the start.
func fromZero() map[string]string {
	m := map[string]string{}
	for _, d := range syncfeed.Datasets {
		m[d] = ""
	}
	return m
}

func BenchmarkSyncPull(b *testing.B) {
	p := newPullBenchWorld(b)
	cursors, _, entities := p.pullToEnd(b, fromZero()) // tops up the number block once
	b.Run("first", func(b *testing.B) {
		var bytesIn int
		serverMs = 0
		for b.Loop() {
			_, bytesIn, _ = p.pullToEnd(b, fromZero())
		}
		b.ReportMetric(serverMs/float64(b.N), "server-ms/op")
		b.ReportMetric(float64(bytesIn)/1024, "gzKB/op")
		b.ReportMetric(float64(entities), "entities")
	})
	b.Run("empty", func(b *testing.B) {
		var bytesIn int
		serverMs = 0
		defer func() { b.ReportMetric(serverMs/float64(b.N), "server-ms/op") }()
		for b.Loop() {
			var ds map[string]pullPage
			ds, bytesIn, _ = p.pull(b, cursors)
			for name, page := range ds {
				if len(page.Changes) != 0 {
					b.Fatalf("%s: %d changes in an empty pull", name, len(page.Changes))
				}
			}
		}
		b.ReportMetric(float64(bytesIn), "gzB/op")
	})
}
