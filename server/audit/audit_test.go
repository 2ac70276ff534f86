package audit_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/audit"
)

var ict = time.FixedZone("ICT", 7*60*60) // Asia/Ho_Chi_Minh, which keeps no daylight saving time

var epoch = time.Date(2026, 3, 2, 15, 4, 5, 123456100, ict)

// memSource is an audit.Source in memory. Events must be in chain and sequence order, as a store
// streams them.
type memSource struct {
	events  []audit.Event
	anchors []audit.Anchor
	err     error // returned by both readers when set
}

func (m *memSource) AuditEvents(_ context.Context, fn func(audit.Event) error) error {
	if m.err != nil {
		return m.err
	}
	for _, ev := range m.events {
		if err := fn(ev); err != nil {
			return err
		}
	}
	return nil
}

func (m *memSource) AuditAnchors(_ context.Context, fn func(audit.Anchor) error) error {
	if m.err != nil {
		return m.err
	}
	for _, a := range m.anchors {
		if err := fn(a); err != nil {
			return err
		}
	}
	return nil
}

func entry(chain string, i int) audit.Entry {
	return audit.Entry{Chain: chain, OrgID: "org-1", Action: "case.update", ActorAccountID: "acc-1", ActorPersonID: "per-1",
		At: epoch.Add(time.Duration(i) * time.Minute), Data: map[string]any{"step": i}}
}

func seal(t testing.TB, e audit.Entry, prevSeq int64, prevHash string) audit.Event {
	t.Helper()
	ev, err := audit.Seal(e, prevSeq, prevHash)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// chain seals n events of one chain.
func chain(t testing.TB, name string, n int) []audit.Event {
	t.Helper()
	var out []audit.Event
	var prev audit.Event
	for i := range n {
		prev = seal(t, entry(name, i), prev.Seq, prev.Hash)
		out = append(out, prev)
	}
	return out
}

func head(ev audit.Event) audit.Head { return audit.Head{Chain: ev.Chain, Seq: ev.Seq, Hash: ev.Hash} }

func TestSealNormalisesTime(t *testing.T) {
	e := entry("case/1", 0)
	ev := seal(t, e, 0, "")
	want := epoch.UTC().Truncate(time.Microsecond)
	if ev.At != want { // == also compares the location: it must be UTC, with no monotonic reading
		t.Fatalf("At = %v, want %v", ev.At, want)
	}

	cases := []struct {
		name string
		at   time.Time
		same bool // whether the hash must equal ev's
	}{
		{"the same instant in UTC", epoch.UTC(), true},
		{"the normalised time itself", want, true},
		{"another zone", epoch.In(time.FixedZone("X", -5*60*60)), true},
		{"nanoseconds within the same microsecond", epoch.Add(800 * time.Nanosecond), true},
		{"one microsecond later", epoch.Add(time.Microsecond), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e2 := e
			e2.At = c.at
			if got := seal(t, e2, 0, ""); (got.Hash == ev.Hash) != c.same {
				t.Fatalf("hash equal = %v, want %v", got.Hash == ev.Hash, c.same)
			}
		})
	}
}

func TestSealEmptyData(t *testing.T) {
	e := entry("case/1", 0)
	e.Data = nil
	fromNil := seal(t, e, 0, "")
	e.Data = map[string]any{}
	fromEmpty := seal(t, e, 0, "")
	if fromNil.DataJSON != "{}" || fromEmpty.DataJSON != "{}" {
		t.Fatalf("DataJSON = %q and %q, want {} for both", fromNil.DataJSON, fromEmpty.DataJSON)
	}
	if fromNil.Hash != fromEmpty.Hash {
		t.Fatal("nil data and empty data hash differently")
	}
	e.Data = map[string]any{"k": nil}
	if seal(t, e, 0, "").Hash == fromNil.Hash {
		t.Fatal("data with a key hashes like empty data")
	}
}

func TestSealData(t *testing.T) {
	e := entry("case/1", 0)
	e.Data = map[string]any{"b": 2, "a": "một", "c": []string{"x"}}
	ev := seal(t, e, 0, "")
	if want := `{"a":"một","b":2,"c":["x"]}`; ev.DataJSON != want {
		t.Fatalf("DataJSON = %s, want %s (keys sorted)", ev.DataJSON, want)
	}
	e.Data = map[string]any{"f": func() {}}
	if _, err := audit.Seal(e, 0, ""); err == nil {
		t.Fatal("Seal accepted data that cannot be encoded")
	}
}

func TestSealLinks(t *testing.T) {
	ev := seal(t, entry("case/1", 0), 41, "abc")
	if ev.Seq != 42 || ev.PrevHash != "abc" {
		t.Fatalf("Seq %d PrevHash %q, want 42 and abc", ev.Seq, ev.PrevHash)
	}
	if len(ev.Hash) != 64 {
		t.Fatalf("Hash %q is not a hex SHA-256", ev.Hash)
	}
}

// TestSealHashCoversEveryField: changing any one field changes the hash.
func TestSealHashCoversEveryField(t *testing.T) {
	base := entry("case/1", 0)
	base.Reason = "lý do"
	want := seal(t, base, 1, "prev")
	cases := []struct {
		name     string
		change   func(e *audit.Entry)
		prevSeq  int64
		prevHash string
	}{
		{"chain", func(e *audit.Entry) { e.Chain = "case/2" }, 1, "prev"},
		{"organisation", func(e *audit.Entry) { e.OrgID = "org-2" }, 1, "prev"},
		{"action", func(e *audit.Entry) { e.Action = "case.delete" }, 1, "prev"},
		{"actor account", func(e *audit.Entry) { e.ActorAccountID = "acc-2" }, 1, "prev"},
		{"actor person", func(e *audit.Entry) { e.ActorPersonID = "per-2" }, 1, "prev"},
		{"time", func(e *audit.Entry) { e.At = e.At.Add(time.Microsecond) }, 1, "prev"},
		{"reason", func(e *audit.Entry) { e.Reason = "" }, 1, "prev"},
		{"data", func(e *audit.Entry) { e.Data = map[string]any{"step": 1} }, 1, "prev"},
		{"actor boundary moved", func(e *audit.Entry) { e.ActorAccountID, e.ActorPersonID = "acc-1p", "er-1" }, 1, "prev"},
		{"sequence", func(*audit.Entry) {}, 2, "prev"},
		{"previous hash", func(*audit.Entry) {}, 1, "other"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := base
			c.change(&e)
			if got := seal(t, e, c.prevSeq, c.prevHash); got.Hash == want.Hash {
				t.Fatal("the hash did not change")
			}
		})
	}
}

func TestNewAnchor(t *testing.T) {
	heads := []audit.Head{{Chain: "case/2", Seq: 3, Hash: "h2"}, {Chain: "account/1", Seq: 1, Hash: "h1"}}
	given := slices.Clone(heads)
	first := audit.NewAnchor(nil, epoch, heads)
	if !slices.Equal(heads, given) {
		t.Error("NewAnchor reordered the caller's slice")
	}
	sorted := []audit.Head{heads[1], heads[0]}
	if first.Seq != 1 || first.PrevHash != "" || !slices.Equal(first.Heads, sorted) || first.HeadsHash != audit.HeadsHash(sorted) {
		t.Fatalf("first anchor = %+v, want seq 1, no previous hash, heads sorted by chain", first)
	}
	if want := epoch.UTC().Truncate(time.Microsecond); first.At != want {
		t.Errorf("At = %v, want %v", first.At, want)
	}
	if again := audit.NewAnchor(nil, epoch.Add(800*time.Nanosecond), given); again.Hash != first.Hash {
		t.Error("the same anchor a few nanoseconds later, or with heads in another order, hashes differently")
	}

	second := audit.NewAnchor(&first, epoch.Add(time.Hour), []audit.Head{{Chain: "case/2", Seq: 4, Hash: "h3"}})
	if second.Seq != 2 || second.PrevHash != first.Hash {
		t.Fatalf("second anchor seq %d prev %q, want 2 after %q", second.Seq, second.PrevHash, first.Hash)
	}
	other := audit.NewAnchor(&first, epoch.Add(time.Hour), []audit.Head{{Chain: "case/2", Seq: 4, Hash: "h4"}})
	if other.Hash == second.Hash || other.HeadsHash == second.HeadsHash {
		t.Error("anchors over different heads hash alike")
	}
}

// TestVerify tampers with an in-memory log of chain a (events 1–3) and chain b (events 1–2), with
// anchor 1 over both heads and anchor 2 over b's head after b's third event.
func TestVerify(t *testing.T) {
	build := func(t *testing.T) *memSource {
		a, b := chain(t, "a", 3), chain(t, "b", 3)
		a1 := audit.NewAnchor(nil, epoch, []audit.Head{head(a[2]), head(b[1])})
		a2 := audit.NewAnchor(&a1, epoch.Add(time.Hour), []audit.Head{head(b[2])})
		return &memSource{events: append(a, b...), anchors: []audit.Anchor{a1, a2}}
	}
	// at finds an event by chain and sequence.
	at := func(m *memSource, chain string, seq int64) int {
		return slices.IndexFunc(m.events, func(ev audit.Event) bool { return ev.Chain == chain && ev.Seq == seq })
	}
	remove := func(m *memSource, chain string, seq int64) {
		i := at(m, chain, seq)
		m.events = slices.Delete(m.events, i, i+1)
	}
	cases := []struct {
		name           string
		tamper         func(t *testing.T, m *memSource)
		want           []string // problems, each by its beginning, in order
		chains, events int
	}{
		{"intact", func(*testing.T, *memSource) {}, nil, 2, 6},
		{"read back in another zone", func(_ *testing.T, m *memSource) {
			for i := range m.events {
				m.events[i].At = m.events[i].At.In(ict)
			}
			for i := range m.anchors {
				m.anchors[i].At = m.anchors[i].At.In(ict)
			}
		}, nil, 2, 6},
		{"event altered", func(_ *testing.T, m *memSource) {
			m.events[at(m, "a", 2)].Reason = "sửa"
		}, []string{"chain a: event 2 was altered"}, 2, 6},
		{"data altered", func(_ *testing.T, m *memSource) {
			m.events[at(m, "a", 2)].DataJSON = `{"step":9}`
		}, []string{"chain a: event 2 was altered"}, 2, 6},
		{"broken link: an event resealed onto another previous hash", func(t *testing.T, m *memSource) {
			i := at(m, "a", 2)
			m.events[i] = seal(t, m.events[i].Entry, 1, strings.Repeat("0", 64))
		}, []string{"chain a: event 2 does not link", "chain a: event 3 does not link"}, 2, 6},
		{"middle event missing", func(_ *testing.T, m *memSource) { remove(m, "a", 2) },
			[]string{"chain a: event 3 follows 1 (an event is missing)", "chain a: event 3 does not link"}, 2, 5},
		{"first event missing", func(_ *testing.T, m *memSource) { remove(m, "a", 1) },
			[]string{"chain a: event 2 follows 0 (an event is missing)", "chain a: event 2 does not link"}, 2, 5},
		{"an event twice", func(_ *testing.T, m *memSource) {
			i := at(m, "a", 2)
			m.events = slices.Insert(m.events, i, m.events[i])
		}, []string{"chain a: event 2 follows 2", "chain a: event 2 does not link"}, 2, 7},
		{"anchored tail missing", func(_ *testing.T, m *memSource) { remove(m, "a", 3) },
			[]string{"anchor 1: chain a no longer holds event 3 as anchored"}, 2, 5},
		{"anchored chain gone", func(_ *testing.T, m *memSource) {
			m.events = slices.DeleteFunc(m.events, func(ev audit.Event) bool { return ev.Chain == "b" })
		}, []string{"anchor 1: chain b no longer holds event 2", "anchor 2: chain b no longer holds event 3"}, 1, 3},
		{"anchor time altered", func(_ *testing.T, m *memSource) { m.anchors[0].At = m.anchors[0].At.Add(time.Microsecond) },
			[]string{"anchor 1 was altered"}, 2, 6},
		{"anchor heads altered", func(_ *testing.T, m *memSource) {
			m.anchors[1].Heads = []audit.Head{head(m.events[at(m, "b", 2)])}
		}, []string{"anchor 2 was altered"}, 2, 6},
		{"first anchor missing", func(_ *testing.T, m *memSource) { m.anchors = m.anchors[1:] },
			[]string{"anchor 2 was altered or does not follow anchor 1"}, 2, 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := build(t)
			c.tamper(t, m)
			rep, err := audit.Verify(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Chains != c.chains || rep.Events != c.events || rep.Anchors != len(m.anchors) {
				t.Errorf("counted %d chains, %d events, %d anchors; want %d, %d, %d", rep.Chains, rep.Events, rep.Anchors,
					c.chains, c.events, len(m.anchors))
			}
			ok := len(rep.Problems) == len(c.want) && rep.OK() == (len(c.want) == 0)
			for i := 0; ok && i < len(c.want); i++ {
				ok = strings.HasPrefix(rep.Problems[i], c.want[i])
			}
			if !ok {
				t.Fatalf("problems:\n  %s\nwant:\n  %s", strings.Join(rep.Problems, "\n  "), strings.Join(c.want, "\n  "))
			}
		})
	}
}

func TestVerifyReportsAtMostAThousandProblems(t *testing.T) {
	m := &memSource{events: chain(t, "a", 1500)}
	for i := range m.events {
		m.events[i].Action = "altered"
	}
	rep, err := audit.Verify(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1000 || rep.Events != 1500 {
		t.Fatalf("%d problems over %d events, want 1000 over 1500", len(rep.Problems), rep.Events)
	}
}

func TestVerifySourceError(t *testing.T) {
	broken := errors.New("disk on fire")
	_, err := audit.Verify(context.Background(), &memSource{err: broken})
	if !errors.Is(err, broken) {
		t.Fatalf("Verify = %v, want the source's error", err)
	}
}

func ExampleVerify() {
	var events []audit.Event
	var prev audit.Event
	for i := range 3 {
		prev, _ = audit.Seal(audit.Entry{Chain: "case/1", Action: "case.update", At: epoch, Data: map[string]any{"step": i}}, prev.Seq, prev.Hash)
		events = append(events, prev)
	}
	anchor := audit.NewAnchor(nil, epoch, []audit.Head{{Chain: prev.Chain, Seq: prev.Seq, Hash: prev.Hash}})
	src := &memSource{events: events[:2], anchors: []audit.Anchor{anchor}} // the last event was deleted
	rep, _ := audit.Verify(context.Background(), src)
	fmt.Println(rep.Events, rep.Problems)
	// Output: 2 [anchor 1: chain case/1 no longer holds event 3 as anchored]
}
