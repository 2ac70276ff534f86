// Package simulator is a fleet of simulated phones: each runs the real phone client
// (mobile-api/client) against a server, logs in as an inspector, pulls, performs visits offline —
// answers, photos (unique JPEGs of random noise), a manual finding, a violation record numbered from
// the device's block — and syncs, through an http.RoundTripper that drops requests, cuts answers and
// adds latency. It keeps its own ledger of what each phone made and ends by checking through the
// server's APIs that the server holds exactly that: nothing missing, nothing twice, every photo
// byte-identical, every record's document (D10) the one the phone made. It is the engine of `go run ./mobile-api/cmd/simulator` and of the fault-injection
// test; it imports nothing of the server.
package simulator

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// Options of a run. Zero values take the defaults (Defaults).
type Options struct {
	ServerURL string

	// Setup mode: an organisation administrator makes Phones inspector accounts, a chief and the
	// campaigns (teams of TeamSize); the chief verifies.
	Setup                     bool
	AdminLogin, AdminPassword string
	TeamSize                  int
	// Accounts mode: Logins is a comma-separated list of login or login:password (Password for
	// those without); phones take them in turn; VerifyLogin (a chief or director) verifies.
	Logins                      string
	Password                    string
	VerifyLogin, VerifyPassword string

	Phones int
	// Ramp spreads the phones' start (login and first pull) evenly over this duration; 0: all at
	// once. A fleet's phones log in at different times of the morning; all of them at the same
	// instant is a storm of password hashes (argon2id, 19 MiB each) that a small server may not take.
	Ramp      time.Duration
	Visits    int // per phone
	Photos    int // per visit (plus a signature per record)
	PhotoKiB  int // mean photo size
	SyncEvery int // a phone syncs after this many visits (and at the end)
	ChunkKiB  int // the client's UploadChunkBytes in KiB

	Faults Faults
	Seed   uint64
	// MaxRounds bounds the retries of a phone's login, pull and final syncs.
	MaxRounds     int
	VerifyWorkers int
	// DocumentWait bounds how long the verification waits, all records together, for the server's
	// job to make the records' documents (default 2 minutes: the job retries after 10 s, 20 s, 40 s
	// while a record's evidence references are not yet there).
	DocumentWait time.Duration
	// Dir keeps the phones' stores (default: a temporary directory, removed at the end).
	Dir   string
	RunID string // names the run's accounts and devices (default: random)
	// OnRequest, when set, is called as each phone request goes out (tests restart the server in
	// the middle of a push from there).
	OnRequest func(method, path string)
}

// Defaults fills the zero values.
func (o *Options) Defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.TeamSize, 4)
	def(&o.Phones, 4)
	def(&o.Visits, 5)
	def(&o.PhotoKiB, 200)
	def(&o.SyncEvery, 5)
	def(&o.ChunkKiB, 256)
	def(&o.MaxRounds, 40)
	def(&o.VerifyWorkers, 8)
	if o.DocumentWait <= 0 {
		o.DocumentWait = 2 * time.Minute
	}
	if o.Photos < 0 {
		o.Photos = 0
	}
	if o.Password == "" {
		o.Password = "simulator-password-2026"
	}
	if o.RunID == "" {
		b := make([]byte, 3)
		crand.Read(b)
		o.RunID = hex.EncodeToString(b)
	}
}

// Result of a run.
type Result struct {
	Phones, Visits                int
	Records, Evidence             int
	EvidenceBytes                 int64
	Answers, Findings             int
	Documents, PDFs, SampledPDFs  int // records whose stored document is the phone's; sampled PDFs byte-identical, of SampledPDFs
	Duration, SetupTime, Verified time.Duration
	Requests, Retries             int64
	BytesSent, BytesReceived      int64
	Syncs, SyncErrors             int
	PrunedVisits                  int   // visits the phones let go of after their last sync
	PrunedBytes                   int64 // evidence bytes freed on the phones
	DroppedBefore, DroppedBody    int64
	DroppedAnswer, CutAnswers     int64
	Answered                      int
	P50, P99                      time.Duration
	FindingsChecked               bool
	ForeignVisits                 int
	OK                            bool
	Problems                      []string
}

// Run runs the fleet and the verification, printing progress and the result to out.
func Run(ctx context.Context, o Options, out io.Writer) (*Result, error) {
	o.Defaults()
	if o.ServerURL == "" {
		return nil, errors.New("no server URL")
	}
	logf := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	started := time.Now()
	var w *world
	var err error
	if o.Setup {
		w, err = setup(ctx, &o, logf)
	} else {
		w, err = accountsWorld(&o)
	}
	if err != nil {
		return nil, err
	}
	res := &Result{Phones: o.Phones, SetupTime: time.Since(started)}
	dir := o.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "thanhtra-simulator-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}

	led := &ledger{}
	counts := &faultCounts{}
	lat := &latencies{}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.DisableCompression = true
	base.MaxIdleConnsPerHost = 4
	phones := make([]*phone, o.Phones)
	errs := make([]error, o.Phones)
	fleetStart := time.Now()
	var wg sync.WaitGroup
	for i := range o.Phones {
		// The content's random source mixes the run's ID in: two runs with the same seed never send
		// the same photo to one organisation, where it would be deduplicated (D22).
		p := &phone{i: i, o: &o, acct: w.accounts[i%len(w.accounts)], date: w.visitDate, ledger: led, logf: logf,
			rng: rand.New(rand.NewPCG(o.Seed, uint64(i)^runHash(o.RunID)))}
		phones[i] = p
		ft := &faultTransport{base: base, faults: o.Faults, counts: counts, lat: lat, onRequest: o.OnRequest, rng: rand.New(rand.NewPCG(o.Seed^0x5eed, uint64(i)))}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if o.Ramp > 0 && i > 0 {
				select {
				case <-ctx.Done():
					errs[i] = ctx.Err()
					return
				case <-time.After(o.Ramp * time.Duration(i) / time.Duration(o.Phones)):
				}
			}
			errs[i] = p.run(ctx, dir, ft)
		}()
	}
	stopProgress := make(chan struct{})
	progressDone := make(chan struct{})
	go func() { // a line every 30 s: long fleets are not silent
		defer close(progressDone)
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-t.C:
				led.mu.Lock()
				made := len(led.visits)
				led.mu.Unlock()
				logf("%4.0f s: %d of %d visits made; %d answers timed", time.Since(fleetStart).Seconds(), made, o.Phones*o.Visits, lat.count())
			}
		}
	}()
	wg.Wait()
	close(stopProgress)
	<-progressDone
	res.Duration = time.Since(fleetStart)
	for i, p := range phones {
		if errs[i] != nil {
			res.Problems = append(res.Problems, errs[i].Error())
		}
		res.Problems = append(res.Problems, p.st.problems...)
		res.Visits += p.st.visits
		res.Syncs += p.st.syncs
		res.SyncErrors += p.st.syncErrors
		if pr := p.st.pruned; pr != nil {
			res.PrunedVisits += pr.Visits
			res.PrunedBytes += pr.Bytes
		}
		if s := p.st.stats; s != nil {
			res.Requests += s.Requests
			res.Retries += s.Retries
			res.BytesSent += s.BytesSent
			res.BytesReceived += s.BytesReceived
		}
	}
	res.DroppedBefore, res.DroppedBody = counts.droppedBefore.Load(), counts.droppedBody.Load()
	res.DroppedAnswer, res.CutAnswers = counts.droppedAnswer.Load(), counts.cutAnswers.Load()
	res.Answered, res.P50, res.P99 = lat.count(), lat.quantile(0.50), lat.quantile(0.99)

	vstart := time.Now()
	v := verify(ctx, &o, w, led, logf)
	res.Verified = time.Since(vstart)
	res.Records, res.Evidence, res.EvidenceBytes, res.Answers, res.Findings = v.records, v.evidence, v.evidenceBytes, v.answers, v.findings
	res.FindingsChecked, res.ForeignVisits = v.findingsChecked, v.foreignVisits
	res.Documents, res.PDFs = v.documents, v.pdfs
	for _, lv := range led.visits {
		for _, r := range lv.Records {
			if r.PDFSHA256 != "" {
				res.SampledPDFs++
			}
		}
	}
	res.Problems = append(res.Problems, v.problems...)
	if made := len(led.visits); v.visits != made || res.Visits != o.Phones*o.Visits {
		res.Problems = append(res.Problems, fmt.Sprintf("%d visits planned, %d made, %d verified", o.Phones*o.Visits, made, v.visits))
	}
	res.OK = len(res.Problems) == 0
	res.print(&o, out)
	return res, nil
}

// print writes the result for people.
func (r *Result) print(o *Options, out io.Writer) {
	mib := func(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
	fmt.Fprintf(out, "run %s: %d phones × %d visits (started over %v), %d photos of ~%d KiB per visit, sync every %d visits, chunks of %d KiB\n",
		o.RunID, o.Phones, o.Visits, o.Ramp, o.Photos, o.PhotoKiB, o.SyncEvery, o.ChunkKiB)
	fmt.Fprintf(out, "faults: drop %.0f%% (%d before the server, %d with the body cut, %d answers lost), cut %.0f%% (%d answers cut), latency %v\n",
		o.Faults.Drop*100, r.DroppedBefore, r.DroppedBody, r.DroppedAnswer, o.Faults.Cut*100, r.CutAnswers, o.Faults.Latency)
	secs := r.Duration.Seconds()
	fmt.Fprintf(out, "fleet: %.1f s; %.2f visits/s; %d requests (%.0f/s), %d retried by the client; %d syncs, %d ended in error\n",
		secs, float64(r.Visits)/secs, r.Requests, float64(r.Requests)/secs, r.Retries, r.Syncs, r.SyncErrors)
	fmt.Fprintf(out, "request latency (answered whole, %d; injected latency excluded): p50 %.1f ms, p99 %.1f ms\n",
		r.Answered, float64(r.P50.Microseconds())/1000, float64(r.P99.Microseconds())/1000)
	if r.Visits > 0 {
		fmt.Fprintf(out, "bytes sent per visit: %.1f KiB (evidence %.1f KiB of it); received per visit %.1f KiB; total sent %s\n",
			float64(r.BytesSent)/float64(r.Visits)/1024, float64(r.EvidenceBytes)/float64(r.Visits)/1024,
			float64(r.BytesReceived)/float64(r.Visits)/1024, mib(r.BytesSent))
	}
	fmt.Fprintf(out, "phones let go of %d visits and %s of evidence after their last sync (client.Prune)\n", r.PrunedVisits, mib(r.PrunedBytes))
	findings := fmt.Sprintf("%d manual findings", r.Findings)
	if !r.FindingsChecked {
		findings = "manual findings not checked"
	}
	if r.ForeignVisits > 0 {
		findings += fmt.Sprintf("; %d other visits in the campaigns (not this run's)", r.ForeignVisits)
	}
	fmt.Fprintf(out, "verified in %.1f s: %d visits, %d answers, %d records, %d evidence (%s) downloaded byte-identical, %s\n",
		r.Verified.Seconds(), r.Visits, r.Answers, r.Records, r.Evidence, mib(r.EvidenceBytes), findings)
	fmt.Fprintf(out, "record documents: %d of %d identical to the phones' (SHA-256 of the canonical JSON, nothing missing on the phones); PDFs byte-identical: %d of %d rendered on the phones\n",
		r.Documents, r.Records, r.PDFs, r.SampledPDFs)
	if r.OK {
		fmt.Fprintln(out, "verification: OK")
		return
	}
	fmt.Fprintf(out, "verification: FAIL (%d problems)\n", len(r.Problems))
	for i, p := range r.Problems {
		if i == 50 {
			fmt.Fprintf(out, "  … and %d more\n", len(r.Problems)-50)
			break
		}
		fmt.Fprintln(out, "  "+strings.TrimSpace(p))
	}
}

// runHash is a 64-bit FNV-1a hash of the run's ID.
func runHash(id string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	return h
}
