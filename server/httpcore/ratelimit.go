package httpcore

import (
	"sync"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/clock"
)

// Limiter counts events per key in fixed windows. Counters are per process (DECISIONS D18 allows it):
// behind a load balancer with N replicas the effective limit is at most N times the setting.
type Limiter struct {
	mu     sync.Mutex
	clock  clock.Clock
	limit  int
	window time.Duration
	counts map[string]*window
}

type window struct {
	start time.Time
	n     int
}

// NewLimiter allows limit events per key per window.
func NewLimiter(c clock.Clock, limit int, per time.Duration) *Limiter {
	return &Limiter{clock: c, limit: limit, window: per, counts: map[string]*window{}}
}

// Blocked reports whether key has used up its window, and if so how long until it may try again.
func (l *Limiter) Blocked(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.current(key)
	if w.n >= l.limit {
		return true, w.start.Add(l.window).Sub(l.clock.Now())
	}
	return false, 0
}

// Add counts one event for key.
func (l *Limiter) Add(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.current(key).n++
	if len(l.counts) > 100_000 {
		l.sweep()
	}
}

// Reset forgets key (after a successful login, for example).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.counts, key)
}

func (l *Limiter) current(key string) *window {
	now := l.clock.Now()
	w := l.counts[key]
	if w == nil || !now.Before(w.start.Add(l.window)) {
		w = &window{start: now}
		l.counts[key] = w
	}
	return w
}

// sweep drops expired windows so that the map cannot grow without bound.
func (l *Limiter) sweep() {
	now := l.clock.Now()
	for k, w := range l.counts {
		if !now.Before(w.start.Add(l.window)) {
			delete(l.counts, k)
		}
	}
}
