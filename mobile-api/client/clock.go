package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"math/big"
	"time"
)

// Clock is the phone's clock, injectable for tests (OpenWith). NowUnixMilli stamps changes
// (captured_at) and times tokens; Sleep waits between retries. A test clock may advance itself in
// Sleep instead of waiting.
type Clock interface {
	NowUnixMilli() int64
	Sleep(millis int64)
}

// Random is the source of the retry jitter, injectable for tests: Int63n returns a number in
// [0, n). IDs are always made from crypto/rand.
type Random interface {
	Int63n(n int64) int64
}

// systemClock is the real clock; its sleeps end early when the client closes (see Client.sleep).
type systemClock struct{}

func (systemClock) NowUnixMilli() int64 { return time.Now().UnixMilli() }
func (systemClock) Sleep(millis int64)  { time.Sleep(time.Duration(millis) * time.Millisecond) }

// cryptoRandom draws the jitter from crypto/rand (no seeding, no shared state).
type cryptoRandom struct{}

func (cryptoRandom) Int63n(n int64) int64 {
	if n <= 0 {
		return 0
	}
	v, err := rand.Int(rand.Reader, big.NewInt(n))
	if err != nil {
		return n / 2
	}
	return v.Int64()
}

// backoff is the wait before retry number attempt (from 0): "full jitter" — a random time up to
// base·2^attempt, capped — so that the phones of a district coming back into coverage together do
// not retry in step; never less than the server's Retry-After.
func backoff(r Random, baseMillis, capMillis int64, attempt int, retryAfterMillis int64) int64 {
	ceil := baseMillis
	for i := 0; i < attempt && ceil < capMillis; i++ {
		ceil *= 2
	}
	ceil = min(ceil, capMillis)
	wait := r.Int63n(ceil + 1)
	return max(wait, retryAfterMillis)
}

// sleep waits millis by the client's clock; with the system clock it ends early when ctx ends.
func sleep(ctx context.Context, c Clock, millis int64) error {
	if millis <= 0 {
		return ctx.Err()
	}
	if _, ok := c.(systemClock); !ok {
		c.Sleep(millis)
		return ctx.Err()
	}
	t := time.NewTimer(time.Duration(millis) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// newUUIDv7 makes a UUIDv7 (RFC 9562) in canonical lower-case form: 48 bits of Unix milliseconds,
// then random bits from crypto/rand. Entity and change IDs are made on the phone (D4).
func newUUIDv7(unixMilli int64) string {
	var b [16]byte
	if _, err := rand.Read(b[6:]); err != nil {
		panic("client: crypto/rand: " + err.Error())
	}
	ms := uint64(unixMilli)
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	b[6] = 0x70 | b[6]&0x0f
	b[8] = 0x80 | b[8]&0x3f
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
	return string(s[:])
}

// rfc3339Milli formats a phone time for captured_at and drawn_up_at: UTC, milliseconds.
func rfc3339Milli(unixMilli int64) string {
	return time.UnixMilli(unixMilli).UTC().Format("2006-01-02T15:04:05.000Z07:00")
}
