// Package audit is the append-only, tamper-evident log of who did what (DECISIONS D13).
//
// Events are chained by SHA-256 per aggregate (one chain per account, per case, per legal-data table …)
// so that writers of different aggregates never wait for each other, and a periodic anchor commits to
// the head of every chain, so that deleting the tail of a chain is detected too. Verify recomputes
// every hash from the stored events.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Entry is what a caller records: an action on an aggregate, by an actor, at a time.
type Entry struct {
	Chain          string         // the aggregate, e.g. "account/0193…", "organisation/0193…"
	OrgID          string         // the organisation that owns the aggregate; empty for national data
	Action         string         // e.g. "account.create", "device.revoke"
	ActorAccountID string         // empty for the command line and the system itself
	ActorPersonID  string         // empty for the command line and the system itself
	At             time.Time      // when it happened (the server's clock)
	Reason         string         // why, where a reason is required
	Data           map[string]any // what changed; never secrets
}

// Event is an Entry as stored: its place in its chain and its hashes.
type Event struct {
	Entry
	Seq      int64  // 1, 2, 3 … within the chain
	DataJSON string // Data exactly as hashed and stored
	PrevHash string // the hash of the previous event in the chain; empty for the first
	Hash     string
}

// Seal places e after the chain's head (prevSeq, prevHash) and computes its hash. It normalises the
// time to UTC microseconds, the precision both database engines keep.
func Seal(e Entry, prevSeq int64, prevHash string) (Event, error) {
	e.At = e.At.UTC().Truncate(time.Microsecond)
	data := []byte("{}")
	if len(e.Data) > 0 {
		var err error
		if data, err = json.Marshal(e.Data); err != nil { // map keys are sorted: canonical
			return Event{}, fmt.Errorf("audit.Seal %s: %w", e.Action, err)
		}
	}
	ev := Event{Entry: e, Seq: prevSeq + 1, DataJSON: string(data), PrevHash: prevHash}
	ev.Hash = ev.computeHash()
	return ev, nil
}

func (ev Event) computeHash() string {
	fields := []any{ev.PrevHash, ev.Chain, ev.Seq, ev.OrgID, ev.At.UTC().Format(time.RFC3339Nano),
		ev.ActorAccountID, ev.ActorPersonID, ev.Action, ev.Reason, ev.DataJSON}
	b, _ := json.Marshal(fields)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Head is the last event of a chain.
type Head struct {
	Chain string `json:"chain"`
	Seq   int64  `json:"seq"`
	Hash  string `json:"hash"`
}

// Anchor commits to the heads of all chains at a moment, and to the anchor before it.
type Anchor struct {
	Seq       int64
	At        time.Time
	Heads     []Head
	HeadsHash string
	PrevHash  string
	Hash      string
}

// NewAnchor builds the anchor that follows prev (nil for the first) over heads.
func NewAnchor(prev *Anchor, at time.Time, heads []Head) Anchor {
	heads = append([]Head(nil), heads...)
	sort.Slice(heads, func(i, j int) bool { return heads[i].Chain < heads[j].Chain })
	a := Anchor{Seq: 1, At: at.UTC().Truncate(time.Microsecond), Heads: heads, HeadsHash: HeadsHash(heads)}
	if prev != nil {
		a.Seq, a.PrevHash = prev.Seq+1, prev.Hash
	}
	a.Hash = a.computeHash()
	return a
}

// HeadsHash is the SHA-256 over heads sorted by chain.
func HeadsHash(heads []Head) string {
	b, _ := json.Marshal(heads)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (a Anchor) computeHash() string {
	b, _ := json.Marshal([]any{a.PrevHash, a.Seq, a.At.UTC().Format(time.RFC3339Nano), a.HeadsHash})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Source is what Verify reads: every event in chain and sequence order, and every anchor in order.
// The storage adapter implements it by streaming, so verification needs no memory per event.
type Source interface {
	AuditEvents(ctx context.Context, fn func(Event) error) error
	AuditAnchors(ctx context.Context, fn func(Anchor) error) error
}

// Report is the outcome of Verify.
type Report struct {
	Chains   int
	Events   int
	Anchors  int
	Problems []string // empty when everything verified
}

// OK reports whether nothing was wrong.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Verify recomputes every event hash and link, every anchor, and checks that each anchored head is
// still in its chain with the same hash. It returns an error only when the source cannot be read;
// what is wrong with the log is in the report.
func Verify(ctx context.Context, src Source) (Report, error) {
	var rep Report
	problem := func(format string, a ...any) {
		if len(rep.Problems) < 1000 {
			rep.Problems = append(rep.Problems, fmt.Sprintf(format, a...))
		}
	}
	heads := map[string]map[int64]string{} // chain → seq → hash, only for seqs that anchors name
	var anchors []Anchor
	if err := src.AuditAnchors(ctx, func(a Anchor) error {
		anchors = append(anchors, a)
		for _, h := range a.Heads {
			if heads[h.Chain] == nil {
				heads[h.Chain] = map[int64]string{}
			}
			heads[h.Chain][h.Seq] = ""
		}
		return nil
	}); err != nil {
		return rep, err
	}
	var cur Head
	err := src.AuditEvents(ctx, func(ev Event) error {
		rep.Events++
		if ev.Chain != cur.Chain {
			rep.Chains++
			cur = Head{Chain: ev.Chain}
		}
		if ev.Seq != cur.Seq+1 {
			problem("chain %s: event %d follows %d (an event is missing)", ev.Chain, ev.Seq, cur.Seq)
		}
		if ev.PrevHash != cur.Hash {
			problem("chain %s: event %d does not link to the event before it", ev.Chain, ev.Seq)
		}
		if got := ev.computeHash(); got != ev.Hash {
			problem("chain %s: event %d was altered (hash %s, stored %s)", ev.Chain, ev.Seq, got[:12], ev.Hash)
		}
		if m := heads[ev.Chain]; m != nil {
			if _, ok := m[ev.Seq]; ok {
				m[ev.Seq] = ev.Hash
			}
		}
		cur = Head{Chain: ev.Chain, Seq: ev.Seq, Hash: ev.Hash}
		return nil
	})
	if err != nil {
		return rep, err
	}
	var prev *Anchor
	for i := range anchors {
		a := anchors[i]
		rep.Anchors++
		want := NewAnchor(prev, a.At, a.Heads)
		if want.Seq != a.Seq || want.PrevHash != a.PrevHash || want.HeadsHash != a.HeadsHash || want.Hash != a.Hash {
			problem("anchor %d was altered or does not follow anchor %d", a.Seq, a.Seq-1)
		}
		for _, h := range a.Heads {
			if got := heads[h.Chain][h.Seq]; got != h.Hash {
				problem("anchor %d: chain %s no longer holds event %d as anchored", a.Seq, h.Chain, h.Seq)
			}
		}
		prev = &anchors[i]
	}
	return rep, nil
}
