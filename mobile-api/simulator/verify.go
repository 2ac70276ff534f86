package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// verification is what the server was found to hold against the ledger.
type verification struct {
	visits, records, evidence, answers, findings int
	documents, pdfs                              int // record documents and PDFs found identical to the phones'
	evidenceBytes                                int64
	foreignVisits                                int // in the campaigns, not made by this run (accounts mode)
	findingsChecked                              bool
	problems                                     []string
	mu                                           sync.Mutex
}

func (v *verification) problem(format string, args ...any) {
	v.mu.Lock()
	v.problems = append(v.problems, fmt.Sprintf(format, args...))
	v.mu.Unlock()
}

// verify checks through the server's APIs that it holds exactly what the ledger says the phones
// made: every visit of the run's campaigns and no other (setup mode), each visit's answers, its
// evidence stored and byte-identical (downloaded and hashed), its violation records with their
// numbers (no number twice), each record's document (D10) identical to the one the phone made (the
// PDF too, for the records the phones rendered), its manual findings (pulled as the verifier's phone
// when it may).
func verify(ctx context.Context, o *Options, w *world, led *ledger, logf func(string, ...any)) *verification {
	res := &verification{}
	con := newConsole(o.ServerURL)
	if err := con.login(ctx, w.verifyLogin, w.verifyPassword); err != nil {
		res.problem("verifier: %v", err)
		return res
	}
	byCampaign := map[string]map[string]bool{}
	visits := map[string]*ledgerVisit{}
	for _, v := range led.visits {
		if byCampaign[v.CampaignID] == nil {
			byCampaign[v.CampaignID] = map[string]bool{}
		}
		byCampaign[v.CampaignID][v.ID] = true
		visits[v.ID] = v
	}
	for _, cid := range w.campaigns {
		if byCampaign[cid] == nil {
			byCampaign[cid] = map[string]bool{}
		}
	}
	// Visits: nothing missing, nothing else.
	for cid, want := range byCampaign {
		seen := map[string]int{}
		for offset := 0; ; {
			var page struct {
				Items []struct {
					ID     string `json:"id"`
					SiteID string `json:"site_id"`
					Date   string `json:"date"`
				} `json:"items"`
				Total int `json:"total"`
			}
			if err := con.call(ctx, http.MethodGet, fmt.Sprintf("/api/v1/visits?campaign_id=%s&limit=500&offset=%d", query(cid), offset), nil, &page); err != nil {
				res.problem("visits of campaign %s: %v", cid, err)
				break
			}
			for _, it := range page.Items {
				seen[it.ID]++
				if lv := visits[it.ID]; lv != nil && (lv.SiteID != it.SiteID || lv.Date != it.Date) {
					res.problem("visit %s: the server has site %s on %s, the phone made site %s on %s", it.ID, it.SiteID, it.Date, lv.SiteID, lv.Date)
				}
			}
			offset += len(page.Items)
			if len(page.Items) == 0 || offset >= page.Total {
				break
			}
		}
		strict := slices.Contains(w.campaigns, cid)
		for id, n := range seen {
			switch {
			case n > 1:
				res.problem("visit %s listed %d times", id, n)
			case !want[id] && strict:
				res.problem("campaign %s holds visit %s that no phone made", cid, id)
			case !want[id]:
				res.foreignVisits++
			}
		}
		for id := range want {
			if seen[id] == 0 {
				res.problem("visit %s (phone %d) is not on the server", id, visits[id].Phone)
			}
		}
	}
	// Each visit in depth, a few at a time.
	numbers := map[string]string{}
	for _, v := range led.visits {
		for _, r := range v.Records {
			k := fmt.Sprintf("%s/%d/%d", r.IssuingUnitID, r.Year, r.Number)
			if other, dup := numbers[k]; dup {
				res.problem("records %s and %s took the same number %s", other, r.ID, k)
			}
			numbers[k] = r.ID
		}
	}
	// The documents are made by a job on the server after the push: the verification waits for them,
	// all together, up to DocumentWait.
	docDeadline := time.Now().Add(o.DocumentWait)
	work := make(chan *ledgerVisit)
	var wg sync.WaitGroup
	for range max(o.VerifyWorkers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range work {
				verifyVisit(ctx, con, v, res)
				for _, r := range v.Records {
					verifyDocument(ctx, con, r, docDeadline, res)
				}
			}
		}()
	}
	for _, v := range led.visits {
		work <- v
	}
	close(work)
	wg.Wait()
	verifyFindings(ctx, o, w, visits, res, logf)
	return res
}

// sameJSON compares two JSON values (numbers by value, objects by content).
func sameJSON(a any, b json.RawMessage) bool {
	ab, _ := json.Marshal(a)
	var x, y any
	if json.Unmarshal(ab, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb)
}

func verifyVisit(ctx context.Context, con *console, v *ledgerVisit, res *verification) {
	var ans struct {
		Answers map[string]struct {
			Value    json.RawMessage `json:"value"`
			None     bool            `json:"none"`
			Evidence []string        `json:"evidence"`
		} `json:"answers"`
	}
	if err := con.call(ctx, http.MethodGet, "/api/v1/visits/"+v.ID+"/answers", nil, &ans); err != nil {
		res.problem("answers of visit %s: %v", v.ID, err)
		return
	}
	if len(ans.Answers) != len(v.Answers) {
		res.problem("visit %s: the server holds %d answers, the phone gave %d", v.ID, len(ans.Answers), len(v.Answers))
	}
	for k, want := range v.Answers {
		got, ok := ans.Answers[k]
		switch {
		case !ok:
			res.problem("visit %s: answer %s lost", v.ID, k)
		case want.Value != nil && !sameJSON(want.Value, got.Value), want.Value == nil && len(got.Value) > 0 && string(got.Value) != "null",
			got.None != want.None, !slices.Equal(got.Evidence, want.Evidence) && (len(got.Evidence) > 0 || len(want.Evidence) > 0):
			res.problem("visit %s answer %s: the server holds %s none=%v %v, the phone gave %v none=%v %v", v.ID, k, got.Value, got.None,
				got.Evidence, want.Value, want.None, want.Evidence)
		}
	}
	var ev struct {
		Evidence []struct {
			ID       string `json:"id"`
			RecordID string `json:"record_id"`
			SHA256   string `json:"sha256"`
			Size     int64  `json:"size"`
			State    string `json:"state"`
		} `json:"evidence"`
		Records []struct {
			ID          string   `json:"id"`
			Year        int      `json:"year"`
			Number      int      `json:"number"`
			EvidenceIDs []string `json:"evidence_ids"`
			Complete    bool     `json:"complete"`
		} `json:"records"`
		Complete bool `json:"complete"`
	}
	if err := con.call(ctx, http.MethodGet, "/api/v1/visits/"+v.ID+"/evidence", nil, &ev); err != nil {
		res.problem("evidence of visit %s: %v", v.ID, err)
		return
	}
	if !ev.Complete {
		res.problem("visit %s is not complete on the server (evidence missing)", v.ID)
	}
	held := map[string]int{}
	for _, e := range ev.Evidence {
		held[e.ID]++
	}
	want := map[string]ledgerEvidence{}
	for _, e := range v.Evidence {
		want[e.ID] = e
	}
	for id, n := range held {
		if n > 1 {
			res.problem("visit %s: evidence %s listed %d times", v.ID, id, n)
		}
		if _, ok := want[id]; !ok {
			res.problem("visit %s: the server holds evidence %s that the phone did not take", v.ID, id)
		}
	}
	for _, e := range ev.Evidence {
		le, ok := want[e.ID]
		if !ok {
			continue
		}
		if e.State != "stored" || e.SHA256 != le.SHA256 || e.Size != le.Size || e.RecordID != le.RecordID {
			res.problem("evidence %s: the server holds %s %s %d bytes (record %q), the phone took %s %d bytes (record %q)", e.ID, e.State,
				e.SHA256, e.Size, e.RecordID, le.SHA256, le.Size, le.RecordID)
			continue
		}
		sum, size, err := con.download(ctx, "/api/v1/evidence/"+e.ID+"/content")
		switch {
		case err != nil:
			res.problem("content of evidence %s: %v", e.ID, err)
		case sum != le.SHA256 || size != le.Size:
			res.problem("content of evidence %s: %d bytes hashing %s, not the %d bytes taken (%s)", e.ID, size, sum, le.Size, le.SHA256)
		default:
			res.mu.Lock()
			res.evidence++
			res.evidenceBytes += size
			res.mu.Unlock()
		}
	}
	for _, le := range v.Evidence {
		if held[le.ID] == 0 {
			res.problem("visit %s: evidence %s (%s, %d bytes) is not on the server", v.ID, le.ID, le.Purpose, le.Size)
		}
	}
	recs := map[string]int{}
	for _, r := range ev.Records {
		recs[r.ID]++
	}
	for _, lr := range v.Records {
		found := false
		for _, r := range ev.Records {
			if r.ID != lr.ID {
				continue
			}
			found = true
			if r.Year != lr.Year || r.Number != lr.Number || !r.Complete || !slices.Equal(sorted(r.EvidenceIDs), sorted(lr.EvidenceIDs)) {
				res.problem("record %s: the server holds number %d/%d complete=%v evidence %v, the phone drew up %d/%d with %v", r.ID, r.Number,
					r.Year, r.Complete, r.EvidenceIDs, lr.Number, lr.Year, lr.EvidenceIDs)
			}
		}
		if !found {
			res.problem("visit %s: record %s (number %d) is not on the server", v.ID, lr.ID, lr.Number)
		}
	}
	if len(ev.Records) != len(v.Records) {
		res.problem("visit %s: the server holds %d records, the phone drew up %d", v.ID, len(ev.Records), len(v.Records))
	}
	res.mu.Lock()
	res.visits++
	res.records += len(v.Records)
	res.answers += len(v.Answers)
	res.mu.Unlock()
}

// verifyDocument checks a record's document on the server against the one the phone made: the
// phone's is complete (nothing missing from its copy) and frozen when queued, and the server's
// canonical JSON — its bytes and its ETag — has the phone's SHA-256; for a record whose PDF the phone
// rendered, the server's PDF is byte-identical too. While the server's job has not made the
// document yet (record_document_not_found), it asks again until the deadline.
func verifyDocument(ctx context.Context, con *console, r ledgerRecord, deadline time.Time, res *verification) {
	switch {
	case r.DocumentErr != "":
		res.problem("record %s: the phone made no document: %s", r.ID, r.DocumentErr)
		return
	case !r.DocumentFrozen:
		res.problem("record %s: the phone did not freeze its document when it queued the record signed", r.ID)
	case r.DocumentMissing != "[]":
		res.problem("record %s: the phone's copy lacked %s for the document", r.ID, r.DocumentMissing)
	}
	base := "/api/v1/records/" + r.ID + "/document"
	sum, etag, err := awaitDocument(ctx, con, base+".json", deadline)
	switch {
	case err != nil:
		res.problem("record %s: the server's document: %v", r.ID, err)
		return
	case sum != r.DocumentSHA256 || etag != strconv.Quote(sum):
		res.problem("record %s: the server's document hashes %s (ETag %s), the phone's %s", r.ID, sum, etag, r.DocumentSHA256)
		return
	}
	res.mu.Lock()
	res.documents++
	res.mu.Unlock()
	if r.PDFSHA256 == "" {
		return
	}
	sum, etag, err = awaitDocument(ctx, con, base+".pdf", deadline)
	switch {
	case err != nil:
		res.problem("record %s: the server's PDF: %v", r.ID, err)
	case sum != r.PDFSHA256 || etag != strconv.Quote(sum):
		res.problem("record %s: the server's PDF hashes %s (ETag %s), the phone's rendering %s", r.ID, sum, etag, r.PDFSHA256)
	default:
		res.mu.Lock()
		res.pdfs++
		res.mu.Unlock()
	}
}

// awaitDocument fetches a stored record document, asking again (from a quarter of a second, doubling
// to 5 s) while the server answers that it has not made it yet, until the deadline.
func awaitDocument(ctx context.Context, con *console, path string, deadline time.Time) (sum, etag string, err error) {
	wait := 250 * time.Millisecond
	for {
		sum, _, etag, err = con.fetch(ctx, path)
		var ae *apiError
		if err == nil || !errors.As(err, &ae) || ae.Code != codeRecordDocumentNotFound {
			return sum, etag, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return "", "", fmt.Errorf("not made within the wait for documents: %w", err)
		}
		select {
		case <-ctx.Done():
			return "", "", ctx.Err()
		case <-time.After(min(wait, left)):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// codeRecordDocumentNotFound is the console's answer for a record whose document is not made yet
// (schemas/error-codes-documents.json).
const codeRecordDocumentNotFound = "record_document_not_found"

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// verifyFindings pulls the visits as the verifier's phone (a chief leads every team in setup mode)
// and compares each visit's manual findings. A verifier that may not pull (a director) skips it.
func verifyFindings(ctx context.Context, o *Options, w *world, visits map[string]*ledgerVisit, res *verification, logf func(string, ...any)) {
	hc := &http.Client{Timeout: 2 * time.Minute}
	post := func(path, token string, in any, out any) (int, error) {
		b, _ := json.Marshal(in)
		var last error
		for attempt := range 6 {
			if attempt > 0 {
				time.Sleep(time.Duration(200<<attempt) * time.Millisecond)
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(o.ServerURL, "/")+"/mobile/v1"+path, bytes.NewReader(b))
			if err != nil {
				return 0, err
			}
			req.Header.Set("Content-Type", "application/json")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			r, err := hc.Do(req)
			if err != nil {
				last = err
				continue
			}
			body, err := io.ReadAll(r.Body)
			r.Body.Close()
			if err != nil || r.StatusCode >= 500 {
				last = fmt.Errorf("HTTP %d %v", r.StatusCode, err)
				continue
			}
			if r.StatusCode != http.StatusOK {
				return r.StatusCode, fmt.Errorf("HTTP %d: %s", r.StatusCode, body)
			}
			return r.StatusCode, json.Unmarshal(body, out)
		}
		return 0, last
	}
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	if st, err := post("/auth/login", "", map[string]any{"login": w.verifyLogin, "password": w.verifyPassword,
		"device": map[string]string{"id": "sim-verifier-" + o.RunID, "name": "simulator verifier"}}, &pair); err != nil {
		logf("findings not checked: the verifier cannot log in as a phone (%d): %v", st, err)
		return
	}
	found := map[string][]ledgerFinding{}
	cursor := ""
	for round := 0; ; round++ {
		var body struct {
			Datasets map[string]struct {
				Changes []struct {
					Type string          `json:"type"`
					ID   string          `json:"id"`
					Op   string          `json:"op"`
					Data json.RawMessage `json:"data"`
				} `json:"changes"`
				Next     string `json:"next"`
				Complete bool   `json:"complete"`
			} `json:"datasets"`
		}
		if st, err := post("/sync/pull", pair.AccessToken, map[string]any{"datasets": map[string]string{"visits": cursor}, "limit": 1000}, &body); err != nil {
			logf("findings not checked: the verifier cannot pull (%d): %v", st, err)
			return
		}
		p := body.Datasets["visits"]
		for _, ch := range p.Changes {
			if ch.Type != "visit" || visits[ch.ID] == nil {
				continue
			}
			var d struct {
				ManualFindings []struct {
					ID          string   `json:"id"`
					Description string   `json:"description"`
					EvidenceIDs []string `json:"evidence_ids"`
				} `json:"manual_findings"`
			}
			json.Unmarshal(ch.Data, &d)
			found[ch.ID] = nil
			for _, f := range d.ManualFindings {
				found[ch.ID] = append(found[ch.ID], ledgerFinding{ID: f.ID, Description: f.Description, EvidenceIDs: f.EvidenceIDs})
			}
		}
		cursor = p.Next
		if p.Complete {
			break
		}
		if round > 100_000 {
			res.problem("the verifier's pull never completes")
			return
		}
		if len(p.Changes) == 0 {
			time.Sleep(50 * time.Millisecond) // held back by a transaction in flight (PostgreSQL)
		}
	}
	res.findingsChecked = true
	for id, v := range visits {
		got, ok := found[id]
		if !ok {
			res.problem("visit %s is not in the verifier's pull", id)
			continue
		}
		if len(got) != len(v.Findings) {
			res.problem("visit %s: %d manual findings on the server, the phone noted %d", id, len(got), len(v.Findings))
			continue
		}
		for _, lf := range v.Findings {
			i := slices.IndexFunc(got, func(f ledgerFinding) bool { return f.ID == lf.ID })
			if i < 0 || got[i].Description != lf.Description || !slices.Equal(sorted(got[i].EvidenceIDs), sorted(lf.EvidenceIDs)) {
				res.problem("visit %s: finding %s not held as noted", id, lf.ID)
				continue
			}
			res.mu.Lock()
			res.findings++
			res.mu.Unlock()
		}
	}
}
