package app_test

// Protocol scenarios: each file testdata/sync/<name>.txt holds steps that phones, the chief and the
// planner take against a whole server; the run writes a transcript that must equal
// testdata/sync/<name>.golden (go test ./server/app -run TestSyncScenarios -update rewrites them).
// Phones are played by the test as a client app would behave: they keep a cursor and a local copy per
// dataset, apply each page whole (a reset drops the dataset's copy first), verify the checksum, keep an
// outbox and set aside what the server refuses. After every scenario the invariants are checked:
// a phone that synced incrementally holds exactly what a new phone of the same person pulls from
// zero; no phone ever holds another team's data; a tombstone never resurrects.
//
// Steps (one per line; "# …" lines are copied to the transcript):
//
//	phone <who>                                  log in <who>'s phone
//	pull <who>                                   pull every dataset until complete
//	push <who> <change> <type> <entity> base=<n|held> [at=HH:MM] <json>
//	                                             queue a change ($NAME in the JSON is the ID of NAME;
//	                                             $number1, $number2 … the phone's held record numbers)
//	send <who>                                   push the outbox as one batch
//	resend <who>                                 push the last batch again
//	chief <status|-> <type> <entity> <comment…>  the chief acts on a visit or record on the server
//	campaign <C> add-site <S> | add-member <who> | remove-member <who>
//	quarantine                                   the chief lists the quarantine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/skhcn-caobang/thanhtra/mobile-api/contract"
	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/app/apptest"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/registry"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
)

var update = flag.Bool("update", false, "rewrite the sync scenario transcripts in testdata/sync")

func TestSyncScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/sync/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		t.Run(name, func(t *testing.T) {
			steps, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			w := newSyncWorld(t)
			got := w.run(string(steps))
			w.checkInvariants()
			golden := strings.TrimSuffix(f, ".txt") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if got != string(want) {
				t.Errorf("transcript differs from %s (run with -update and review the diff):\n%s", golden, lineDiff(string(want), got))
			}
		})
	}
}

// syncWorld is a server with two campaigns: C1 (fuel stations S1 and S2 of subject P; team: the chief
// leading, an and binh) and C2 (station S3 of subject Q; the chief leading, chi), an issuing unit TTr,
// and a phone per inspector when the scenario logs one in.
type syncWorld struct {
	t       *testing.T
	srv     *apptest.Server
	clock   *clock.Manual
	doc     *schematest.Doc
	persons map[string]identity.Account
	ids     map[string]string // symbol → ID
	names   map[string]string // ID → symbol
	phones  map[string]*phone
	chief   string // console token of the chief
	camps   map[string]campaign.Campaign
	out     strings.Builder
}

// held is one entity in a phone's local copy.
type held struct {
	Type    string
	ID      string
	Version int64
	Data    json.RawMessage
}

type phone struct {
	who, device, token string
	cursors            map[string]string
	local              map[string]map[string]held // dataset → type/id → entity
	outbox, last       []map[string]any
	aside              []string
	deleted            map[string]bool // type/id of tombstones applied
}

func newSyncWorld(t *testing.T) *syncWorld {
	t.Helper()
	ctx := context.Background()
	c := clock.NewManual(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)) // 08:00 on 2 March 2026 in Cao Bằng
	w := &syncWorld{t: t, srv: apptest.Start(t, apptest.Config(t), c), clock: c, persons: map[string]identity.Account{},
		ids: map[string]string{}, names: map[string]string{}, phones: map[string]*phone{}, camps: map[string]campaign.Campaign{}}
	w.doc = schematest.LoadOpenAPI(t, contract.OpenAPI, contract.Prefix)
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
	for _, p := range []struct {
		who  string
		role identity.Role
	}{{"chief", identity.RoleChief}, {"an", identity.RoleInspector}, {"binh", identity.RoleInspector}, {"chi", identity.RoleInspector}} {
		a := w.srv.CreateAccount(t, "sc-"+p.who, p.role)
		w.persons[p.who] = a
		w.name(p.who, a.PersonID)
	}
	w.chief = w.srv.Login(t, "sc-chief")
	reg := w.srv.App.Registry
	units := []registry.SiteUnit{{UnitCode: "040", ValidTo: adminunit.Date(2025, 6, 30)}, {UnitCode: "local-phuong-thuc-phan", ValidFrom: adminunit.Date(2025, 7, 1)}}
	subject := func(sym, name, tax string) registry.Subject {
		s, err := reg.CreateSubject(ctx, identity.Operator, registry.Subject{OrgID: org, Kind: registry.Organisation, Name: name, TaxCode: tax, Address: "Phường Hợp Giang, Cao Bằng"})
		if err != nil {
			t.Fatal(err)
		}
		w.name(sym, s.ID)
		return s
	}
	site := func(sym string, subj registry.Subject, name string) {
		s, err := reg.CreateSite(ctx, identity.Operator, registry.Site{OrgID: org, SubjectID: subj.ID, Type: registry.FuelStation,
			Name: name, Address: name + ", phường Sông Hiến", Units: units})
		if err != nil {
			t.Fatal(err)
		}
		w.name(sym, s.ID)
	}
	p := subject("P", "Công ty Xăng dầu Cao Bằng", "4800100001")
	q := subject("Q", "Công ty TNHH Thương mại Bắc Sơn", "4800100002")
	site("S1", p, "Cửa hàng xăng dầu số 1")
	site("S2", p, "Cửa hàng xăng dầu số 2")
	site("S3", q, "Cửa hàng xăng dầu Bắc Sơn")
	u, err := reg.CreateIssuingUnit(ctx, identity.Operator, registry.IssuingUnit{OrgID: org, Code: "TTr", Name: "Thanh tra Sở Khoa học và Công nghệ"})
	if err != nil {
		t.Fatal(err)
	}
	w.name("TTr", u.ID)
	w.saveCampaign("C1", campaign.Campaign{OrgID: org, Number: "12/QĐ-TTr", Title: "Kiểm tra đo lường, chất lượng xăng dầu",
		Team:        []campaign.Member{{PersonID: w.ids["chief"], Role: campaign.Leader}, {PersonID: w.ids["an"], Role: campaign.TeamMember}, {PersonID: w.ids["binh"], Role: campaign.TeamMember}},
		SubjectIDs:  []string{p.ID},
		SiteIDs:     []string{w.ids["S1"], w.ids["S2"]},
		Assignments: []campaign.Assignment{{SiteID: w.ids["S1"], PersonID: w.ids["an"]}, {SiteID: w.ids["S2"], PersonID: w.ids["binh"]}}})
	w.saveCampaign("C2", campaign.Campaign{OrgID: org, Number: "13/QĐ-TTr", Title: "Kiểm tra đột xuất cửa hàng xăng dầu Bắc Sơn",
		Team:       []campaign.Member{{PersonID: w.ids["chief"], Role: campaign.Leader}, {PersonID: w.ids["chi"], Role: campaign.TeamMember}},
		SubjectIDs: []string{q.ID, p.ID},
		SiteIDs:    []string{w.ids["S3"]}})
	return w
}

func (w *syncWorld) name(sym, id string) { w.ids[sym], w.names[id] = id, sym }

// sym names an ID in the transcript: its symbol, or "?" for an ID the scenario never named.
func (w *syncWorld) sym(id string) string {
	if s, ok := w.names[id]; ok {
		return s
	}
	return "?"
}

// phoneID is the ID a phone makes for an entity or change named sym: a UUID derived from the name, so
// that transcripts are stable.
func (w *syncWorld) phoneID(sym string) string {
	if id, ok := w.ids[sym]; ok {
		return id
	}
	id := uuid.NewSHA1(uuid.NameSpaceURL, []byte("scenario:"+sym)).String()
	w.name(sym, id)
	return id
}

func (w *syncWorld) saveCampaign(sym string, c campaign.Campaign) {
	w.t.Helper()
	c.DecisionDate, c.Kind, c.Origin, c.Sectors = adminunit.Date(2026, 2, 20), campaign.Check, campaign.Planned, []campaign.Sector{campaign.Fuel}
	c.PeriodFrom, c.PeriodTo = adminunit.Date(2026, 3, 1), adminunit.Date(2026, 6, 30)
	if old, ok := w.camps[sym]; ok {
		c.ID = old.ID
	}
	saved, err := w.srv.App.Campaigns.SaveCampaign(context.Background(), identity.Operator, c)
	if err != nil {
		w.t.Fatalf("campaign %s: %v", sym, err)
	}
	w.camps[sym] = saved
	w.name(sym, saved.ID)
}

func (w *syncWorld) printf(format string, args ...any) { fmt.Fprintf(&w.out, format, args...) }

// run plays the steps and returns the transcript.
func (w *syncWorld) run(steps string) string {
	sc := bufio.NewScanner(strings.NewReader(steps))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			w.printf("\n")
			continue
		}
		w.printf("%s\n", text)
		if strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Fields(text)
		switch f[0] {
		case "phone":
			w.login(f[1])
		case "pull":
			w.pull(w.phone(f[1]))
		case "push":
			w.queue(w.phone(f[1]), text)
		case "send":
			p := w.phone(f[1])
			p.last = p.outbox
			p.outbox = nil
			w.send(p, p.last)
		case "resend":
			p := w.phone(f[1])
			w.send(p, p.last)
		case "chief":
			w.chiefAct(f[1], f[2], f[3], strings.Join(f[4:], " "))
		case "campaign":
			w.changeCampaign(f[1], f[2], f[3])
		case "quarantine":
			w.quarantine()
		default:
			w.t.Fatalf("line %d: unknown step %q", line, f[0])
		}
	}
	return w.out.String()
}

func (w *syncWorld) phone(who string) *phone {
	p, ok := w.phones[who]
	if !ok {
		w.t.Fatalf("no phone for %s (a 'phone %s' step first)", who, who)
	}
	return p
}

// mobile calls the phone API and checks the answer against the contract.
func (w *syncWorld) mobile(token, method, path string, body any, header ...string) apptest.Response {
	w.t.Helper()
	r := w.srv.Do(w.t, method, contract.Prefix+path, token, body, header...)
	if r.Status != http.StatusNotModified {
		w.doc.CheckResponse(w.t, method, contract.Prefix+path, r.Status, r.Body)
	}
	return r
}

func (w *syncWorld) newPhone(who, device string) *phone {
	w.t.Helper()
	r := w.mobile("", http.MethodPost, "/auth/login", map[string]any{"login": "sc-" + who, "password": apptest.Password,
		"device": map[string]string{"id": device, "name": "Samsung Galaxy A15", "platform": "android", "app_version": "1.0.0"}})
	if r.Status != http.StatusOK {
		w.t.Fatalf("phone login %s: %d %s", who, r.Status, r.Body)
	}
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(r.Body, &pair); err != nil {
		w.t.Fatal(err)
	}
	return &phone{who: who, device: device, token: pair.AccessToken, cursors: map[string]string{},
		local: map[string]map[string]held{}, deleted: map[string]bool{}}
}

func (w *syncWorld) login(who string) {
	w.phones[who] = w.newPhone(who, "phone-"+who)
}

type pullPage struct {
	Changes []struct {
		Type    string          `json:"type"`
		ID      string          `json:"id"`
		Op      string          `json:"op"`
		Version int64           `json:"version"`
		Data    json.RawMessage `json:"data"`
	} `json:"changes"`
	Next     string  `json:"next"`
	Complete bool    `json:"complete"`
	Checksum *uint32 `json:"checksum"`
	Reset    bool    `json:"reset"`
}

// pullAll pulls every dataset until each is complete and applies the pages the way a phone must. It
// returns, per dataset, what happened, for the transcript.
func (w *syncWorld) pullAll(p *phone) map[string][]string {
	w.t.Helper()
	report := map[string][]string{}
	pending := slices.Clone(syncfeed.Datasets)
	for round := 0; len(pending) > 0; round++ {
		if round > 500 {
			w.t.Fatalf("pull of %s never completes: %v", p.who, pending)
		}
		req := map[string]string{}
		for _, d := range pending {
			req[d] = p.cursors[d]
		}
		r := w.mobile(p.token, http.MethodPost, "/sync/pull", map[string]any{"datasets": req, "limit": 200})
		if r.Status != http.StatusOK {
			w.t.Fatalf("pull %s: %d %s", p.who, r.Status, r.Body)
		}
		var body struct {
			Datasets map[string]pullPage `json:"datasets"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			w.t.Fatal(err)
		}
		var next []string
		waiting := false
		for _, d := range pending {
			page, ok := body.Datasets[d]
			if !ok {
				w.t.Fatalf("pull %s: dataset %s missing from the answer", p.who, d)
			}
			report[d] = append(report[d], w.apply(p, d, page)...)
			if !page.Complete {
				next = append(next, d)
				waiting = waiting || len(page.Changes) == 0
			}
		}
		if waiting { // held back by a transaction still running (PostgreSQL): pull again after a pause
			time.Sleep(20 * time.Millisecond)
		}
		pending = next
	}
	return report
}

// apply applies one page to the phone's copy of a dataset, whole.
func (w *syncWorld) apply(p *phone, dataset string, page pullPage) []string {
	w.t.Helper()
	var lines []string
	local := p.local[dataset]
	if page.Reset || local == nil {
		if page.Reset && local != nil {
			lines = append(lines, "reset")
		}
		local = map[string]held{}
	}
	for _, c := range page.Changes {
		key := c.Type + "/" + c.ID
		switch c.Op {
		case "delete":
			delete(local, key)
			p.deleted[key] = true
		case "upsert":
			if p.deleted[key] {
				w.t.Errorf("%s: %s resurrected after its tombstone", p.who, key)
			}
			local[key] = held{Type: c.Type, ID: c.ID, Version: c.Version, Data: c.Data}
		default:
			w.t.Fatalf("op %q", c.Op)
		}
		lines = append(lines, w.describe(c.Op, c.Type, c.ID, c.Version, c.Data))
	}
	p.local[dataset] = local
	p.cursors[dataset] = page.Next
	if page.Checksum != nil {
		var sum uint32
		for _, h := range local {
			sum += syncfeed.EntryChecksum(h.Type, h.ID, h.Version, h.Data)
		}
		if sum != *page.Checksum {
			w.t.Errorf("%s %s: checksum %d, the phone's copy sums to %d", p.who, dataset, *page.Checksum, sum)
			lines = append(lines, "checksum MISMATCH")
		}
	}
	return lines
}

func (w *syncWorld) pull(p *phone) {
	w.t.Helper()
	report := w.pullAll(p)
	for _, d := range syncfeed.Datasets {
		lines := report[d]
		if len(lines) == 0 {
			continue
		}
		// The national reference data are counted, not listed.
		if d == syncfeed.Catalogue || d == syncfeed.Checklists {
			n := 0
			for _, l := range lines {
				if l != "reset" {
					n++
				}
			}
			w.printf("  %s: %d changes\n", d, n)
			continue
		}
		for _, l := range lines {
			w.printf("  %s: %s\n", d, l)
		}
	}
}

// describe is one change in the transcript: op, type, entity, version and the fields that matter.
func (w *syncWorld) describe(op, typ, id string, version int64, data json.RawMessage) string {
	s := fmt.Sprintf("%s %s %s", op, typ, w.sym(id))
	if typ == syncfeed.EntityNumberBlock {
		s = fmt.Sprintf("%s %s", op, typ) // the server names blocks
	}
	if op == "delete" {
		return s
	}
	if version > 0 {
		s += fmt.Sprintf(" v%d", version)
	}
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		return s
	}
	var parts []string
	for _, k := range []string{"status", "number", "needs_review", "chief_comment", "name", "first", "last"} {
		if v, ok := m[k]; ok && v != "" && v != false && v != nil {
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	if sites, ok := m["sites"].([]any); ok {
		var names []string
		for _, x := range sites {
			if sm, ok := x.(map[string]any); ok {
				names = append(names, w.sym(fmt.Sprint(sm["site_id"])))
			}
		}
		parts = append(parts, "sites="+strings.Join(names, ","))
	}
	if team, ok := m["team"].([]any); ok {
		var names []string
		for _, x := range team {
			if tm, ok := x.(map[string]any); ok {
				names = append(names, w.sym(fmt.Sprint(tm["person_id"])))
			}
		}
		parts = append(parts, "team="+strings.Join(names, ","))
	}
	if answers, ok := m["answers"].(map[string]any); ok {
		keys := make([]string, 0, len(answers))
		for k := range answers {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var as []string
		for _, k := range keys {
			v := answers[k]
			if am, ok := v.(map[string]any); ok {
				v = am["value"]
			}
			as = append(as, fmt.Sprintf("%s=%v", k, v))
		}
		parts = append(parts, "answers{"+strings.Join(as, " ")+"}")
	}
	if len(parts) > 0 {
		s += " " + strings.Join(parts, " ")
	}
	return s
}

var symRef = regexp.MustCompile(`\$([A-Za-z][A-Za-z0-9_-]*)`)

// queue parses "push <who> <change> <type> <entity> base=<n|held> [at=HH:MM] <json>".
func (w *syncWorld) queue(p *phone, text string) {
	w.t.Helper()
	f := strings.SplitN(text, " ", 7)
	if len(f) < 7 {
		w.t.Fatalf("push needs who, change, type, entity, base and a payload: %q", text)
	}
	change, typ, entity := f[2], f[3], f[4]
	rest := f[5] + " " + f[6]
	base, rest, _ := strings.Cut(rest, " ")
	at := "08:00"
	if strings.HasPrefix(rest, "at=") {
		var a string
		a, rest, _ = strings.Cut(rest, " ")
		at = strings.TrimPrefix(a, "at=")
	}
	entityID := w.phoneID(entity)
	var baseVersion int64
	switch b := strings.TrimPrefix(base, "base="); b {
	case "held":
		found := false
		for _, ds := range p.local {
			if h, ok := ds[typ+"/"+entityID]; ok {
				baseVersion, found = h.Version, true
			}
		}
		if !found {
			w.t.Fatalf("%s holds no %s %s", p.who, typ, entity)
		}
	default:
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil {
			w.t.Fatalf("base %q", base)
		}
		baseVersion = n
	}
	payload := symRef.ReplaceAllStringFunc(rest, func(m string) string {
		name := m[1:]
		if strings.HasPrefix(name, "number") {
			k, err := strconv.Atoi(strings.TrimPrefix(name, "number"))
			if err == nil {
				return strconv.Itoa(w.heldNumber(p, k))
			}
		}
		return w.phoneID(name)
	})
	if !json.Valid([]byte(payload)) {
		w.t.Fatalf("payload is not JSON: %s", payload)
	}
	hm, err := time.Parse("15:04", at)
	if err != nil {
		w.t.Fatalf("at=%s", at)
	}
	captured := time.Date(2026, 3, 2, hm.Hour(), hm.Minute(), 0, 0, clock.Vietnam)
	p.outbox = append(p.outbox, map[string]any{"change_id": w.phoneID("change:" + change), "entity_type": typ, "entity_id": entityID,
		"base_version": baseVersion, "captured_at": captured.UTC().Format(time.RFC3339), "payload": json.RawMessage(payload)})
	w.name(change, w.phoneID("change:"+change))
}

// heldNumber is the k-th record number (from 1) of the phone's number blocks, in order.
func (w *syncWorld) heldNumber(p *phone, k int) int {
	var numbers []int
	for _, h := range p.local[syncfeed.Numbers] {
		var b struct {
			First int `json:"first"`
			Last  int `json:"last"`
		}
		json.Unmarshal(h.Data, &b)
		for n := b.First; n <= b.Last && n > 0; n++ {
			numbers = append(numbers, n)
		}
	}
	sort.Ints(numbers)
	if k < 1 || k > len(numbers) {
		w.t.Fatalf("%s holds %d record numbers, not a %dth", p.who, len(numbers), k)
	}
	return numbers[k-1]
}

func (w *syncWorld) send(p *phone, batch []map[string]any) {
	w.t.Helper()
	if len(batch) == 0 {
		w.t.Fatalf("%s has nothing to send", p.who)
	}
	r := w.mobile(p.token, http.MethodPost, "/sync/push", map[string]any{"items": batch})
	if r.Status != http.StatusOK {
		w.printf("  refused %d %s\n", r.Status, r.ErrorCode())
		return
	}
	var body struct {
		Results []struct {
			ChangeID string `json:"change_id"`
			Outcome  string `json:"outcome"`
			Version  int64  `json:"version"`
			Code     string `json:"code"`
			Message  string `json:"message"`
		} `json:"results"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		w.t.Fatal(err)
	}
	if len(body.Results) != len(batch) {
		w.t.Fatalf("%d results for %d items", len(body.Results), len(batch))
	}
	for i, res := range body.Results {
		item := batch[i]
		if res.ChangeID != item["change_id"] {
			w.t.Fatalf("result %d is for %s, item %s", i, res.ChangeID, item["change_id"])
		}
		line := fmt.Sprintf("  %s %s %s: %s", w.sym(res.ChangeID), item["entity_type"], w.sym(item["entity_id"].(string)), res.Outcome)
		switch res.Outcome {
		case "applied", "duplicate":
			line += fmt.Sprintf(" v%d", res.Version)
		case "conflict", "rejected":
			line += " " + res.Code
			if res.Message == "" {
				w.t.Errorf("%s: no message for %s", res.ChangeID, res.Code)
			}
			p.aside = append(p.aside, res.ChangeID)
		}
		w.printf("%s\n", line)
	}
}

func (w *syncWorld) chiefAct(status, typ, entity, comment string) {
	w.t.Helper()
	if status == "-" {
		status = ""
	}
	v, err := w.srv.App.Store.ChiefAct(context.Background(), w.srv.Org.ID, typ, w.phoneID(entity), status, comment, w.ids["chief"])
	if err != nil {
		w.t.Fatalf("chief %s %s %s: %v", status, typ, entity, err)
	}
	w.printf("  %s %s now v%d\n", typ, entity, v)
}

func (w *syncWorld) changeCampaign(sym, what, arg string) {
	w.t.Helper()
	c, ok := w.camps[sym]
	if !ok {
		w.t.Fatalf("no campaign %s", sym)
	}
	switch what {
	case "add-site":
		c.SiteIDs = append(slices.Clone(c.SiteIDs), w.ids[arg])
	case "add-member":
		c.Team = append(slices.Clone(c.Team), campaign.Member{PersonID: w.ids[arg], Role: campaign.TeamMember})
	case "remove-member":
		c.Team = slices.DeleteFunc(slices.Clone(c.Team), func(m campaign.Member) bool { return m.PersonID == w.ids[arg] })
		c.Assignments = slices.DeleteFunc(slices.Clone(c.Assignments), func(a campaign.Assignment) bool { return a.PersonID == w.ids[arg] })
	default:
		w.t.Fatalf("campaign %s: unknown change %q", sym, what)
	}
	w.saveCampaign(sym, c)
}

func (w *syncWorld) quarantine() {
	w.t.Helper()
	r := w.srv.Do(w.t, http.MethodGet, "/api/v1/sync/quarantine?state=open", w.chief, nil)
	if r.Status != http.StatusOK {
		w.t.Fatalf("quarantine: %d %s", r.Status, r.Body)
	}
	var body struct {
		Items []struct {
			ChangeID   string          `json:"change_id"`
			EntityType string          `json:"entity_type"`
			EntityID   string          `json:"entity_id"`
			Code       string          `json:"code"`
			Payload    json.RawMessage `json:"payload"`
		} `json:"items"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		w.t.Fatal(err)
	}
	for _, it := range body.Items {
		if len(it.Payload) == 0 {
			w.t.Errorf("quarantined %s without its payload", it.ChangeID)
		}
		w.printf("  %s %s %s: %s\n", w.sym(it.ChangeID), it.EntityType, w.sym(it.EntityID), it.Code)
	}
	if len(body.Items) == 0 {
		w.printf("  (empty)\n")
	}
}

// checkInvariants: every phone holds what a new phone of its person pulls from zero (except its own
// number blocks), and nothing of a campaign whose team it is not in.
func (w *syncWorld) checkInvariants() {
	w.t.Helper()
	for who, p := range w.phones {
		w.pullAll(p)
		fresh := w.newPhone(who, "fresh-"+who)
		w.pullAll(fresh)
		for _, d := range syncfeed.Datasets {
			if d == syncfeed.Numbers {
				continue
			}
			if a, b := digest(p.local[d]), digest(fresh.local[d]); a != b {
				w.t.Errorf("%s's %s after incremental pulls:\n%s\nfrom zero:\n%s", who, d, a, b)
			}
		}
		mine := map[string]bool{}
		for _, h := range p.local[syncfeed.Assignments] {
			mine[h.ID] = true
			var c struct {
				Team []struct {
					PersonID string `json:"person_id"`
				} `json:"team"`
			}
			json.Unmarshal(h.Data, &c)
			if !slices.ContainsFunc(c.Team, func(m struct {
				PersonID string `json:"person_id"`
			}) bool {
				return m.PersonID == w.ids[who]
			}) {
				w.t.Errorf("%s holds campaign %s without being in its team", who, w.sym(h.ID))
			}
		}
		for _, h := range p.local[syncfeed.Visits] {
			var v struct {
				CampaignID string `json:"campaign_id"`
			}
			json.Unmarshal(h.Data, &v)
			if v.CampaignID != "" && !mine[v.CampaignID] {
				w.t.Errorf("%s holds %s %s of campaign %s, not its own", who, h.Type, w.sym(h.ID), w.sym(v.CampaignID))
			}
		}
	}
}

func digest(m map[string]held) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	for _, k := range keys {
		fmt.Fprintf(&b, "%s v%d %s\n", k, m[k].Version, m[k].Data)
	}
	return b.String()
}

// lineDiff shows the first lines where two transcripts differ.
func lineDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(wl), len(gl)) && shown < 20; i++ {
		var a, c string
		if i < len(wl) {
			a = wl[i]
		}
		if i < len(gl) {
			c = gl[i]
		}
		if a != c {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, a, c)
			shown++
		}
	}
	return b.String()
}
