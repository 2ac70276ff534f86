package mobilehttp_test

// Benchmarks of the evidence intake (issue 5; figures and commands in docs/benchmarks.md, section
// "Evidence"). They run only with -bench; every photo is unique (D22). The server runs in this
// process (apptest), so the memory figures are the process's: server and the benchmark's client,
// whose bodies are streamed, never held whole.
//
//	# photo ingest through the API against raw minio-go PutObject to the same versitygw
//	source scripts/lib/versitygw.sh && versitygw_ensure && versitygw_start
//	go test -run X -bench EvidenceIngest -benchtime 64x ./server/mobilehttp/
//	# intake: a visit with 15 answers (one push) and one 200 KiB photo, 32 at a time
//	go test -run X -bench EvidenceIntake -benchtime 2000x ./server/mobilehttp/                       # embedded default
//	TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run X -bench EvidenceIntake -benchtime 2000x ./server/mobilehttp/                     # with versitygw started
//	# memory of one 50 MiB upload (local store, and S3 with versitygw started)
//	go test -run X -bench EvidenceMemory -benchtime 1x ./server/mobilehttp/

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/skhcn-caobang/thanhtra/server/config"
	"github.com/skhcn-caobang/thanhtra/server/evidence/evidencetest"
)

// benchClient keeps enough connections for 32 phones at once.
var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128, MaxConnsPerHost: 128}}

// benchTune lifts the quotas: the benchmarks send far more than a phone's day.
func benchTune(c *config.Config) {
	c.EvidenceDeviceDailyBytes = 1 << 40
	c.EvidenceMaxVisitBytes = 1 << 40
	c.JobWorkers = 1
}

// benchAnswers are 15 answers of the fuel-station checklist (as the push benchmark's), the first
// citing the photo.
func benchAnswers(photoID string) map[string]any {
	return map[string]any{
		"F1.1": map[string]any{"value": true, "evidence": []string{photoID}}, "F1.2": map[string]any{"value": "2030-01-01"},
		"F1.3": map[string]any{"value": true}, "F1.4": map[string]any{"value": false}, "F1.5": map[string]any{"value": true},
		"F3.1": map[string]any{"value": true}, "F3.2": map[string]any{"value": true}, "F4.1": map[string]any{"value": true},
		"F4.2": map[string]any{"value": "Mẫu RON95 số 12"}, "F4.3": map[string]any{"value": true}, "F4.4": map[string]any{"value": true},
		"F5.1": map[string]any{"value": true}, "F5.2": map[string]any{"value": false}, "F5.3": map[string]any{"value": true},
		"F6.2": map[string]any{"value": "Không có ý kiến"},
	}
}

// send makes one request of the benchmark's phone and fails unless it answers 200.
func (w *evWorld) send(b *testing.B, method, path, token string, body io.Reader, size int64, header ...string) []byte {
	req, err := http.NewRequest(method, w.srv.URL+"/mobile/v1"+path, body)
	if err != nil {
		b.Fatal(err)
	}
	req.ContentLength = size
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := benchClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		b.Fatalf("%s %s: %d %s", method, path, res.StatusCode, out)
	}
	return out
}

func (w *evWorld) sendJSON(b *testing.B, method, path, token string, v any) []byte {
	j, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	return w.send(b, method, path, token, bytes.NewReader(j), int64(len(j)), "Content-Type", "application/json")
}

// benchVisits pushes n new visits of the org (in batches) and returns their IDs.
func (w *evWorld) benchVisits(b *testing.B, n int) []string {
	ids := make([]string, n)
	var items []any
	flush := func() {
		if len(items) > 0 {
			w.sendJSON(b, http.MethodPost, "/sync/push", w.org.phones[0], map[string]any{"items": items})
			items = nil
		}
	}
	for i := range ids {
		ids[i] = newID()
		items = append(items, map[string]any{"change_id": newID(), "entity_type": "visit", "entity_id": ids[i], "base_version": 0,
			"captured_at": evStart, "payload": w.visitPayload(nil)})
		if len(items) == 200 {
			flush()
		}
	}
	flush()
	return ids
}

// visitPayload is a new visit of the org's campaign and site, with answers when given.
func (w *evWorld) visitPayload(answers map[string]any) map[string]any {
	p := map[string]any{"campaign_id": w.org.campaignID, "site_id": w.org.siteID, "date": "2026-03-02", "checklist_code": "fuel-station",
		"checklist_version": 1, "status": "in_progress"}
	if answers != nil {
		p["answers"] = answers
	}
	return p
}

// announcePayload is the announce of a photo of visitID.
func announcePayload(visitID string, photo []byte) map[string]any {
	return map[string]any{"visit_id": visitID, "sha256": evidencetest.SHA256(photo), "size": len(photo), "content_type": "image/jpeg",
		"purpose": "photo", "captured_at": "2026-03-02T09:00:00+07:00", "gps": map[string]any{"lat": 22.6660, "lon": 106.2525, "accuracy_m": 6}}
}

// parallel runs n operations on conc goroutines, operation i on goroutine i%conc (a phone sends its
// own photos one after the other), and returns the wall time.
func parallel(n, conc int, op func(i, worker int)) time.Duration {
	var wg sync.WaitGroup
	start := time.Now()
	for g := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += conc {
				op(i, g)
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// rssSampler records the process's peak resident set size while it runs.
type rssSampler struct {
	stop chan struct{}
	done chan struct{}
	base int64
	peak atomic.Int64
	heap atomic.Int64 // peak of the live heap (objects), when sampled
}

func readRSS() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// sampleMemory starts sampling RSS (and, with heap, the live heap) every few milliseconds, after a
// collection that returns freed memory to the system, so that the baseline is what is in use.
func sampleMemory(heap bool) *rssSampler {
	runtime.GC()
	debug.FreeOSMemory()
	s := &rssSampler{stop: make(chan struct{}), done: make(chan struct{}), base: readRSS()}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		defer close(s.done)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			if r := readRSS(); r > s.peak.Load() {
				s.peak.Store(r)
			}
			if heap {
				metrics.Read(sample)
				if v := int64(sample[0].Value.Uint64()); v > s.heap.Load() {
					s.heap.Store(v)
				}
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) finish() (baseMiB, peakMiB float64) {
	close(s.stop)
	<-s.done
	return float64(s.base) / (1 << 20), float64(s.peak.Load()) / (1 << 20)
}

// BenchmarkEvidenceIngest is photo ingest through the API against raw minio-go PutObject of the same
// bytes to the same S3 server, for 200 KiB and 3 MiB photos at concurrency 1, 8 and 32. "upload" is
// the PATCH of a photo announced beforehand (in the sync push, as phones do); "announce+upload" adds
// the PUT announce to each. Needs TEST_S3_ENDPOINT (versitygw).
func BenchmarkEvidenceIngest(b *testing.B) {
	if os.Getenv("TEST_S3_ENDPOINT") == "" {
		b.Skip("needs TEST_S3_ENDPOINT: source scripts/lib/versitygw.sh && versitygw_ensure && versitygw_start")
	}
	w := newEvWorldOf(b, benchTune, 8)
	cfg := w.srv.App.Config
	raw, err := minio.New(cfg.S3Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.S3AccessKey, cfg.S3SecretKey, ""), Secure: false})
	if err != nil {
		b.Fatal(err)
	}
	rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 11))
	for _, size := range []int{200 << 10, 3 << 20} {
		for _, conc := range []int{1, 8, 32} {
			photos := func(n int) [][]byte {
				ps := make([][]byte, n)
				for i := range ps {
					ps[i] = evidencetest.Photo(rng, size, nil)
				}
				return ps
			}
			name := fmt.Sprintf("%dKiB/c%d", size>>10, conc)
			b.Run(name+"/raw", func(b *testing.B) {
				ps := photos(b.N)
				b.SetBytes(int64(size))
				b.ResetTimer()
				d := parallel(b.N, conc, func(i, _ int) {
					_, err := raw.PutObject(context.Background(), cfg.S3Bucket, "raw/"+newID(), bytes.NewReader(ps[i]), int64(size),
						minio.PutObjectOptions{ContentType: "image/jpeg", PartSize: 16 << 20})
					if err != nil {
						b.Error(err)
					}
				})
				b.ReportMetric(float64(b.N)/d.Seconds(), "photos/s")
			})
			for _, announceToo := range []bool{false, true} {
				label := "/upload"
				if announceToo {
					label = "/announce+upload"
				}
				b.Run(name+label, func(b *testing.B) {
					ps := photos(b.N)
					ids := make([]string, b.N)
					visits := w.benchVisits(b, conc) // a visit per phone: photo i is phone i%conc's
					if !announceToo {
						var items []any
						for i := range ids {
							ids[i] = newID()
							items = append(items, map[string]any{"change_id": newID(), "entity_type": "evidence", "entity_id": ids[i],
								"base_version": 0, "captured_at": evStart, "payload": announcePayload(visits[i%conc], ps[i])})
							if len(items) == 200 || i == len(ids)-1 {
								w.sendJSON(b, http.MethodPost, "/sync/push", w.org.phones[0], map[string]any{"items": items})
								items = nil
							}
						}
					}
					b.SetBytes(int64(size))
					b.ResetTimer()
					d := parallel(b.N, conc, func(i, g int) {
						phone := w.org.phones[g%len(w.org.phones)]
						if announceToo {
							ids[i] = newID()
							w.sendJSON(b, http.MethodPut, "/evidence/"+ids[i]+"/upload", phone, announcePayload(visits[i%conc], ps[i]))
						}
						out := w.send(b, http.MethodPatch, "/evidence/"+ids[i]+"/upload", phone, bytes.NewReader(ps[i]), int64(size),
							"Upload-Offset", "0", "Content-Type", "application/offset+octet-stream")
						if !bytes.Contains(out, []byte(`"stored"`)) {
							b.Errorf("not stored: %s", out)
						}
					})
					b.ReportMetric(float64(b.N)/d.Seconds(), "photos/s")
				})
			}
		}
	}
}

// BenchmarkEvidenceIntake is the intake of inspected visits at concurrency 32 (and 1, for the time
// one visit takes alone): each visit one push (the visit with 15 answers, and the announce of its
// photo) and the upload of its one unique 200 KiB photo. It reports visits/s, the time of each step
// and the process's peak RSS. The engine and the object store are those of the environment (the
// embedded default without TEST_DATABASE_URL and TEST_S3_ENDPOINT).
func BenchmarkEvidenceIntake(b *testing.B) {
	for _, conc := range []int{1, 32} {
		b.Run(fmt.Sprintf("c%d", conc), func(b *testing.B) { benchIntake(b, conc) })
	}
}

func benchIntake(b *testing.B, conc int) {
	w := newEvWorldOf(b, benchTune, 8)
	const size = 200 << 10
	// Each phone makes its photos as it goes (unique, D22), so that memory holds no pile of them.
	rngs := make([]*mrand.Rand, conc)
	for g := range rngs {
		rngs[g] = mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), uint64(g)))
	}
	mem := sampleMemory(false)
	var pushNs, uploadNs atomic.Int64
	b.ResetTimer()
	d := parallel(b.N, conc, func(i, g int) {
		phone := w.org.phones[g%len(w.org.phones)]
		photo := evidencetest.Photo(rngs[g], size, nil)
		visitID, photoID := newID(), newID()
		t0 := time.Now()
		out := w.sendJSON(b, http.MethodPost, "/sync/push", phone, map[string]any{"items": []any{
			map[string]any{"change_id": newID(), "entity_type": "visit", "entity_id": visitID, "base_version": 0, "captured_at": evStart,
				"payload": w.visitPayload(benchAnswers(photoID))},
			map[string]any{"change_id": newID(), "entity_type": "evidence", "entity_id": photoID, "base_version": 0, "captured_at": evStart,
				"payload": announcePayload(visitID, photo)},
		}})
		if bytes.Count(out, []byte(`"applied"`)) != 2 {
			b.Errorf("push: %s", out)
		}
		t1 := time.Now()
		out = w.send(b, http.MethodPatch, "/evidence/"+photoID+"/upload", phone, bytes.NewReader(photo), size,
			"Upload-Offset", "0", "Content-Type", "application/offset+octet-stream")
		if !bytes.Contains(out, []byte(`"stored"`)) {
			b.Errorf("upload: %s", out)
		}
		pushNs.Add(int64(t1.Sub(t0)))
		uploadNs.Add(int64(time.Since(t1)))
	})
	b.StopTimer()
	base, peak := mem.finish()
	b.ReportMetric(float64(b.N)/d.Seconds(), "visits/s")
	b.ReportMetric(float64(pushNs.Load())/float64(b.N)/1e6, "push-ms/visit")
	b.ReportMetric(float64(uploadNs.Load())/float64(b.N)/1e6, "upload-ms/visit")
	b.ReportMetric(peak, "peak-rss-MiB")
	b.ReportMetric(peak-base, "rss-growth-MiB")
}

// BenchmarkEvidenceMemory uploads one 50 MiB photo in one PATCH (streamed from a generator: the
// client never holds it) and reports how far the process's live heap and RSS rose above what they
// were before; the bound is one upload part, 16 MiB. Run it once per object store.
func BenchmarkEvidenceMemory(b *testing.B) {
	w := newEvWorldOf(b, benchTune, 1)
	const size = 50 << 20
	for i := range b.N {
		seed := uint64(time.Now().UnixNano()) + uint64(i)
		h := sha256.New()
		if _, err := io.Copy(h, evidencetest.PhotoReader(seed, size)); err != nil {
			b.Fatal(err)
		}
		id := newID()
		w.sendJSON(b, http.MethodPut, "/evidence/"+id+"/upload", w.org.phones[0], map[string]any{"visit_id": w.org.visitID,
			"sha256": hex.EncodeToString(h.Sum(nil)), "size": size, "content_type": "image/jpeg", "purpose": "photo",
			"captured_at": "2026-03-02T09:00:00+07:00"})
		mem := sampleMemory(true)
		heapBase := func() int64 {
			s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
			metrics.Read(s)
			return int64(s[0].Value.Uint64())
		}()
		start := time.Now()
		out := w.send(b, http.MethodPatch, "/evidence/"+id+"/upload", w.org.phones[0], evidencetest.PhotoReader(seed, size), size,
			"Upload-Offset", "0", "Content-Type", "application/offset+octet-stream")
		d := time.Since(start)
		base, peak := mem.finish()
		if !bytes.Contains(out, []byte(`"stored"`)) {
			b.Fatalf("not stored: %s", out)
		}
		b.ReportMetric(float64(mem.heap.Load()-heapBase)/(1<<20), "heap-growth-MiB")
		b.ReportMetric(peak-base, "rss-growth-MiB")
		b.ReportMetric(base, "rss-before-MiB")
		b.ReportMetric(float64(size)/(1<<20)/d.Seconds(), "MiB/s")
	}
}
