package simulator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/skhcn-caobang/thanhtra/mobile-api/client"
)

// The ledger: what each phone made, kept by the simulator itself (never read back from the client's
// store), so that the verification compares the server with an independent account of the work.

type ledgerAnswer struct {
	Value    any      // as sent (nil: none)
	None     bool     // the "none" answer of a date item
	Evidence []string // photo IDs cited
}

type ledgerEvidence struct {
	ID, SHA256, RecordID, Purpose string
	Size                          int64
}

type ledgerRecord struct {
	ID, IssuingUnitID string
	Year, Number      int
	EvidenceIDs       []string
	Content           string // the record's JSON as the phone saved it (without the number: the client adds it)
	// The record's document as the phone made it when the record was queued signed (D10):
	// client.RecordDocument's SHA-256, whether it was frozen and what the local copy lacked, or why
	// there was none. PDFSHA256 is the SHA-256 of the PDF the phone rendered (client.RecordPDF), for
	// the sample the simulator renders: the first record of each phone ("" for the others).
	DocumentSHA256, DocumentMissing, DocumentErr string
	DocumentFrozen                               bool
	PDFSHA256                                    string
}

type ledgerFinding struct {
	ID, Description string
	EvidenceIDs     []string
}

type ledgerVisit struct {
	Phone                  int
	ID, CampaignID, SiteID string
	Date                   string
	Answers                map[string]ledgerAnswer
	Evidence               []ledgerEvidence
	Records                []ledgerRecord
	Findings               []ledgerFinding
}

// ledger is the whole run's account, filled by the phones concurrently.
type ledger struct {
	mu     sync.Mutex
	visits []*ledgerVisit
}

func (l *ledger) add(v *ledgerVisit) {
	l.mu.Lock()
	l.visits = append(l.visits, v)
	l.mu.Unlock()
}

// phoneStats is what a phone reports at the end.
type phoneStats struct {
	visits, syncs, syncErrors int
	pruned                    *client.PruneReport
	stats                     *client.Stats
	problems                  []string
}

// seededRandom is the client's jitter source drawn from the phone's seed.
type seededRandom struct {
	mu sync.Mutex
	r  *rand.Rand
}

func (s *seededRandom) Int63n(n int64) int64 {
	if n <= 0 {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r.Int64N(n)
}

// checklistTemplate is the part of a pulled checklist (sync-checklist.schema.json) the phone answers.
type checklistTemplate struct {
	Code          string   `json:"code"`
	Version       int      `json:"version"`
	FacilityTypes []string `json:"facility_types"`
	Template      struct {
		Sections []struct {
			ID        string `json:"id"`
			RepeatPer any    `json:"repeat_per"`
			Items     []struct {
				ID     string `json:"id"`
				Answer struct {
					Type        string `json:"type"`
					NoneAllowed bool   `json:"none_allowed"`
					Options     []struct {
						ID string `json:"id"`
					} `json:"options"`
				} `json:"answer"`
				PhotosRequired int `json:"photos_required"`
			} `json:"items"`
		} `json:"sections"`
	} `json:"template"`
}

// phone is one simulated phone: its client, its random sources, its share of the ledger.
type phone struct {
	i      int
	o      *Options
	acct   account
	date   string
	c      *client.Client
	rng    *rand.Rand
	ledger *ledger
	st     phoneStats
	logf   func(string, ...any)
	// rec, when set, shapes the violation record (MakeVisit); nil: the fleet's record.
	rec *VisitOptions
}

// retry runs fn until it succeeds, retrying what the network (or a restarting server) causes:
// offline, server_error, rate_limited (after Retry-After). Other errors are returned.
func (p *phone) retry(ctx context.Context, what string, fn func() error) error {
	var err error
	for attempt := range p.o.MaxRounds {
		if err = fn(); err == nil {
			return nil
		}
		code := client.ErrorCode(err)
		if code != client.CodeOffline && code != client.CodeServerError && code != client.CodeRateLimited {
			return fmt.Errorf("phone %d %s: %w", p.i, what, err)
		}
		wait := time.Duration(100+p.rng.IntN(400)) * time.Millisecond << min(attempt, 4)
		var ce *client.Error
		if asClientError(err, &ce) && ce.RetryAfterSeconds > 0 {
			wait = time.Duration(ce.RetryAfterSeconds) * time.Second
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
	return fmt.Errorf("phone %d %s: still failing after %d rounds: %w", p.i, what, p.o.MaxRounds, err)
}

func asClientError(err error, out **client.Error) bool {
	e, ok := err.(*client.Error)
	if ok {
		*out = e
	}
	return ok
}

// run is the phone's day: log in, pull, visits offline with a sync every SyncEvery visits, then sync
// until nothing is left to send.
func (p *phone) run(ctx context.Context, dir string, ft http.RoundTripper) error {
	c, err := p.open(filepath.Join(dir, fmt.Sprintf("phone-%04d.db", p.i)), fmt.Sprintf("sim-%s-dev-%04d", p.o.RunID, p.i), ft)
	if err != nil {
		return err
	}
	var closeOnce sync.Once
	closeClient := func() { closeOnce.Do(func() { c.Close() }) }
	stop := context.AfterFunc(ctx, closeClient) // an interrupted run stops the sync in progress
	defer func() {
		stop()
		p.st.stats = c.Stats()
		closeClient()
	}()
	if err := p.retry(ctx, "login", func() error { return c.Login(p.acct.login, p.acct.password) }); err != nil {
		return err
	}
	if err := p.retry(ctx, "pull", func() error { _, err := c.Pull(); return err }); err != nil {
		return err
	}
	plan, err := p.plan()
	if err != nil {
		return err
	}
	for v := range p.o.Visits {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := p.visit(plan, v); err != nil {
			return fmt.Errorf("phone %d visit %d: %w", p.i, v, err)
		}
		p.st.visits++
		if (v+1)%p.o.SyncEvery == 0 && v+1 < p.o.Visits {
			p.sync(ctx, false)
		}
	}
	if err := p.sync(ctx, true); err != nil {
		return err
	}
	// The phone lets go of what the server holds whole (the photos above all).
	p.st.pruned, err = c.Prune()
	return err
}

// open opens the phone's client on its store, through the network ft.
func (p *phone) open(storePath, deviceID string, ft http.RoundTripper) (*client.Client, error) {
	cfg := &client.Config{StorePath: storePath, ServerURL: p.o.ServerURL,
		DeviceID: deviceID, DeviceName: fmt.Sprintf("Điện thoại mô phỏng %d", p.i),
		AppVersion: "simulator", MaxAttempts: 6, BackoffBaseMillis: 100, BackoffMaxMillis: 2000, RequestTimeoutMillis: 60_000,
		UploadChunkBytes: p.o.ChunkKiB << 10, HeldBackPauseMillis: 200}
	c, err := client.OpenWithTransport(cfg, nil, &seededRandom{r: rand.New(rand.NewPCG(p.o.Seed, uint64(p.i)+1<<32))}, ft)
	if err != nil {
		return nil, err
	}
	p.c = c
	return c, nil
}

// sync syncs; drain: until nothing is left to send (or the rounds run out).
func (p *phone) sync(ctx context.Context, drain bool) error {
	for round := 0; ; round++ {
		p.st.syncs++
		_, err := p.c.Sync()
		if err != nil {
			p.st.syncErrors++
			code := client.ErrorCode(err)
			if code != client.CodeOffline && code != client.CodeServerError && code != client.CodeRateLimited {
				return fmt.Errorf("phone %d sync: %w", p.i, err)
			}
		}
		if !drain {
			return nil
		}
		st, serr := p.c.Status()
		if serr != nil {
			return serr
		}
		if err == nil && st.Queued+st.Sending+st.Uploads == 0 {
			return p.checkSetAside()
		}
		if round+1 >= p.o.MaxRounds {
			return fmt.Errorf("phone %d: work left after %d syncs (%d queued, %d sending, %d uploads): %v", p.i, round+1,
				st.Queued, st.Sending, st.Uploads, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(200+p.rng.IntN(800)) * time.Millisecond):
		}
	}
}

// checkSetAside reports every change or upload the server refused: the simulator makes only work the
// server must take, so any is a problem.
func (p *phone) checkSetAside() error {
	s, err := p.c.Outbox("rejected")
	if err != nil {
		return err
	}
	var items []struct {
		EntityType string `json:"entity_type"`
		EntityID   string `json:"entity_id"`
		Code       string `json:"code"`
		Message    string `json:"message"`
		Fields     string `json:"fields"`
	}
	json.Unmarshal([]byte(s), &items)
	for _, it := range items {
		p.st.problems = append(p.st.problems, fmt.Sprintf("phone %d: the server refused %s %s: %s %s %s", p.i, it.EntityType, it.EntityID,
			it.Code, it.Message, it.Fields))
	}
	if s, err = p.c.EvidenceList("rejected"); err != nil {
		return err
	}
	var ev []struct {
		ID, Code, Message string
	}
	json.Unmarshal([]byte(s), &ev)
	for _, e := range ev {
		p.st.problems = append(p.st.problems, fmt.Sprintf("phone %d: upload of %s refused: %s %s", p.i, e.ID, e.Code, e.Message))
	}
	return nil
}

// visitPlan is where and with what the phone works.
type visitPlan struct {
	campaignID  string
	sites       []string
	subjectOf   map[string]string
	checklist   checklistTemplate
	issuingUnit string
	year        int
	lat, lon    float64
}

// plan reads the phone's pulled copy: its campaign and sites, the checklist for fuel stations, its
// number block.
func (p *phone) plan() (*visitPlan, error) {
	pl := &visitPlan{subjectOf: map[string]string{}, lat: 22.66, lon: 106.25}
	var camps []struct {
		ID   string `json:"id"`
		Data struct {
			Status     string `json:"status"`
			PeriodFrom string `json:"period_from"`
			PeriodTo   string `json:"period_to"`
			Sites      []struct {
				SiteID string `json:"site_id"`
			} `json:"sites"`
		} `json:"data"`
	}
	if err := p.list("campaign", &camps); err != nil {
		return nil, err
	}
	for _, cp := range camps {
		if (p.acct.campaignID == "" || cp.ID == p.acct.campaignID) && cp.Data.Status == "open" && len(cp.Data.Sites) > 0 &&
			cp.Data.PeriodFrom <= p.date && p.date <= cp.Data.PeriodTo {
			pl.campaignID = cp.ID
			for _, s := range cp.Data.Sites {
				pl.sites = append(pl.sites, s.SiteID)
			}
			break
		}
	}
	if pl.campaignID == "" {
		return nil, fmt.Errorf("phone %d (%s): no open campaign on %s in the pulled copy", p.i, p.acct.login, p.date)
	}
	var sites []struct {
		ID   string `json:"id"`
		Data struct {
			SubjectID string   `json:"subject_id"`
			Type      string   `json:"type"`
			Lat       *float64 `json:"lat"`
			Lon       *float64 `json:"lon"`
		} `json:"data"`
	}
	if err := p.list("site", &sites); err != nil {
		return nil, err
	}
	siteType := ""
	for _, s := range sites {
		pl.subjectOf[s.ID] = s.Data.SubjectID
		if s.ID == pl.sites[0] {
			siteType = s.Data.Type
			if s.Data.Lat != nil && s.Data.Lon != nil {
				pl.lat, pl.lon = *s.Data.Lat, *s.Data.Lon
			}
		}
	}
	// Visit only sites of the campaign's first site's type (one checklist).
	var lists []struct {
		Data checklistTemplate `json:"data"`
	}
	if err := p.list("checklist", &lists); err != nil {
		return nil, err
	}
	for _, l := range lists {
		if slices.Contains(l.Data.FacilityTypes, siteType) && l.Data.Version > pl.checklist.Version {
			pl.checklist = l.Data
		}
	}
	if pl.checklist.Code == "" {
		return nil, fmt.Errorf("phone %d: no checklist for %q sites", p.i, siteType)
	}
	var blocks []struct {
		Data struct {
			IssuingUnitID string `json:"issuing_unit_id"`
			Year          int    `json:"year"`
		} `json:"data"`
	}
	if err := p.list("number_block", &blocks); err != nil {
		return nil, err
	}
	year := p.date[:4]
	for _, b := range blocks {
		if fmt.Sprint(b.Data.Year) == year {
			pl.issuingUnit, pl.year = b.Data.IssuingUnitID, b.Data.Year
			break
		}
	}
	if pl.issuingUnit == "" {
		return nil, fmt.Errorf("phone %d: no record number block for %s", p.i, year)
	}
	return pl, nil
}

func (p *phone) list(entityType string, out any) error {
	s, err := p.c.ReferenceList(entityType)
	if err != nil {
		return err
	}
	return json.Unmarshal([]byte(s), out)
}

// visit performs one visit offline: the visit, its GPS, photos, answers in two changes, a manual
// finding, a violation record numbered from the device's block with a photo and a signature.
func (p *phone) visit(pl *visitPlan, n int) error {
	c := p.c
	site := pl.sites[(p.i+n)%len(pl.sites)]
	if p.rec != nil && p.rec.SiteID != "" {
		if !slices.Contains(pl.sites, p.rec.SiteID) {
			return fmt.Errorf("site %s is not one of campaign %s's sites of the checklist's type", p.rec.SiteID, pl.campaignID)
		}
		site = p.rec.SiteID
	}
	id, err := c.CreateVisit(&client.NewVisit{CampaignID: pl.campaignID, SiteID: site, Date: p.date,
		ChecklistCode: pl.checklist.Code, ChecklistVersion: pl.checklist.Version, Status: "in_progress"})
	if err != nil {
		return err
	}
	lv := &ledgerVisit{Phone: p.i, ID: id, CampaignID: pl.campaignID, SiteID: site, Date: p.date, Answers: map[string]ledgerAnswer{}}
	lat, lon := pl.lat+p.rng.Float64()*0.0005, pl.lon+p.rng.Float64()*0.0005
	if err := c.SetVisitGPS(id, lat, lon, 5+p.rng.Float64()*20); err != nil {
		return err
	}
	capture := func(purpose, recordID string, kib int) (string, error) {
		b, err := noiseJPEG(p.rng, kib)
		if err != nil {
			return "", err
		}
		eid, err := c.CaptureEvidence(&client.NewEvidence{VisitID: id, RecordID: recordID, Purpose: purpose, Bytes: b,
			HasGPS: true, Lat: lat, Lon: lon, AccuracyM: 8})
		if err != nil {
			return "", err
		}
		sum := sha256.Sum256(b)
		lv.Evidence = append(lv.Evidence, ledgerEvidence{ID: eid, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(b)),
			RecordID: recordID, Purpose: purpose})
		return eid, nil
	}
	var photos []string
	for range p.o.Photos {
		kib := p.o.PhotoKiB/2 + p.rng.IntN(p.o.PhotoKiB+1) // half to one and a half times the mean
		eid, err := capture("photo", "", kib)
		if err != nil {
			return err
		}
		photos = append(photos, eid)
	}
	// Answers to every item outside repeated sections (those need an instrument per answer).
	answers := map[string]map[string]any{}
	next := 0
	for _, sec := range pl.checklist.Template.Sections {
		if sec.RepeatPer != nil {
			continue
		}
		for _, it := range sec.Items {
			a := map[string]any{}
			la := ledgerAnswer{}
			switch it.Answer.Type {
			case "yes_no":
				la.Value = p.rng.IntN(5) > 0
			case "text":
				la.Value = fmt.Sprintf("Ghi chú mô phỏng %d-%d %s", p.i, n, it.ID)
			case "number":
				la.Value = float64(p.rng.IntN(200)-100) / 100
			case "date":
				if it.Answer.NoneAllowed && p.rng.IntN(4) == 0 {
					la.None = true
				} else {
					t, _ := time.Parse(time.DateOnly, p.date)
					la.Value = t.AddDate(0, p.rng.IntN(24)-6, 0).Format(time.DateOnly)
				}
			case "choice":
				if len(it.Answer.Options) == 0 {
					continue
				}
				la.Value = it.Answer.Options[p.rng.IntN(len(it.Answer.Options))].ID
			case "gps":
				la.Value = map[string]any{"lat": lat, "lon": lon}
			case "photo":
			default:
				continue // signatures: not answered
			}
			if (it.PhotosRequired > 0 || it.Answer.Type == "photo") && next < len(photos) {
				la.Evidence = []string{photos[next]}
				next++
			}
			if la.Value == nil && !la.None && len(la.Evidence) == 0 {
				continue
			}
			if la.Value != nil {
				a["value"] = la.Value
			}
			if la.None {
				a["none"] = true
			}
			if len(la.Evidence) > 0 {
				a["evidence"] = la.Evidence
			}
			answers[it.ID] = a
			lv.Answers[it.ID] = la
		}
	}
	keys := make([]string, 0, len(answers))
	for k := range answers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for half := range 2 { // two changes, as an inspector answers in two sittings
		part := map[string]any{}
		for j, k := range keys {
			if j%2 == half {
				part[k] = answers[k]
			}
		}
		if len(part) == 0 {
			continue
		}
		b, _ := json.Marshal(part)
		if err := c.SetAnswers(id, string(b)); err != nil {
			return err
		}
	}
	// A manual finding citing the first photo.
	desc := fmt.Sprintf("Phát hiện mô phỏng %d-%d: niêm yết giá không rõ ràng", p.i, n)
	f := map[string]any{"description": desc}
	var fev []string
	if len(photos) > 0 {
		fev = []string{photos[0]}
		f["evidence_ids"] = fev
	}
	fb, _ := json.Marshal(f)
	fid, err := c.SaveFinding("", id, string(fb))
	if err != nil {
		return err
	}
	lv.Findings = append(lv.Findings, ledgerFinding{ID: fid, Description: desc, EvidenceIDs: fev})
	// The violation record, drawn up and signed on site with the device's next number.
	content := p.recordContent(pl.subjectOf[site], photos[:min(1, len(photos))])
	rb, err := json.Marshal(content)
	if err != nil {
		return err
	}
	rec, err := c.CreateRecord(id, pl.issuingUnit, pl.year, string(rb), true)
	if err != nil {
		return err
	}
	lr := ledgerRecord{ID: rec.ID, IssuingUnitID: rec.IssuingUnitID, Year: rec.Year, Number: rec.Number, EvidenceIDs: photos[:min(1, len(photos))],
		Content: string(rb)}
	p.takeDocument(&lr, n == 0)
	if p.o.Photos > 0 {
		if _, err := capture("signature", rec.ID, max(p.o.PhotoKiB/8, 8)); err != nil {
			return err
		}
	}
	lv.Records = append(lv.Records, lr)
	p.ledger.add(lv)
	return nil
}

// takeDocument notes in the ledger the record's document as the phone froze it on queueing the
// record signed, and, with pdf, the SHA-256 of the PDF the phone renders from it (the violator's
// copy). The verification compares both with the server's; a document the phone cannot make is
// noted there too, not here, so that the visit goes on as an inspector's would.
func (p *phone) takeDocument(lr *ledgerRecord, pdf bool) {
	doc, err := p.c.RecordDocument(lr.ID)
	if err != nil {
		lr.DocumentErr = err.Error()
		return
	}
	lr.DocumentSHA256, lr.DocumentMissing, lr.DocumentFrozen = doc.SHA256, doc.Missing, doc.Frozen
	if !pdf {
		return
	}
	b, err := p.c.RecordPDF(lr.ID)
	if err != nil {
		lr.DocumentErr = "PDF: " + err.Error()
		return
	}
	sum := sha256.Sum256(b)
	lr.PDFSHA256 = hex.EncodeToString(sum[:])
}

// recordContent is the violation record's content (sync-push-record.schema.json, without visit,
// issuing unit, year and number, which the client adds): the fleet's signed record citing one
// catalogue violation, or the one VisitOptions shapes.
func (p *phone) recordContent(subjectID string, evidence []string) map[string]any {
	drawnUp := time.Now()
	violations := []map[string]any{{"code": "FUEL-99-COND", "description": "Không có hợp đồng đại lý với thương nhân phân phối"}}
	status := "signed"
	if r := p.rec; r != nil {
		if !r.DrawnUpAt.IsZero() {
			drawnUp = r.DrawnUpAt
		}
		if len(r.Violations) > 0 {
			violations = violations[:0]
			for _, v := range r.Violations {
				m := map[string]any{"code": v.Code}
				if v.Description != "" {
					m["description"] = v.Description
				}
				if v.Quantity > 0 {
					m["quantity"] = v.Quantity
				}
				violations = append(violations, m)
			}
		}
		if r.Submit {
			status = "submitted"
		}
	}
	content := map[string]any{
		"drawn_up_at":  drawnUp.In(time.FixedZone("ICT", 7*3600)).Format(time.RFC3339),
		"subject_id":   subjectID,
		"violations":   violations,
		"persons":      []map[string]any{{"role": "inspector", "name": "Thanh tra viên mô phỏng", "signed": true, "refused": false}},
		"evidence_ids": evidence,
		"status":       status}
	if p.rec != nil {
		for k, v := range p.rec.Record {
			content[k] = v
		}
	}
	return content
}
