package client

import (
	"strconv"
	"strings"
	"sync"
)

// CrashEnv names the environment variable that, like Config.CrashPoints, makes the process kill
// itself with SIGKILL at named steps — for tests of crash safety only. The value is a comma-separated
// list of steps, each optionally with ":N" to crash the N-th time the step is reached (default 1),
// e.g. "push_after_send" or "pull_mid_page:3".
const CrashEnv = "THANHTRA_CLIENT_CRASH"

// The named steps where a crash can be asked for.
const (
	// CrashEditCommitted: a local edit (entity and outbox item, or a record with its number) is
	// committed, before the call returns.
	CrashEditCommitted = "edit_committed"
	// CrashPushBeforeSend: a batch is marked sending, before the request goes out.
	CrashPushBeforeSend = "push_before_send"
	// CrashPushAfterSend: the server answered the push, before the results are applied.
	CrashPushAfterSend = "push_after_send"
	// CrashPushMidApply: half of a push's results are written, in their transaction, before it commits.
	CrashPushMidApply = "push_mid_apply"
	// CrashPullMidPage: half of a pulled page is written, in its transaction, before it commits.
	CrashPullMidPage = "pull_mid_page"
	// CrashPullMidReset: like CrashPullMidPage, counting only pages that reset their dataset (the
	// dataset's copy is already dropped in the transaction).
	CrashPullMidReset = "pull_mid_reset"
	// CrashPullAfterPage: a page and its cursor are committed, before the next dataset.
	CrashPullAfterPage = "pull_after_page"
	// CrashRefreshAfterSend: the server answered a token refresh, before the new pair is stored
	// (the server has rotated the token; the phone must get the same pair within the grace window).
	CrashRefreshAfterSend = "refresh_after_send"
	// CrashUploadAfterAnnounce: the server answered an evidence announce (PUT), before the answer is
	// stored and before any byte is sent.
	CrashUploadAfterAnnounce = "upload_after_announce"
	// CrashUploadMidBytes: half of an evidence PATCH body is on the connection, the rest not sent
	// (the server keeps what arrived, except a whole small file sent from 0).
	CrashUploadMidBytes = "upload_mid_bytes"
	// CrashUploadAfterChunk: the server answered a PATCH (the piece is durable there), before the new
	// offset is stored on the phone.
	CrashUploadAfterChunk = "upload_after_chunk"
)

// crashPoints counts how often each armed step is reached and kills the process at the asked one.
type crashPoints struct {
	mu     sync.Mutex
	at     map[string]int
	counts map[string]int
}

func parseCrashPoints(spec string) *crashPoints {
	c := &crashPoints{at: map[string]int{}, counts: map[string]int{}}
	for _, p := range strings.Split(spec, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		name, n, _ := strings.Cut(p, ":")
		k, err := strconv.Atoi(n)
		if err != nil || k < 1 {
			k = 1
		}
		c.at[name] = k
	}
	return c
}

// hit marks that the step is reached; at the armed count the process dies without any clean-up.
func (c *crashPoints) hit(step string) {
	if c == nil || len(c.at) == 0 {
		return
	}
	c.mu.Lock()
	n, armed := c.at[step]
	c.counts[step]++
	now := c.counts[step]
	c.mu.Unlock()
	if armed && now == n {
		killSelf()
	}
}
