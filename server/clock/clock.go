// Package clock makes time and identifiers dependencies, so that deadlines, token expiry and cursors
// are tested with a fixed clock and tests never sleep to wait for time.
package clock

import (
	"sync"
	"time"

	"github.com/google/uuid"
)

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// Real is the system clock.
type Real struct{}

// Now returns the current time.
func (Real) Now() time.Time { return time.Now() }

// Manual is a clock that moves only when told; safe for concurrent use. For tests.
type Manual struct {
	mu sync.Mutex
	t  time.Time
}

// NewManual returns a Manual clock set to t.
func NewManual(t time.Time) *Manual { return &Manual{t: t} }

// Now returns the clock's current time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t
}

// Advance moves the clock forward by d.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t = m.t.Add(d)
}

// Set moves the clock to t.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t = t
}

// IDs makes identifiers. Server-made entity IDs are UUIDv7 strings, like the IDs phones make (D4).
type IDs interface {
	NewID() string
}

// UUIDv7 makes random, time-ordered UUIDv7 identifiers.
type UUIDv7 struct{}

// NewID returns a new UUIDv7 in its canonical text form.
func (UUIDv7) NewID() string { return uuid.Must(uuid.NewV7()).String() }

// Vietnam is the time zone of Asia/Ho_Chi_Minh: UTC+7 all year (no daylight saving since 1975), fixed
// here so that date arithmetic does not depend on the machine's time zone database.
var Vietnam = time.FixedZone("ICT", 7*60*60)
