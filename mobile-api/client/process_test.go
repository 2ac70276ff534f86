package client_test

// The phone process for the crash tests: this test binary, re-executed with childEnv set, runs a
// script of steps against the client (log in, pull, make visits and records offline, push, sync) and
// prints one JSON line per step. The parent (kill_test.go) arms crash points through client.CrashEnv,
// so the process kills itself with SIGKILL in the middle of a sync, and starts it again on the same
// store.

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/skhcn-caobang/thanhtra/mobile-api/client"
)

// childEnv carries the child's script (a childSpec in JSON).
const childEnv = "THANHTRA_CLIENT_TEST_CHILD"

type childSpec struct {
	Store    string   `json:"store"`
	Server   string   `json:"server"`
	Login    string   `json:"login"`
	Password string   `json:"password"`
	Date     string   `json:"date"` // the visits' day
	Steps    []string `json:"steps"`
	Chunk    int      `json:"chunk"` // UploadChunkBytes
}

// stepResult is the line a child prints per step.
type stepResult struct {
	Step   string               `json:"step"`
	Error  string               `json:"error,omitempty"`
	Pull   *client.PullReport   `json:"pull,omitempty"`
	Push   *client.PushReport   `json:"push,omitempty"`
	Record *client.RecordRef    `json:"record,omitempty"`
	Upload *client.UploadReport `json:"upload,omitempty"`
}

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(runChild(spec))
	}
	os.Exit(m.Run())
}

// runChild runs the steps; a step written "step=code" expects the error code instead of success.
func runChild(specJSON string) int {
	var spec childSpec
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		fmt.Fprintln(os.Stderr, "child spec:", err)
		return 2
	}
	c, err := client.Open(&client.Config{StorePath: spec.Store, ServerURL: spec.Server, DeviceName: "test phone",
		AppVersion: "test", PushBatchSize: 4, PullLimit: 10, HeldBackPauseMillis: 50, MaxAttempts: 4, BackoffBaseMillis: 20,
		BackoffMaxMillis: 200, UploadChunkBytes: spec.Chunk})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		return 2
	}
	defer c.Close()
	out := json.NewEncoder(os.Stdout)
	for _, step := range spec.Steps {
		name, want, _ := strings.Cut(step, "=")
		res, err := childStep(c, &spec, name)
		res.Step = step
		if err != nil {
			res.Error = client.ErrorCode(err)
		}
		out.Encode(res)
		if res.Error != want {
			fmt.Fprintf(os.Stderr, "step %s: error %q (%v), want %q\n", step, res.Error, err, want)
			return 3
		}
	}
	return 0
}

// childStep runs one step; "visits:N" makes N visits, each with two answers in two changes.
func childStep(c *client.Client, spec *childSpec, step string) (stepResult, error) {
	name, arg, _ := strings.Cut(step, ":")
	var res stepResult
	var err error
	switch name {
	case "login":
		err = c.Login(spec.Login, spec.Password)
	case "pull":
		res.Pull, err = c.Pull()
	case "push":
		res.Push, err = c.Push()
	case "sync":
		var r *client.SyncReport
		r, err = c.Sync()
		res.Pull, res.Push, res.Upload = r.Pull, r.Push, r.Upload
	case "upload":
		res.Upload, err = c.Upload()
	case "photos":
		// N unique photos (random noise, 100–250 KB) of the first visit the server took.
		n, _ := strconv.Atoi(arg)
		visitID := goodVisit(c)
		rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
		for range n {
			var b []byte
			if b, err = noisePhoto(rng, 500+rng.IntN(200), 400); err != nil {
				break
			}
			if _, err = c.CaptureEvidence(&client.NewEvidence{VisitID: visitID, Bytes: b}); err != nil {
				break
			}
		}
	case "visits":
		n, _ := strconv.Atoi(arg)
		campaignID, siteID := openCampaign(c)
		for range n {
			var id string
			id, err = c.CreateVisit(&client.NewVisit{CampaignID: campaignID, SiteID: siteID, Date: spec.Date,
				ChecklistCode: "fuel-station", ChecklistVersion: 1, Status: "in_progress"})
			if err != nil {
				break
			}
			if err = c.SetAnswer(id, "F1.1", `{"value": true}`); err != nil {
				break
			}
			if err = c.SetAnswer(id, "F1.3", `{"value": false}`); err != nil {
				break
			}
		}
	case "bad":
		// A visit at a site the campaign does not cover: the server can never take it, nor the answer
		// that follows; both must be set aside without blocking the rest.
		campaignID, _ := openCampaign(c)
		var id string
		id, err = c.CreateVisit(&client.NewVisit{CampaignID: campaignID, SiteID: "01930c2e-7a4b-7c1d-9e2f-000000000bad", Date: spec.Date,
			ChecklistCode: "fuel-station", ChecklistVersion: 1, Status: "in_progress"})
		if err == nil {
			err = c.SetAnswer(id, "F1.1", `{"value": true}`)
		}
	case "record", "draft":
		unit, year := numberSeries(c)
		visitID := goodVisit(c)
		res.Record, err = c.CreateRecord(visitID, unit, year, `{"drawn_up_at": "`+spec.Date+`T09:00:00+07:00",
			"violations": [{"code": "FUEL-99-COND", "description": "Không có hợp đồng đại lý với thương nhân phân phối"}],
			"persons": [{"role": "inspector", "name": "Cán bộ an", "signed": true}], "status": "signed"}`, name == "record")
		if err == nil && name == "draft" {
			err = c.SpoilRecord(res.Record.ID, "Viết sai, hủy biên bản")
		}
	case "void":
		unit, year := numberSeries(c)
		var n int
		if n, err = c.NextNumber(unit, year); err == nil {
			err = c.VoidNumber(unit, year, n, "Số bị bỏ qua khi lập biên bản")
		}
	default:
		err = fmt.Errorf("unknown step %q", step)
	}
	return res, err
}

// goodVisit is the last visit made at the campaign's site (one the server takes).
func goodVisit(c *client.Client) string {
	var ids []string
	s, _ := c.LocalVisitIDs()
	json.Unmarshal([]byte(s), &ids)
	visitID := ""
	for _, id := range ids {
		if v, _ := c.Visit(id); strings.Contains(v, `"site_id":"`) && !strings.Contains(v, "000000000bad") {
			visitID = id
		}
	}
	return visitID
}

// fieldVisit logs c in as the test inspector, pulls, and opens a fuel-station visit on a site of the
// open campaign; it returns the campaign's and the visit's IDs.
func fieldVisit(t *testing.T, c *client.Client) (campaignID, visitID string) {
	t.Helper()
	if err := c.Login("ct-an", "test-password-123"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pull(); err != nil {
		t.Fatal(err)
	}
	campaignID, siteID := openCampaign(c)
	visitID, err := c.CreateVisit(&client.NewVisit{CampaignID: campaignID, SiteID: siteID, Date: visitDay, ChecklistCode: "fuel-station",
		ChecklistVersion: 1, Status: "in_progress"})
	if err != nil {
		t.Fatal(err)
	}
	return campaignID, visitID
}

// openCampaign picks the open campaign of the phone's copy and its first site.
func openCampaign(c *client.Client) (string, string) {
	s, _ := c.ReferenceList("campaign")
	var list []struct {
		ID   string `json:"id"`
		Data struct {
			Status string `json:"status"`
			Sites  []struct {
				SiteID string `json:"site_id"`
			} `json:"sites"`
		} `json:"data"`
	}
	json.Unmarshal([]byte(s), &list)
	for _, cp := range list {
		if cp.Data.Status == "open" && len(cp.Data.Sites) > 0 {
			return cp.ID, cp.Data.Sites[0].SiteID
		}
	}
	return "", ""
}

// numberSeries is the issuing unit and year of the phone's first number block.
func numberSeries(c *client.Client) (string, int) {
	s, _ := c.ReferenceList("number_block")
	var list []struct {
		Data struct {
			IssuingUnitID string `json:"issuing_unit_id"`
			Year          int    `json:"year"`
		} `json:"data"`
	}
	json.Unmarshal([]byte(s), &list)
	if len(list) == 0 {
		return "", 0
	}
	return list[0].Data.IssuingUnitID, list[0].Data.Year
}
