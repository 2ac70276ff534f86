package jobs

import (
	"testing"
	"time"
	"unicode/utf8"
)

func TestBackoff(t *testing.T) {
	r := NewRunner(nil, Options{})
	for _, tc := range []struct {
		attempt int
		upper   time.Duration
	}{
		{1, 10 * time.Second},
		{2, 20 * time.Second},
		{3, 40 * time.Second},
		{9, 2560 * time.Second},
		{10, time.Hour}, // 5120 s, capped
		{64, time.Hour}, // no overflow
		{1000, time.Hour},
	} {
		for range 200 {
			if d := r.backoff(tc.attempt); d < tc.upper/2 || d > tc.upper {
				t.Fatalf("backoff(%d) = %s, want between %s and %s", tc.attempt, d, tc.upper/2, tc.upper)
			}
		}
	}
}

func TestTruncateError(t *testing.T) {
	long := ""
	for len(long) < maxErrorLen+10 {
		long += "lỗi "
	}
	got := truncateError(long)
	if len(got) > maxErrorLen+len(" …") || !utf8.ValidString(got) {
		t.Errorf("truncateError kept %d bytes, valid UTF-8 %v", len(got), utf8.ValidString(got))
	}
	if short := "lỗi mạng"; truncateError(short) != short {
		t.Errorf("truncateError changed a short message")
	}
}
