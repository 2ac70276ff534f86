package gormstore

import (
	"context"
	"crypto/rand"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/blob/blobtest"
	"github.com/skhcn-caobang/thanhtra/server/blob/localblob"
	"github.com/skhcn-caobang/thanhtra/server/export"
)

// BenchmarkEvidenceExportMemory makes the evidence ZIP of a period holding EXPORT_BENCH_BYTES of
// photos (default 20 MiB, for CI; docs/benchmarks.md "Exports" has the 1 GiB run) in objects of 1 MiB
// of random bytes, and reports the peak of the Go heap while it runs (runtime.MemStats.HeapInuse,
// sampled every 5 ms) above the heap before it: the export streams, so the peak must not grow with
// the export. EXPORT_BENCH_S3=1 uses the S3 server of TEST_S3_ENDPOINT instead of a local directory.
//
//	go test ./server/gormstore/ -run '^$' -bench BenchmarkEvidenceExportMemory -benchtime 1x
//	EXPORT_BENCH_BYTES=1073741824 go test ./server/gormstore/ -run '^$' -bench BenchmarkEvidenceExportMemory -benchtime 1x -timeout 30m
func BenchmarkEvidenceExportMemory(b *testing.B) {
	total := int64(20 << 20)
	if s := os.Getenv("EXPORT_BENCH_BYTES"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1<<20 {
			b.Fatalf("EXPORT_BENCH_BYTES=%q: want a number of bytes of at least 1 MiB", s)
		}
		total = n
	}
	const objectSize = 1 << 20
	var blobs blob.Store
	if os.Getenv("EXPORT_BENCH_S3") == "1" {
		blobs = blobtest.NewS3(b)
	} else {
		s, err := localblob.New(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		blobs = s
	}
	w := newExportWorld(b, blobs)
	w.svc.ProgressEvery = 0 // as shipped
	w.svc.Store = w.s
	v := w.insertVisit(b, "2026-03-05")
	body := make([]byte, objectSize)
	for range total / objectSize {
		rand.Read(body)
		w.putEvidence(b, v, "", "image/jpeg", body, w.clock.Now().Add(-time.Minute))
	}
	ctx := context.Background()
	var peak, base, size uint64
	b.ResetTimer()
	for b.Loop() {
		r, err := w.svc.Create(ctx, w.chief, export.NewRun{Kind: export.EvidenceZIP, From: "2026-03-01", To: "2026-04-01"})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base = ms.HeapInuse
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var top uint64
		wg.Go(func() {
			t := time.NewTicker(5 * time.Millisecond)
			defer t.Stop()
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				top = max(top, m.HeapInuse)
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		})
		err = w.runJob(b, r, 1)
		close(stop)
		wg.Wait()
		if err != nil {
			b.Fatal(err)
		}
		done, err := w.svc.Get(ctx, w.chief, r.ID)
		if err != nil || done.State != export.Done {
			b.Fatalf("run %+v %v", done, err)
		}
		peak, size = max(peak, top-min(top, base)), uint64(done.Bytes)
	}
	b.StopTimer()
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(base)/(1<<20), "base-heap-MiB")
	b.ReportMetric(float64(size)/(1<<20), "zip-MiB")
	b.ReportMetric(float64(size)/(1<<20)/(b.Elapsed().Seconds()/float64(b.N)), "MiB/s")
}
