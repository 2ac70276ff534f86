package client_test

// The crash test of the client (PRODUCT.md sync 1, 2, 5; DECISIONS D4, D7, D9): the phone runs as a
// separate process (process_test.go) against a real server started here (apptest, on the engine
// TEST_DATABASE_URL selects) and kills itself with SIGKILL at every step of a sync — in the middle of
// a pulled page (and of a page that resets its dataset), after a page, after a record took its number,
// before a push is sent, after the server answered it, in the middle of applying the answer, after a
// token refresh was answered. It is started again on
// the same store each time. In the end the server holds exactly what the phone made: every change
// applied once (each visit's version is its number of changes), every record with the number it took,
// every voided number voided; the outbox drained in order, with the item the server can never take
// set aside and in the chief's quarantine; a reset of a dataset rebuilt the copy without touching the
// unsent work.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/mobile-api/client"
	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/app/apptest"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/registry"
)

// world is the server with one campaign C1 (sites S1 and S2; team: the chief leading, the inspector)
// and a site S3 outside it, an issuing unit, and the phone's store.
type world struct {
	t      *testing.T
	srv    *apptest.Server
	clock  *clock.Manual
	camp   campaign.Campaign
	s3     string
	store  string
	ranFor []string
	chunk  int // the phone's UploadChunkBytes (0: the default)
}

const visitDay = "2026-03-02"

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	c := clock.NewManual(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	w := &world{t: t, srv: apptest.Start(t, apptest.Config(t), c), clock: c, store: filepath.Join(t.TempDir(), "phone.db")}
	org := w.srv.Org.ID
	b, err := schemas.AdminUnits.ReadFile("admin-units/caobang.json")
	if err != nil {
		t.Fatal(err)
	}
	seed, err := adminunit.ParseSeed(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.srv.App.Units.Seed(ctx, identity.Operator, org, seed); err != nil {
		t.Fatal(err)
	}
	chief := w.srv.CreateAccount(t, "ct-chief", identity.RoleChief)
	an := w.srv.CreateAccount(t, "ct-an", identity.RoleInspector)
	reg := w.srv.App.Registry
	subj, err := reg.CreateSubject(ctx, identity.Operator, registry.Subject{OrgID: org, Kind: registry.Organisation,
		Name: "Công ty Xăng dầu Cao Bằng", TaxCode: "4800100001", Address: "Phường Hợp Giang, Cao Bằng"})
	if err != nil {
		t.Fatal(err)
	}
	units := []registry.SiteUnit{{UnitCode: "040", ValidTo: adminunit.Date(2025, 6, 30)}, {UnitCode: "local-phuong-thuc-phan", ValidFrom: adminunit.Date(2025, 7, 1)}}
	site := func(name string) string {
		s, err := reg.CreateSite(ctx, identity.Operator, registry.Site{OrgID: org, SubjectID: subj.ID, Type: registry.FuelStation,
			Name: name, Address: name + ", phường Sông Hiến", Units: units})
		if err != nil {
			t.Fatal(err)
		}
		return s.ID
	}
	s1, s2 := site("Cửa hàng xăng dầu số 1"), site("Cửa hàng xăng dầu số 2")
	w.s3 = site("Cửa hàng xăng dầu số 3")
	if _, err := reg.CreateIssuingUnit(ctx, identity.Operator, registry.IssuingUnit{OrgID: org, Code: "TTr", Name: "Thanh tra Sở Khoa học và Công nghệ"}); err != nil {
		t.Fatal(err)
	}
	w.camp, err = w.srv.App.Campaigns.SaveCampaign(ctx, identity.Operator, campaign.Campaign{OrgID: org, Number: "12/QĐ-TTr",
		Title: "Kiểm tra đo lường, chất lượng xăng dầu", DecisionDate: adminunit.Date(2026, 2, 20), Kind: campaign.Check,
		Origin: campaign.Planned, Sectors: []campaign.Sector{campaign.Fuel}, PeriodFrom: adminunit.Date(2026, 3, 1), PeriodTo: adminunit.Date(2026, 6, 30),
		Team:        []campaign.Member{{PersonID: chief.PersonID, Role: campaign.Leader}, {PersonID: an.PersonID, Role: campaign.TeamMember}},
		SubjectIDs:  []string{subj.ID},
		SiteIDs:     []string{s1, s2},
		Assignments: []campaign.Assignment{{SiteID: s1, PersonID: an.PersonID}}})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// phone runs the phone process with the steps and the crash points armed; it reports whether the
// process killed itself, and the step results it printed.
func (w *world) phone(crash string, steps ...string) (killed bool, results []stepResult) {
	w.t.Helper()
	spec, _ := json.Marshal(childSpec{Store: w.store, Server: w.srv.URL, Login: "ct-an", Password: apptest.Password, Date: visitDay, Steps: steps, Chunk: w.chunk})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// GORACE: under the race detector a process otherwise waits a second before it exits.
	cmd.Env = append(os.Environ(), childEnv+"="+string(spec), client.CrashEnv+"="+crash, "GORACE=atexit_sleep_ms=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		var r stepResult
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Step != "" {
			results = append(results, r)
		}
	}
	w.ranFor = append(w.ranFor, strings.Join(steps, ",")+" crash="+crash)
	var exit *exec.ExitError
	switch {
	case err == nil:
		if crash != "" {
			w.t.Fatalf("phone %v: the crash point %s was never reached", steps, crash)
		}
		return false, results
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			if crash == "" {
				w.t.Fatalf("phone %v killed without a crash point", steps)
			}
			return true, results
		}
	}
	w.t.Fatalf("phone %v crash=%s: %v\n%s", steps, crash, err, stderr.String())
	return false, nil
}

// mustCrash runs the phone and fails unless it killed itself at the crash point.
func (w *world) mustCrash(crash string, steps ...string) []stepResult {
	w.t.Helper()
	killed, res := w.phone(crash, steps...)
	if !killed {
		w.t.Fatalf("phone %v: not killed at %s", steps, crash)
	}
	return res
}

// open opens the phone's store in the test process (the phone process is not running).
func (w *world) open() *client.Client {
	w.t.Helper()
	c, err := client.Open(&client.Config{StorePath: w.store, ServerURL: w.srv.URL})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { c.Close() })
	return c
}

type outboxItem struct {
	ChangeID    string          `json:"change_id"`
	EntityType  string          `json:"entity_type"`
	EntityID    string          `json:"entity_id"`
	BaseVersion int64           `json:"base_version"`
	Payload     json.RawMessage `json:"payload"`
	State       string          `json:"state"`
	Outcome     string          `json:"outcome"`
	Version     int64           `json:"version"`
	Code        string          `json:"code"`
	Sends       int             `json:"sends"`
	AnswerOrder int64           `json:"answer_order"`
}

func outbox(t *testing.T, c *client.Client, states string) []outboxItem {
	t.Helper()
	s, err := c.Outbox(states)
	if err != nil {
		t.Fatal(err)
	}
	var items []outboxItem
	if err := json.Unmarshal([]byte(s), &items); err != nil {
		t.Fatal(err)
	}
	return items
}

// serverState is what a second phone of the same inspector pulls from zero: the team's visits and
// records as the server holds them.
func (w *world) serverState() map[string]pulled {
	w.t.Helper()
	r := w.srv.Do(w.t, http.MethodPost, "/mobile/v1/auth/login", "", map[string]any{"login": "ct-an", "password": apptest.Password,
		"device": map[string]string{"id": "checker-" + time.Now().Format("150405.000000")}})
	if r.Status != http.StatusOK {
		w.t.Fatalf("checker login: %d %s", r.Status, r.Body)
	}
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	json.Unmarshal(r.Body, &pair)
	out := map[string]pulled{}
	cursor := ""
	for round := 0; ; round++ {
		if round > 100 {
			w.t.Fatal("the checker's pull never completes")
		}
		r := w.srv.Do(w.t, http.MethodPost, "/mobile/v1/sync/pull", pair.AccessToken, map[string]any{"datasets": map[string]string{"visits": cursor}})
		var body struct {
			Datasets map[string]struct {
				Changes  []pulled `json:"changes"`
				Next     string   `json:"next"`
				Complete bool     `json:"complete"`
			} `json:"datasets"`
		}
		if r.Status != http.StatusOK || json.Unmarshal(r.Body, &body) != nil {
			w.t.Fatalf("checker pull: %d %s", r.Status, r.Body)
		}
		p := body.Datasets["visits"]
		for _, ch := range p.Changes {
			if ch.Op == "delete" {
				delete(out, ch.ID)
			} else {
				out[ch.ID] = ch
			}
		}
		cursor = p.Next
		if p.Complete {
			return out
		}
		if len(p.Changes) == 0 {
			time.Sleep(20 * time.Millisecond) // held back by a transaction of another test (PostgreSQL)
		}
	}
}

type pulled struct {
	Type    string          `json:"type"`
	ID      string          `json:"id"`
	Op      string          `json:"op"`
	Version int64           `json:"version"`
	Data    json.RawMessage `json:"data"`
}

func TestClientSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the phone as a process many times")
	}
	w := newWorld(t)

	// First sync, killed in the middle of the second page (pages of 10 changes), then done.
	w.mustCrash(client.CrashPullMidPage+":2", "login", "pull")
	w.phone("", "pull")

	// Work done offline: visits with answers, one visit the server can never take (at a site outside
	// the campaign) with an answer on it, a violation record, a voided number and a spoiled draft; a
	// record whose process dies right after it took its number, then another record.
	w.phone("", "visits:3", "bad", "visits:2", "record", "void", "draft")
	w.mustCrash(client.CrashEditCommitted, "record")
	w.phone("", "record")

	// Push, killed at every step: before the first batch (batches of 4) goes out; after the server
	// answered the first batch; in the middle of storing the answer of the first batch; then in the
	// middle of the third batch's answer, after two batches got through.
	w.mustCrash(client.CrashPushBeforeSend, "push")
	w.mustCrash(client.CrashPushAfterSend, "push")
	w.mustCrash(client.CrashPushMidApply, "push")
	w.mustCrash(client.CrashPushMidApply+":3", "push")
	w.phone("", "sync")

	c := w.open()
	items := outbox(t, c, "")
	checkDrained(t, items)
	w.checkServer(c, items)
	c.Close()

	// A reset: the planner adds S3 to the campaign, so the phone's sites dataset starts over (its
	// scope changed). Unsent work made meanwhile stays exactly as it was, through a kill in the
	// middle of applying the reset page.
	w.phone("", "visits:2")
	c = w.open()
	before := outbox(t, c, "queued")
	c.Close()
	if len(before) != 6 {
		t.Fatalf("%d changes queued, want 6", len(before))
	}
	camp := w.camp
	camp.SiteIDs = append(slices.Clone(camp.SiteIDs), w.s3)
	if _, err := w.srv.App.Campaigns.SaveCampaign(context.Background(), identity.Operator, camp); err != nil {
		t.Fatal(err)
	}
	w.mustCrash(client.CrashPullMidReset, "pull")
	_, res := w.phone("", "pull")
	if len(res) != 1 || res[0].Pull == nil || res[0].Pull.Resets == 0 {
		t.Fatalf("the pull after the scope change did no reset: %+v", res)
	}
	c = w.open()
	if after := outbox(t, c, "queued"); !equalOutbox(before, after) {
		t.Errorf("the reset touched the unsent work:\nbefore %+v\nafter  %+v", before, after)
	}
	if _, err := c.Reference("site", w.s3); err != nil {
		t.Errorf("the rebuilt sites dataset lacks S3: %v", err)
	}
	c.Close()
	w.mustCrash(client.CrashPullAfterPage+":3", "sync")
	w.phone("", "sync")

	// Tokens: the access token expires on the server while the phone is off line; the next sync
	// refreshes it. A refresh whose answer is lost (the process dies after the server rotated the
	// token) is sent again with the same token and gets the same pair: within the grace window, and
	// past it too while the new token was never used (a phone that lost its signal right after
	// sending). The server's refusal of a stolen token (refresh_reused → login required, the work
	// waiting) is in edge_test.go.
	w.clock.Advance(20 * 24 * time.Hour)
	w.phone("", "visits:1", "sync")
	w.clock.Advance(11 * time.Minute)
	w.mustCrash(client.CrashRefreshAfterSend, "sync")
	w.phone("", "visits:1", "sync")
	w.clock.Advance(11 * time.Minute)
	w.mustCrash(client.CrashRefreshAfterSend, "sync")
	w.clock.Advance(3 * time.Minute)
	w.phone("", "visits:1", "sync")
	c = w.open()
	if st, _ := c.Status(); !st.LoggedIn || st.LoginRequired != "" || st.Queued+st.Sending != 0 {
		t.Errorf("after a refresh retried past the grace window (successor unused): %+v, want logged in with nothing waiting", st)
	}
	c.Close()
	w.phone("", "login", "sync")

	// Up to date: the same pull again is answered 304 Not Modified (If-None-Match).
	if _, res := w.phone("", "pull", "pull", "pull"); len(res) != 3 || res[2].Pull == nil || !res[2].Pull.NotModified || res[2].Pull.Requests != 1 {
		t.Errorf("an up-to-date phone's pull was not 304: %+v", res)
	}

	c = w.open()
	items = outbox(t, c, "")
	checkDrained(t, items)
	w.checkServer(c, items)
	t.Logf("%d phone runs; %d changes", len(w.ranFor), len(items))
}

// checkDrained: every change was answered, in the order made; all acknowledged but the two the
// server can never take (the bad visit and its answer), which are set aside.
func checkDrained(t *testing.T, items []outboxItem) {
	t.Helper()
	var last int64
	rejected := 0
	for _, it := range items {
		switch it.State {
		case client.StateAcknowledged:
			if it.Outcome != "applied" && it.Outcome != "duplicate" {
				t.Errorf("%s acknowledged as %q", it.ChangeID, it.Outcome)
			}
		case client.StateRejected:
			rejected++
			if it.EntityType != "visit" || it.Code == "" {
				t.Errorf("set aside: %+v", it)
			}
		default:
			t.Errorf("change %s %s %s is %s", it.ChangeID, it.EntityType, it.EntityID, it.State)
		}
		if it.AnswerOrder <= last {
			t.Errorf("change %s answered out of order (%d after %d)", it.ChangeID, it.AnswerOrder, last)
		}
		last = it.AnswerOrder
	}
	if rejected != 2 {
		t.Errorf("%d changes set aside, want 2 (the bad visit and its answer)", rejected)
	}
}

// checkServer: the server holds exactly what the phone made.
func (w *world) checkServer(c *client.Client, items []outboxItem) {
	t := w.t
	t.Helper()
	changes := map[string]int{} // entity → acknowledged changes
	rejectedVisits := map[string]bool{}
	var rejectedChanges []string
	for _, it := range items {
		switch it.State {
		case client.StateAcknowledged:
			changes[it.EntityType+"/"+it.EntityID]++
		case client.StateRejected:
			rejectedVisits[it.EntityID] = true
			rejectedChanges = append(rejectedChanges, it.ChangeID)
		}
	}
	held := w.serverState()
	var ids []string
	s, _ := c.LocalVisitIDs()
	json.Unmarshal([]byte(s), &ids)
	made := 0
	for _, id := range ids {
		if rejectedVisits[id] {
			if _, ok := held[id]; ok {
				t.Errorf("the server holds the visit it refused, %s", id)
			}
			continue
		}
		made++
		v, ok := held[id]
		if !ok {
			t.Errorf("visit %s lost", id)
			continue
		}
		var data struct {
			Answers map[string]struct {
				Value any `json:"value"`
			} `json:"answers"`
		}
		json.Unmarshal(v.Data, &data)
		if want := int64(changes["visit/"+id]); v.Version != want || want != 3 {
			t.Errorf("visit %s: server version %d, the phone made %d changes acknowledged (want 3: each applied once)", id, v.Version, want)
		}
		if data.Answers["F1.1"].Value != true || data.Answers["F1.3"].Value != false {
			t.Errorf("visit %s answers %s", id, v.Data)
		}
	}
	records := map[int]string{}
	var recIDs []string
	s, _ = c.LocalRecordIDs()
	json.Unmarshal([]byte(s), &recIDs)
	sent := 0
	for _, id := range recIDs {
		s, err := c.Record(id)
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Number    int    `json:"number"`
			Status    string `json:"status"`
			SyncState string `json:"sync_state"`
		}
		json.Unmarshal([]byte(s), &r)
		if other, dup := records[r.Number]; dup {
			t.Errorf("records %s and %s took the same number %d", other, id, r.Number)
		}
		records[r.Number] = id
		if r.Status == "spoiled" {
			if _, ok := held[id]; ok {
				t.Errorf("the spoiled draft %s reached the server", id)
			}
			continue
		}
		sent++
		v, ok := held[id]
		var data struct {
			Number int `json:"number"`
		}
		json.Unmarshal(v.Data, &data)
		if !ok || data.Number != r.Number || v.Version != 1 || r.SyncState != client.StateAcknowledged {
			t.Errorf("record %s number %d (%s): the server holds %v v%d %s", id, r.Number, r.SyncState, ok, v.Version, v.Data)
		}
	}
	visits := 0
	for _, v := range held {
		if v.Type == "visit" {
			visits++
		}
	}
	if visits != made || len(held)-visits != sent {
		t.Errorf("the server holds %d visits and %d records, the phone made %d and %d", visits, len(held)-visits, made, sent)
	}
	// The register, as the phone's own blocks carry it after its last pull: the numbers its records
	// took are used, the voided ones voided with their reason, nothing else marked.
	s, _ = c.ReferenceList("number_block")
	var blocks []struct {
		Data struct {
			Marks []struct {
				Number   int    `json:"number"`
				State    string `json:"state"`
				EntityID string `json:"entity_id"`
				Reason   string `json:"reason"`
			} `json:"marks"`
		} `json:"data"`
	}
	json.Unmarshal([]byte(s), &blocks)
	var marks []string
	for _, b := range blocks {
		for _, m := range b.Data.Marks {
			marks = append(marks, m.State+" "+m.EntityID+" "+m.Reason)
		}
	}
	var want []string
	for _, it := range items {
		switch it.EntityType {
		case "number_void":
			var p struct {
				Reason string `json:"reason"`
			}
			json.Unmarshal(it.Payload, &p)
			want = append(want, "voided  "+p.Reason)
		case "record":
			if it.BaseVersion == 0 {
				want = append(want, "used "+it.EntityID+" ")
			}
		}
	}
	sort.Strings(marks)
	sort.Strings(want)
	if !slices.Equal(marks, want) || len(want) != 5 {
		t.Errorf("the register marks\n%q\nwant (3 records used; 1 number and 1 spoiled draft voided)\n%q", marks, want)
	}
	// The chief sees exactly the two refused changes in the quarantine.
	r := w.srv.Do(t, http.MethodGet, "/api/v1/sync/quarantine?state=open", w.srv.Login(t, "ct-chief"), nil)
	if r.Status != http.StatusOK {
		t.Fatalf("quarantine: %d %s", r.Status, r.Body)
	}
	var q struct {
		Items []struct {
			ChangeID string `json:"change_id"`
		} `json:"items"`
	}
	json.Unmarshal(r.Body, &q)
	var got []string
	for _, it := range q.Items {
		got = append(got, it.ChangeID)
	}
	sort.Strings(got)
	sort.Strings(rejectedChanges)
	if !slices.Equal(got, rejectedChanges) {
		t.Errorf("quarantine %v, the phone set aside %v", got, rejectedChanges)
	}
}

func equalOutbox(a, b []outboxItem) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ChangeID != b[i].ChangeID || a[i].BaseVersion != b[i].BaseVersion || !bytes.Equal(a[i].Payload, b[i].Payload) || a[i].State != b[i].State {
			return false
		}
	}
	return true
}

// TestEvidenceUploadSurvivesSIGKILL: the phone is killed at every step of an evidence upload — right
// after a capture committed, after the announce was answered, half-way through the bytes of a piece,
// after a piece was answered but before the phone stored the new offset — and started again on the
// same store. In the end the server holds every photo once, byte for byte, and the phone knows each
// is stored.
func TestEvidenceUploadSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the phone as a process many times")
	}
	w := newWorld(t)
	w.chunk = 64 << 10 // photos of 100–250 KB go up in 2–4 pieces
	w.phone("", "login", "pull", "visits:1", "photos:3")
	w.mustCrash(client.CrashUploadAfterAnnounce, "sync")
	w.mustCrash(client.CrashUploadMidBytes+":2", "sync")

	// The server kept the half piece that reached it: the next upload goes on from there (the
	// phone itself last heard of one whole piece).
	//
	// The server's handler of the cut PATCH may still be storing the half piece when the phone asks
	// (on S3 a piece is several requests to the object store). A phone that asks then is answered
	// one piece and sends the whole second piece from there; whichever of the two requests commits
	// first wins and the other's bytes are dropped — correct either way, but this test wants to see
	// the half piece kept, so the recorder lets the phone's first status request through only once
	// the server has had time to commit it (waitPast).
	rt := &statusRecorder{base: http.DefaultTransport, waitPast: int64(w.chunk)}
	c, err := client.OpenWithTransport(&client.Config{StorePath: w.store, ServerURL: w.srv.URL, UploadChunkBytes: w.chunk}, nil, nil, rt)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := c.Upload()
	c.Close()
	t.Logf("the server committed the half piece %v after the phone came back", rt.waited)
	partial := slices.ContainsFunc(rt.offsets, func(o int64) bool { return o > int64(w.chunk) && o < int64(2*w.chunk) })
	if err != nil || rep.Stored != 3 || rep.Resumed == 0 || !partial {
		t.Fatalf("resumed upload: %+v %v; the server's offsets %v, want one after the half piece (between %d and %d)", rep, err, rt.offsets, w.chunk, 2*w.chunk)
	}

	w.phone("", "photos:2")
	w.mustCrash(client.CrashUploadAfterChunk+":2", "sync")
	w.mustCrash(client.CrashEditCommitted, "photos:1")
	w.mustCrash(client.CrashUploadMidBytes, "upload")
	w.mustCrash(client.CrashUploadAfterAnnounce, "sync")
	_, res := w.phone("", "sync")
	if len(res) != 1 || res[0].Upload == nil || res[0].Upload.Pending != 0 || res[0].Upload.Rejected != 0 {
		t.Fatalf("the last sync: %+v", res)
	}

	c = w.open()
	var local []struct {
		ID      string `json:"id"`
		VisitID string `json:"visit_id"`
		SHA256  string `json:"sha256"`
		Size    int64  `json:"size"`
		State   string `json:"state"`
	}
	s, err := c.EvidenceList("")
	if err != nil || json.Unmarshal([]byte(s), &local) != nil {
		t.Fatalf("evidence list: %v %s", err, s)
	}
	if len(local) != 6 {
		t.Fatalf("%d evidence on the phone, want 6", len(local))
	}
	checkDrainedAll(t, outbox(t, c, ""))
	chief := w.srv.Login(t, "ct-chief")
	r := w.srv.Do(t, http.MethodGet, "/api/v1/visits/"+local[0].VisitID+"/evidence", chief, nil)
	var ve struct {
		Evidence []struct {
			ID     string `json:"id"`
			State  string `json:"state"`
			SHA256 string `json:"sha256"`
			Size   int64  `json:"size"`
		} `json:"evidence"`
		Complete bool `json:"complete"`
	}
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &ve) != nil {
		t.Fatalf("visit evidence: %d %s", r.Status, r.Body)
	}
	if len(ve.Evidence) != len(local) || !ve.Complete {
		t.Errorf("the server holds %d evidence (complete %v), the phone made %d: %s", len(ve.Evidence), ve.Complete, len(local), r.Body)
	}
	held := map[string]string{}
	for _, e := range ve.Evidence {
		held[e.ID] = e.State + " " + e.SHA256
	}
	for _, e := range local {
		if e.State != client.StateStored || held[e.ID] != "stored "+e.SHA256 {
			t.Errorf("evidence %s: phone %s, server %q", e.ID, e.State, held[e.ID])
			continue
		}
		r := w.srv.Do(t, http.MethodGet, "/api/v1/evidence/"+e.ID+"/content", chief, nil)
		if sum := sha256.Sum256(r.Body); r.Status != http.StatusOK || hex.EncodeToString(sum[:]) != e.SHA256 || int64(len(r.Body)) != e.Size {
			t.Errorf("content of %s: %d, %d bytes, not the bytes taken", e.ID, r.Status, len(r.Body))
		}
	}
	t.Logf("%d phone runs", len(w.ranFor))
}

// checkDrainedAll: every change was answered in order and acknowledged.
func checkDrainedAll(t *testing.T, items []outboxItem) {
	t.Helper()
	var last int64
	for _, it := range items {
		if it.State != client.StateAcknowledged || it.AnswerOrder <= last {
			t.Errorf("change %s %s: %s, answered %d after %d", it.ChangeID, it.EntityType, it.State, it.AnswerOrder, last)
		}
		last = it.AnswerOrder
	}
}

// statusRecorder records the offsets of the upload status answers (GET) and of the 409s that pass.
// With waitPast, the first status request is repeated (for at most a minute) until the server's
// offset is past waitPast: the handler of a PATCH cut by the phone's death commits what arrived
// shortly after the connection closed, and the test must not race it.
type statusRecorder struct {
	base     http.RoundTripper
	waitPast int64
	waited   time.Duration // how long the first status request was held back
	offsets  []int64
}

func (sr *statusRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	status := r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/upload")
	if status && sr.waitPast > 0 && sr.waited == 0 {
		start := time.Now()
		defer func() { sr.waited = max(time.Since(start), 1) }()
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			res, err := sr.base.RoundTrip(r.Clone(r.Context()))
			if err != nil {
				break
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if off, perr := strconv.ParseInt(res.Header.Get("Upload-Offset"), 10, 64); res.StatusCode != http.StatusOK || perr != nil || off > sr.waitPast {
				break
			}
		}
	}
	res, err := sr.base.RoundTrip(r)
	if err == nil && (status || res.StatusCode == http.StatusConflict) && strings.HasSuffix(r.URL.Path, "/upload") {
		if off, perr := strconv.ParseInt(res.Header.Get("Upload-Offset"), 10, 64); perr == nil {
			sr.offsets = append(sr.offsets, off)
		}
	}
	return res, err
}
