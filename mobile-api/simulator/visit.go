package simulator

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Violation is a catalogue violation the record cites (sync-push-record.schema.json, violation).
type Violation struct {
	Code        string
	Description string
	// Quantity is the declared quantity the fine range depends on (D14); 0: none.
	Quantity float64
}

// VisitOptions says who makes one visit with MakeVisit, and what goes in its record.
type VisitOptions struct {
	ServerURL string
	// Login and Password are an inspector's, a member of an open campaign (on Date) that has sites
	// and a published checklist for them; the device is registered by the login.
	Login, Password string
	// StorePath is the phone's store; "": a temporary one, removed at the end. Calls with the same
	// store and DeviceID are one phone making several visits.
	StorePath string
	DeviceID  string // "": "sim-visit-" + Login
	// CampaignID: "": the first open campaign of the pulled copy. SiteID: "": the campaign's first
	// site (it must be of the type of the campaign's first site: one checklist).
	CampaignID, SiteID string
	Date               string    // the visit's day, YYYY-MM-DD; "": today in Asia/Ho_Chi_Minh
	DrawnUpAt          time.Time // when the record was drawn up; zero: now
	// Photos per visit (0: 2; negative: none), of about PhotoKiB (0: 64) each; the record cites the
	// first, and gets a signature image, when there is one.
	Photos, PhotoKiB int
	// Violations cited by the record (nil: FUEL-99-COND, a fuel station without an agency contract).
	Violations []Violation
	// Submit pushes the record submitted (the server opens a penalty case from it); else signed.
	Submit bool
	// Record sets fields of the record's content over the defaults (place, violator, persons,
	// statements … of sync-push-record.schema.json; not the number, which the phone's block gives).
	Record map[string]any
	// VerifyLogin and VerifyPassword, when set, are a chief's or a director's: MakeVisit then checks
	// through the console API, as Run does for a fleet, that the server holds the visit as made —
	// its answers, every evidence stored and byte-identical, the record with its number.
	VerifyLogin, VerifyPassword string
	// Faults injected on the phone's requests (none by default); Seed makes them and the photos
	// repeatable.
	Faults Faults
	Seed   uint64
}

// MadeEvidence is one evidence the phone captured, as the simulator made it.
type MadeEvidence struct {
	ID       string
	Purpose  string // photo or signature
	RecordID string // the record a signature belongs to ("" for photos)
	SHA256   string // of the bytes generated, taken before the client saw them
	Size     int64
}

// MadeVisit is what MakeVisit made; when it returns, the server has acknowledged every change and
// stored every evidence byte for byte (the phone's sync drained with nothing set aside).
type MadeVisit struct {
	VisitID, CampaignID, SiteID, SubjectID string
	FindingID                              string
	RecordID, IssuingUnitID                string
	Year, Number                           int    // the record's number, from the device's block (D9)
	RecordContent                          string // the record's JSON as the phone saved it (the client adds visit, unit, year and number)
	DocumentSHA256                         string // of the record's document as the phone froze it on queueing (client.RecordDocument); "": none
	Evidence                               []MadeEvidence
	Requests, BytesSent                    int64 // the phone's requests and bytes, login included
}

// MakeVisit is one phone making one visit, end to end through the real client: it logs in, pulls,
// makes the visit offline (GPS, photos, answers to the checklist, a manual finding, a violation
// record numbered from the device's block, citing a photo, with a signature image), then syncs
// until nothing is left to send and checks that nothing was set aside; with VerifyLogin, it also
// checks the server's copy through the console API. Its result names everything made.
//
// Example (a penalty test: a record made on a phone, submitted, to a closed case):
//
//	made, err := simulator.MakeVisit(ctx, simulator.VisitOptions{ServerURL: srv.URL,
//	    Login: "ct-an", Password: apptest.Password, Date: "2026-03-02", Submit: true,
//	    Violations: []simulator.Violation{{Code: "FUEL-99-COND", Description: "…"}}})
//	// made.RecordID, made.Number, made.Evidence[i].SHA256 …
func MakeVisit(ctx context.Context, vo VisitOptions) (*MadeVisit, error) {
	if vo.ServerURL == "" || vo.Login == "" {
		return nil, errors.New("simulator.MakeVisit: a server URL and a login are needed")
	}
	o := Options{ServerURL: vo.ServerURL, Phones: 1, Visits: 1, Photos: vo.Photos, PhotoKiB: vo.PhotoKiB, SyncEvery: 1,
		Faults: vo.Faults, Seed: vo.Seed, RunID: "visit"}
	switch {
	case o.Photos == 0:
		o.Photos = 2
	case o.Photos < 0:
		o.Photos = 0
	}
	if o.PhotoKiB <= 0 {
		o.PhotoKiB = 64
	}
	o.Defaults()
	date := vo.Date
	if date == "" {
		date = time.Now().In(time.FixedZone("ICT", 7*3600)).Format(time.DateOnly)
	}
	store := vo.StorePath
	if store == "" {
		dir, err := os.MkdirTemp("", "thanhtra-visit-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		store = filepath.Join(dir, "phone.db")
	}
	device := vo.DeviceID
	if device == "" {
		device = "sim-visit-" + vo.Login
	}
	// Photos differ between calls (D22: the server would otherwise deduplicate them): the seed is
	// mixed with the time.
	led := &ledger{}
	p := &phone{o: &o, acct: account{login: vo.Login, password: vo.Password, campaignID: vo.CampaignID}, date: date, ledger: led,
		logf: func(string, ...any) {}, rec: &vo, rng: rand.New(rand.NewPCG(vo.Seed, uint64(time.Now().UnixNano())))}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.DisableCompression = true
	ft := &faultTransport{base: base, faults: vo.Faults, counts: &faultCounts{}, lat: &latencies{}, rng: rand.New(rand.NewPCG(vo.Seed^0x5eed, 0))}
	c, err := p.open(store, device, ft)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := p.retry(ctx, "login", func() error { return c.Login(vo.Login, vo.Password) }); err != nil {
		return nil, err
	}
	if err := p.retry(ctx, "pull", func() error { _, err := c.Pull(); return err }); err != nil {
		return nil, err
	}
	plan, err := p.plan()
	if err != nil {
		return nil, err
	}
	if err := p.visit(plan, 0); err != nil {
		return nil, fmt.Errorf("simulator.MakeVisit: %w", err)
	}
	if err := p.sync(ctx, true); err != nil {
		return nil, err
	}
	if len(p.st.problems) > 0 {
		return nil, fmt.Errorf("simulator.MakeVisit: %v", p.st.problems)
	}
	v := led.visits[0]
	if vo.VerifyLogin != "" {
		con := newConsole(vo.ServerURL)
		if err := con.login(ctx, vo.VerifyLogin, vo.VerifyPassword); err != nil {
			return nil, fmt.Errorf("simulator.MakeVisit: verifier: %w", err)
		}
		res := &verification{}
		verifyVisit(ctx, con, v, res)
		if len(res.problems) > 0 {
			return nil, fmt.Errorf("simulator.MakeVisit: the server does not hold the visit as made: %s", strings.Join(res.problems, "; "))
		}
	}
	r := v.Records[0]
	made := &MadeVisit{VisitID: v.ID, CampaignID: v.CampaignID, SiteID: v.SiteID, SubjectID: plan.subjectOf[v.SiteID],
		RecordID: r.ID, IssuingUnitID: r.IssuingUnitID, Year: r.Year, Number: r.Number, RecordContent: r.Content,
		DocumentSHA256: r.DocumentSHA256}
	if len(v.Findings) > 0 {
		made.FindingID = v.Findings[0].ID
	}
	for _, e := range v.Evidence {
		made.Evidence = append(made.Evidence, MadeEvidence{ID: e.ID, Purpose: e.Purpose, RecordID: e.RecordID, SHA256: e.SHA256, Size: e.Size})
	}
	st := c.Stats()
	made.Requests, made.BytesSent = st.Requests, st.BytesSent
	return made, nil
}
