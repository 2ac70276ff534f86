package main

// The push durability test of the sync protocol (PRODUCT.md sync 1 and 2; DECISIONS D8): the server
// runs as a separate process (this test binary, re-executed as the server) and is killed with SIGKILL
// at random moments while a phone pushes batches of visits. The phone resends every batch that was not
// answered, as a real phone does. In the end the server must hold every change exactly once: each
// change was answered "applied" at most once over all the sends, every visit holds its answers, and
// each visit's version equals the number of changes made to it (a change applied twice would raise it).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/gormstore/storetest"
)

// serveEnv makes this test binary run the server instead of the tests (see TestMain).
const serveEnv = "THANHTRA_TEST_SERVE_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(serveEnv); args != "" {
		os.Exit(run(context.Background(), strings.Fields(args), os.Getenv, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// serverProcess is the server running as a child process.
type serverProcess struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

// startProcess starts the server as a child process with env added to the test's environment.
func startProcess(t *testing.T, env []string, args ...string) *serverProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), env...), serveEnv+"="+strings.Join(args, " "))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProcess{cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	var log bytes.Buffer
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			mu.Lock()
			log.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		cmd.Wait()
		close(p.done)
	}()
	select {
	case a := <-addr:
		p.url = "http://" + a
	case <-p.done:
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("server exited: %s", log.String())
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("server did not start")
	}
	t.Cleanup(func() { p.kill() })
	return p
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *serverProcess) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

type killPhone struct {
	t      *testing.T
	token  string
	client *http.Client
}

func (ph *killPhone) post(url, path string, body any) (int, []byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		ph.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url+"/mobile/v1"+path, bytes.NewReader(b))
	if err != nil {
		ph.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if ph.token != "" {
		req.Header.Set("Authorization", "Bearer "+ph.token)
	}
	res, err := ph.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, out, err
}

// unitPeriod is a site's administrative unit for a period, as pulled.
type unitPeriod struct {
	ValidFrom string `json:"valid_from"`
	ValidTo   string `json:"valid_to"`
}

type pulledEntity struct {
	Type    string          `json:"type"`
	ID      string          `json:"id"`
	Op      string          `json:"op"`
	Version int64           `json:"version"`
	Data    json.RawMessage `json:"data"`
}

// pullAll pulls datasets from zero until complete and returns their entities by ID.
func (ph *killPhone) pullAll(url string, datasets ...string) map[string]pulledEntity {
	ph.t.Helper()
	out := map[string]pulledEntity{}
	cursors := map[string]string{}
	for _, d := range datasets {
		cursors[d] = ""
	}
	for round := 0; len(cursors) > 0; round++ {
		if round > 1000 {
			ph.t.Fatal("pull never completes")
		}
		status, body, err := ph.post(url, "/sync/pull", map[string]any{"datasets": cursors})
		if err != nil || status != http.StatusOK {
			ph.t.Fatalf("pull: %d %s %v", status, body, err)
		}
		var page struct {
			Datasets map[string]struct {
				Changes  []pulledEntity `json:"changes"`
				Next     string         `json:"next"`
				Complete bool           `json:"complete"`
			} `json:"datasets"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			ph.t.Fatal(err)
		}
		next := map[string]string{}
		for d := range cursors {
			p := page.Datasets[d]
			for _, c := range p.Changes {
				if c.Op == "delete" {
					delete(out, c.ID)
				} else {
					out[c.ID] = c
				}
			}
			if !p.Complete {
				next[d] = p.Next
				if len(p.Changes) == 0 { // held back by a transaction still running: pause
					time.Sleep(20 * time.Millisecond)
				}
			}
		}
		cursors = next
	}
	return out
}

func TestPushSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills the server many times")
	}
	env := []string{"DATA_DIR=" + t.TempDir(), "ADDR=127.0.0.1:0", "TOKEN_KEY=kill-test-key-kill-test-key-kill-test-key"}
	if db := storetest.URLFor(t); db.URL != "" {
		env = append(env, "DATABASE_URL="+db.URL)
	}
	srv := startProcess(t, env, "serve", "-demo")
	ph := &killPhone{t: t, client: &http.Client{Timeout: 30 * time.Second}}
	status, body, err := ph.post(srv.url, "/auth/login", map[string]any{"login": "inspector1", "password": "demo-inspector-1",
		"device": map[string]string{"id": "kill-test-phone", "platform": "android"}})
	if err != nil || status != http.StatusOK {
		t.Fatalf("login: %d %s %v", status, body, err)
	}
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	json.Unmarshal(body, &pair)
	ph.token = pair.AccessToken

	// The open campaign and a fuel station of it, from the phone's own pull.
	held := ph.pullAll(srv.url, "assignments", "sites")
	today := time.Now().In(clock.Vietnam).Format("2006-01-02")
	var campaignID, siteID string
	for _, e := range held {
		if e.Type != "campaign" {
			continue
		}
		var c struct {
			Status     string `json:"status"`
			PeriodFrom string `json:"period_from"`
			PeriodTo   string `json:"period_to"`
			Sites      []struct {
				SiteID string `json:"site_id"`
			} `json:"sites"`
		}
		json.Unmarshal(e.Data, &c)
		if c.Status != "open" || today < c.PeriodFrom || today > c.PeriodTo {
			continue
		}
		for _, s := range c.Sites {
			// A fuel station that moved to a commune-level unit on 1 July 2025: its unit is in force
			// today (a site left in an abolished district cannot be visited now).
			var site struct {
				Type  string       `json:"type"`
				Units []unitPeriod `json:"units"`
			}
			json.Unmarshal(held[s.SiteID].Data, &site)
			if site.Type == "fuel_station" && slices.ContainsFunc(site.Units, func(u unitPeriod) bool {
				return u.ValidFrom >= "2025-07-01" && u.ValidFrom <= today && u.ValidTo == ""
			}) {
				campaignID, siteID = e.ID, s.SiteID
			}
		}
	}
	if campaignID == "" {
		t.Fatalf("no open campaign with a fuel station among %d pulled entities", len(held))
	}

	// 12 batches of 20 visits, two changes each: the visit, then its answers on version 1.
	const batches, perBatch = 12, 20
	var all [][]map[string]any
	var visits []string
	captured := time.Now().UTC().Truncate(time.Second)
	for b := range batches {
		var items []map[string]any
		for v := range perBatch {
			id := uuid.Must(uuid.NewV7()).String()
			visits = append(visits, id)
			items = append(items,
				map[string]any{"change_id": uuid.Must(uuid.NewV7()).String(), "entity_type": "visit", "entity_id": id, "base_version": 0,
					"captured_at": captured, "payload": map[string]any{"campaign_id": campaignID, "site_id": siteID, "date": today,
						"checklist_code": "fuel-station", "checklist_version": 1, "status": "in_progress"}},
				map[string]any{"change_id": uuid.Must(uuid.NewV7()).String(), "entity_type": "visit", "entity_id": id, "base_version": 1,
					"captured_at": captured, "payload": map[string]any{"answers": map[string]any{
						"F1.1": map[string]any{"value": true, "evidence": []string{fmt.Sprintf("ev-%d-%d", b, v)}},
						"F1.3": map[string]any{"value": (b+v)%2 == 0, "evidence": []string{fmt.Sprintf("ev2-%d-%d", b, v)}}}}})
		}
		all = append(all, items)
	}

	appliedTimes := map[string]int{}
	answered := map[string]bool{}
	send := func(url string, items []map[string]any) bool {
		status, body, err := ph.post(url, "/sync/push", map[string]any{"items": items})
		if err != nil || status != http.StatusOK {
			return false
		}
		var res struct {
			Results []struct {
				ChangeID string `json:"change_id"`
				Outcome  string `json:"outcome"`
				Code     string `json:"code"`
			} `json:"results"`
		}
		if err := json.Unmarshal(body, &res); err != nil || len(res.Results) != len(items) {
			t.Fatalf("push answer: %s %v", body, err)
		}
		for _, r := range res.Results {
			switch r.Outcome {
			case "applied":
				appliedTimes[r.ChangeID]++
			case "duplicate":
			default:
				t.Fatalf("change %s: %s %s: %s", r.ChangeID, r.Outcome, r.Code, body)
			}
			answered[r.ChangeID] = true
		}
		return true
	}
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	kills := 0
	for b, items := range all {
		// Every other batch, the server is killed while the push is in flight, at a random moment:
		// before it reads the batch, during the transaction, or after the commit before the answer.
		if b%2 == 0 {
			go func(p *serverProcess, after time.Duration) {
				time.Sleep(after)
				p.kill()
			}(srv, time.Duration(rng.IntN(40_000))*time.Microsecond)
			ok := send(srv.url, items)
			<-srv.done
			kills++
			srv = startProcess(t, env, "serve")
			if ok {
				continue
			}
		}
		for attempt := 0; !send(srv.url, items); attempt++ {
			if attempt > 5 {
				t.Fatalf("batch %d never accepted", b)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	// A full replay after the last restart: every change is a duplicate now.
	for _, items := range all {
		if !send(srv.url, items) {
			t.Fatal("replay refused")
		}
	}
	for _, items := range all {
		for _, it := range items {
			id := it["change_id"].(string)
			if appliedTimes[id] > 1 {
				t.Errorf("change %s answered applied %d times", id, appliedTimes[id])
			}
			if !answered[id] {
				t.Errorf("change %s never answered", id)
			}
		}
	}
	got := ph.pullAll(srv.url, "visits")
	for _, id := range visits {
		e, ok := got[id]
		if !ok {
			t.Errorf("visit %s lost", id)
			continue
		}
		var v struct {
			Answers map[string]json.RawMessage `json:"answers"`
		}
		json.Unmarshal(e.Data, &v)
		if e.Version != 2 || len(v.Answers) != 2 {
			t.Errorf("visit %s: version %d with %d answers, want version 2 with 2 (each change applied once)", id, e.Version, len(v.Answers))
		}
	}
	t.Logf("%d kills, %d visits, %d changes", kills, len(visits), 2*len(visits))
}
