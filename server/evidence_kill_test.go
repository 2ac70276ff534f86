package main

// The durability test of the evidence upload (issue 5, "a server killed with SIGKILL mid-upload loses
// no acknowledged byte"; DECISIONS D8, D12): the server runs as a child process (see
// sync_kill_test.go) and is killed with SIGKILL at random moments while a phone sends a photo in
// pieces — before a piece arrives, while its bytes stream into the store, around the commit of its
// offset, or after it and before the answer. After each restart the phone asks the offset with GET
// and goes on from there, as a real phone does. The offset the server reports must never be below the
// last one it acknowledged, and the upload must end stored with the photo's exact bytes.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/evidence"
	"github.com/skhcn-caobang/thanhtra/server/evidence/evidencetest"
	"github.com/skhcn-caobang/thanhtra/server/gormstore/storetest"
)

func TestEvidenceUploadSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills the server many times")
	}
	dataDir := t.TempDir()
	env := []string{"DATA_DIR=" + dataDir, "ADDR=127.0.0.1:0", "TOKEN_KEY=kill-test-key-kill-test-key-kill-test-key"}
	if db := storetest.URLFor(t); db.URL != "" {
		env = append(env, "DATABASE_URL="+db.URL)
	}
	s3 := os.Getenv("TEST_S3_ENDPOINT") != ""
	if s3 {
		env = append(env, "S3_ENDPOINT="+os.Getenv("TEST_S3_ENDPOINT"), "S3_ACCESS_KEY="+os.Getenv("TEST_S3_ACCESS_KEY"),
			"S3_SECRET_KEY="+os.Getenv("TEST_S3_SECRET_KEY"), "S3_USE_TLS=false", "S3_CREATE_BUCKET=true",
			"S3_BUCKET=kill-"+uuid.NewString()[:8])
	}
	srv := startProcess(t, env, "serve", "-demo")
	ph := &killPhone{t: t, client: &http.Client{Timeout: 30 * time.Second}}
	status, body, err := ph.post(srv.url, "/auth/login", map[string]any{"login": "inspector1", "password": "demo-inspector-1",
		"device": map[string]string{"id": "evidence-kill-phone", "platform": "android"}})
	if err != nil || status != http.StatusOK {
		t.Fatalf("login: %d %s %v", status, body, err)
	}
	var pair struct {
		AccessToken    string `json:"access_token"`
		OrganisationID string `json:"organisation_id"`
	}
	json.Unmarshal(body, &pair)
	ph.token = pair.AccessToken

	// A visit of an open campaign at a fuel station of the phone's own pull.
	held := ph.pullAll(srv.url, "assignments", "sites")
	today := time.Now().In(clock.Vietnam).Format("2006-01-02")
	var campaignID, siteID string
	for _, e := range held {
		var c struct {
			Status     string `json:"status"`
			PeriodFrom string `json:"period_from"`
			PeriodTo   string `json:"period_to"`
			Sites      []struct {
				SiteID string `json:"site_id"`
			} `json:"sites"`
		}
		if e.Type != "campaign" || json.Unmarshal(e.Data, &c) != nil || c.Status != "open" || today < c.PeriodFrom || today > c.PeriodTo {
			continue
		}
		for _, s := range c.Sites {
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
		t.Fatal("no open campaign with a fuel station")
	}
	visitID := uuid.Must(uuid.NewV7()).String()
	status, body, err = ph.post(srv.url, "/sync/push", map[string]any{"items": []any{map[string]any{"change_id": uuid.NewString(),
		"entity_type": "visit", "entity_id": visitID, "base_version": 0, "captured_at": time.Now().UTC(),
		"payload": map[string]any{"campaign_id": campaignID, "site_id": siteID, "date": today, "checklist_code": "fuel-station",
			"checklist_version": 1, "status": "in_progress"}}}})
	if err != nil || status != http.StatusOK || !bytes.Contains(body, []byte(`"applied"`)) {
		t.Fatalf("push the visit: %d %s %v", status, body, err)
	}

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 5))
	photo := evidencetest.Photo(rng, 6<<20, nil)
	sha := evidencetest.SHA256(photo)
	evidenceID := uuid.Must(uuid.NewV7()).String()
	status, body, err = ph.send(srv.url, http.MethodPut, evidenceID, map[string]any{"visit_id": visitID, "sha256": sha, "size": len(photo),
		"content_type": "image/jpeg", "purpose": "photo", "captured_at": time.Now().UTC()}, -1)
	if err != nil || status != http.StatusOK {
		t.Fatalf("announce: %d %s %v", status, body, err)
	}

	acked := 0  // the highest offset the server acknowledged
	state := "" // its state then
	kills, pieces := 0, 0
	for state != evidence.StateStored {
		if pieces > 400 {
			t.Fatal("the upload never ends")
		}
		// Where the server stands: never below what it acknowledged.
		offset, st, err := ph.head(srv.url, evidenceID)
		if err != nil {
			t.Fatalf("status: %v", err)
		}
		if offset < acked {
			t.Fatalf("after %d kills the server holds %d bytes; it had acknowledged %d", kills, offset, acked)
		}
		acked, state = offset, st
		if state == evidence.StateStored {
			break
		}
		piece := min(128<<10+rng.IntN(384<<10), len(photo)-offset)
		kill := pieces%2 == 1 && kills < 8
		if kill {
			go func(p *serverProcess, after time.Duration) {
				time.Sleep(after)
				p.kill()
			}(srv, time.Duration(rng.IntN(30_000))*time.Microsecond)
		}
		status, body, err := ph.send(srv.url, http.MethodPatch, evidenceID, photo[offset:offset+piece], offset)
		pieces++
		if err == nil && status == http.StatusOK {
			var st struct {
				State  string `json:"state"`
				Offset int    `json:"offset"`
			}
			if err := json.Unmarshal(body, &st); err != nil || st.Offset != offset+piece {
				t.Fatalf("piece at %d+%d answered %s", offset, piece, body)
			}
			acked, state = st.Offset, st.State
		} else if !kill {
			t.Fatalf("piece at %d without a kill: %d %s %v", offset, status, body, err)
		}
		if kill {
			<-srv.done
			kills++
			srv = startProcess(t, env, "serve")
		}
	}
	if acked != len(photo) {
		t.Fatalf("stored with %d of %d bytes acknowledged", acked, len(photo))
	}
	if !s3 {
		got, err := os.ReadFile(filepath.Join(dataDir, "objects", evidence.ContentKey(pair.OrganisationID, sha)))
		if err != nil || !bytes.Equal(got, photo) {
			t.Fatalf("the stored photo differs from the phone's (%d bytes, %v)", len(got), err)
		}
	}
	t.Logf("%d kills over %d pieces", kills, pieces)
}

// send sends an announce (offset -1, body JSON) or a piece of an upload (body bytes).
func (ph *killPhone) send(url, method, evidenceID string, body any, offset int) (int, []byte, error) {
	var rd io.Reader
	req, err := http.NewRequest(method, url+"/mobile/v1/evidence/"+evidenceID+"/upload", nil)
	if err != nil {
		ph.t.Fatal(err)
	}
	if b, ok := body.([]byte); ok {
		rd = bytes.NewReader(b)
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		req.Header.Set("Upload-Offset", strconv.Itoa(offset))
		req.ContentLength = int64(len(b))
	} else {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
		req.Header.Set("Content-Type", "application/json")
		req.ContentLength = int64(len(j))
	}
	req.Body = io.NopCloser(rd)
	req.Header.Set("Authorization", "Bearer "+ph.token)
	res, err := ph.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, out, err
}

// head asks where the upload stands (GET, its answer in the headers).
func (ph *killPhone) head(url, evidenceID string) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, url+"/mobile/v1/evidence/"+evidenceID+"/upload", nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+ph.token)
	res, err := ph.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, "", fmt.Errorf("status: %d", res.StatusCode)
	}
	n, err := strconv.Atoi(res.Header.Get("Upload-Offset"))
	return n, res.Header.Get("Evidence-State"), err
}
