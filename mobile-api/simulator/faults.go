package simulator

import (
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Faults is what the network does to a phone's requests (the simulator's, never the client library's).
type Faults struct {
	// Drop is the fraction of requests lost mid-flight: before they reach the server, with the
	// request body cut half-way, or after the server answered (the phone never sees the answer, the
	// server did the work) — one of the three at random.
	Drop float64
	// Cut is the fraction of answers cut while they stream (the connection dies half-way through
	// the body).
	Cut float64
	// Latency is added to every request (uniformly between half and one and a half times it).
	Latency time.Duration
}

// Counters of the faults injected.
type faultCounts struct {
	droppedBefore, droppedBody, droppedAnswer, cutAnswers atomic.Int64
}

// latencies collects the time of each request answered whole (the network's added latency not
// included: it measures the server and the phone, not the simulated 3G).
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// quantile returns the q-quantile (0 when nothing was measured).
func (l *latencies) quantile(q float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0
	}
	s := slices.Clone(l.d)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func (l *latencies) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.d)
}

// faultTransport is an http.RoundTripper that injects the faults of one phone, from the phone's own
// seeded random source, and measures each request.
type faultTransport struct {
	base   http.RoundTripper
	faults Faults
	counts *faultCounts
	lat    *latencies
	// onRequest is called as each request goes out (Options.OnRequest).
	onRequest func(method, path string)

	mu  sync.Mutex
	rng *rand.Rand
}

// errDropped and errCut are what the phone sees of a lost request or a cut answer.
var (
	errDropped = errors.New("simulator: connection lost")
	errCut     = errors.New("simulator: connection cut while the answer streamed")
)

func (ft *faultTransport) draw() (drop, cut float64, jitter float64, kind int) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return ft.rng.Float64(), ft.rng.Float64(), ft.rng.Float64(), ft.rng.IntN(3)
}

func (ft *faultTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	drop, cut, jitter, kind := ft.draw()
	if ft.onRequest != nil {
		ft.onRequest(r.Method, r.URL.Path)
	}
	if ft.faults.Latency > 0 {
		d := time.Duration(float64(ft.faults.Latency) * (0.5 + jitter))
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return nil, r.Context().Err()
		}
	}
	dropped := drop < ft.faults.Drop
	if dropped && kind == 1 && (r.Body == nil || r.ContentLength < 2) {
		kind = 2 // no body to cut: lose the answer instead
	}
	if dropped && kind == 0 {
		ft.counts.droppedBefore.Add(1)
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, errDropped
	}
	if dropped && kind == 1 {
		ft.counts.droppedBody.Add(1)
		r = r.Clone(r.Context())
		r.Body = &halfBody{r: r.Body, left: r.ContentLength / 2}
		res, err := ft.base.RoundTrip(r)
		if err == nil {
			res.Body.Close()
			return nil, errDropped
		}
		return nil, err
	}
	start := time.Now()
	res, err := ft.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if dropped { // kind 2: the server answered; the phone never hears it
		ft.counts.droppedAnswer.Add(1)
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return nil, errDropped
	}
	if cut < ft.faults.Cut && res.StatusCode != http.StatusNotModified && r.Method != http.MethodHead {
		ft.counts.cutAnswers.Add(1)
		keep := int64(0)
		if res.ContentLength > 1 {
			keep = res.ContentLength / 2
		}
		res.Body = &cutBody{r: res.Body, left: keep}
		return res, nil
	}
	res.Body = &timedBody{r: res.Body, start: start, lat: ft.lat}
	return res, nil
}

// halfBody sends the first left bytes of a request body, then fails (the connection dies).
type halfBody struct {
	r    io.ReadCloser
	left int64
}

func (b *halfBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errDropped
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *halfBody) Close() error { return b.r.Close() }

// cutBody gives the first left bytes of an answer, then fails.
type cutBody struct {
	r    io.ReadCloser
	left int64
}

func (b *cutBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errCut
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if err == io.EOF {
		return n, errCut
	}
	return n, err
}

func (b *cutBody) Close() error { return b.r.Close() }

// timedBody measures a request until its answer is read whole.
type timedBody struct {
	r     io.ReadCloser
	start time.Time
	lat   *latencies
	done  bool
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		b.lat.add(time.Since(b.start))
	}
	return n, err
}

func (b *timedBody) Close() error {
	if !b.done {
		b.done = true
		b.lat.add(time.Since(b.start))
	}
	return b.r.Close()
}
