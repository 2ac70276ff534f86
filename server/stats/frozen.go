package stats

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/legal"
)

// canonicalFormat names the layout of the canonical JSON below. A change that old frozen months
// cannot be read with needs a new number and a reader for the old one: a frozen month is read back
// from its bytes, never recomputed.
const canonicalFormat = 1

// The canonical JSON of a summary: fixed field order (structs, never maps), rows sorted by
// CompareRows, no HTML escaping, no insignificant white space, a final newline. Its SHA-256 is the
// frozen month's hash.
type (
	canonicalSummary struct {
		Format int            `json:"format"`
		Scope  string         `json:"scope"`
		Period string         `json:"period"`
		First  string         `json:"first"`
		Last   string         `json:"last"`
		Rows   []canonicalRow `json:"rows"`
	}
	canonicalRow struct {
		Breakdown string `json:"breakdown"`
		Key       string `json:"key"`
		Label     string `json:"label"`
		Figure    string `json:"figure"`
		Subjects  string `json:"subjects"`
		Value     int64  `json:"value"`
	}
)

// Canonical encodes a summary (normalised) as its canonical JSON and returns it with its SHA-256 in hex.
func Canonical(s Summary) ([]byte, string, error) {
	c := canonicalSummary{Format: canonicalFormat, Scope: s.Scope.String(), Period: s.Period.String(), First: s.First.String(),
		Last: s.Last.String(), Rows: make([]canonicalRow, len(s.Rows))}
	for i, r := range s.Rows {
		c.Rows[i] = canonicalRow{Breakdown: string(r.Breakdown), Key: r.Key, Label: r.Label, Figure: string(r.Figure),
			Subjects: string(r.Subjects), Value: r.Value}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, "", fmt.Errorf("stats.Canonical: %w", err)
	}
	sum := sha256.Sum256(b.Bytes())
	return b.Bytes(), hex.EncodeToString(sum[:]), nil
}

// FromCanonical reads a summary back from its canonical JSON.
func FromCanonical(data []byte) (Summary, error) {
	var c canonicalSummary
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Summary{}, fmt.Errorf("stats.FromCanonical: %w", err)
	}
	if c.Format != canonicalFormat {
		return Summary{}, fmt.Errorf("stats.FromCanonical: format %d is not known", c.Format)
	}
	p, err := ParsePeriod(c.Period)
	if err != nil {
		return Summary{}, fmt.Errorf("stats.FromCanonical: %w", err)
	}
	first, err1 := legal.ParseDate(c.First)
	last, err2 := legal.ParseDate(c.Last)
	if err1 != nil || err2 != nil {
		return Summary{}, fmt.Errorf("stats.FromCanonical: period days %q, %q", c.First, c.Last)
	}
	s := Summary{Scope: Scope{OrgID: c.Scope}, Period: p, First: first, Last: last, Rows: make([]Row, len(c.Rows))}
	if c.Scope == "national" {
		s.Scope = Scope{National: true}
	}
	for i, r := range c.Rows {
		s.Rows[i] = Row{Breakdown: Breakdown(r.Breakdown), Key: r.Key, Label: r.Label, Figure: Figure(r.Figure),
			Subjects: SubjectKind(r.Subjects), Value: r.Value}
	}
	return s, nil
}

// Frozen is a closed month whose figures were frozen: the canonical JSON exactly as stored, its
// SHA-256, and who froze it when. A frozen month is never recomputed: the report of a frozen month
// is read from Canonical, and data that arrives later shows as a Revision.
type Frozen struct {
	Scope     Scope
	Month     Period
	Canonical []byte
	SHA256    string
	FrozenAt  time.Time
	ByPerson  string
	ByAccount string
	// Audit is the act as the audit log records it (chain stats/<scope>), written with the frozen row.
	Audit audit.Entry
}

// Chain is the audit chain of a scope's frozen months (D13: one chain per aggregate).
func Chain(s Scope) string { return "stats/" + s.String() }

// Change is one figure whose current value differs from the frozen one.
type Change struct {
	Breakdown Breakdown
	Key       string
	Label     string
	Figure    Figure
	Subjects  SubjectKind
	Frozen    int64
	Current   int64
}

// Revision is how the current figures of a frozen month differ from the frozen ones: data that
// arrived (or changed) after the month was frozen. It never replaces the frozen figures.
type Revision struct {
	SHA256  string // the hash of the current figures' canonical JSON
	Changes []Change
}

// Diff compares current figures with frozen ones, row by row (a row absent on one side is 0 there),
// in the order of CompareRows. Labels that changed alone (a unit renamed later) are not changes.
func Diff(frozen, current []Row) []Change {
	cur := make(map[string]Row, len(current))
	for _, r := range current {
		cur[r.id()] = r
	}
	var out []Change
	seen := make(map[string]bool, len(frozen))
	for _, f := range frozen {
		seen[f.id()] = true
		c := cur[f.id()]
		if c.Value != f.Value {
			out = append(out, Change{Breakdown: f.Breakdown, Key: f.Key, Label: f.Label, Figure: f.Figure, Subjects: f.Subjects, Frozen: f.Value, Current: c.Value})
		}
	}
	for _, c := range current {
		if !seen[c.id()] && c.Value != 0 {
			out = append(out, Change{Breakdown: c.Breakdown, Key: c.Key, Label: c.Label, Figure: c.Figure, Subjects: c.Subjects, Current: c.Value})
		}
	}
	sortChanges(out)
	return out
}

func sortChanges(cs []Change) {
	rowOf := func(c Change) Row {
		return Row{Breakdown: c.Breakdown, Key: c.Key, Figure: c.Figure, Subjects: c.Subjects}
	}
	for i := 1; i < len(cs); i++ { // insertion sort keeps it stable; revisions are short
		for j := i; j > 0 && CompareRows(rowOf(cs[j-1]), rowOf(cs[j])) > 0; j-- {
			cs[j-1], cs[j] = cs[j], cs[j-1]
		}
	}
}
