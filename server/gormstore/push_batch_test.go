package gormstore

// The set-based path of a push must answer and write exactly what the item-by-item path does. The
// same mixed batches go through three copies of one world: item by item, in groups, and in groups
// whose write fails after it wrote (so that the savepoint is rolled back and the items are applied one
// by one); the results and the tables a push writes must be the same in all three, once the IDs that
// each world made for itself (organisation, campaign, site, people, devices, number blocks) are
// replaced by names.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

// groupSpy counts the groups its appliers apply; with fail, each group's write fails after the
// appliers wrote it.
type groupSpy struct {
	syncpush.Appliers
	fail          bool
	groups, items int
}

func (g *groupSpy) ApplyGroup(ctx context.Context, tx syncpush.Tx, by syncpush.Pusher, items []syncpush.Item) ([]syncpush.GroupResult, error) {
	rs, err := g.Appliers.ApplyGroup(ctx, tx, by, items)
	g.groups++
	g.items += len(items)
	if err == nil && g.fail {
		return nil, errors.New("the group's write failed")
	}
	return rs, err
}

// pushScript is a sequence of batches, each pushed by one of the world's phones. The entity and
// change IDs are made once and shared by every world; payloads name each world's own campaign and
// site.
type pushScript struct {
	visits  []string // visit IDs v[0]…
	changes []string // change IDs c[0]…
}

func newPushScript() *pushScript {
	p := &pushScript{}
	for range 40 {
		p.visits = append(p.visits, clock.UUIDv7{}.NewID())
		p.changes = append(p.changes, clock.UUIDv7{}.NewID())
	}
	return p
}

type scriptBatch struct {
	by    func(*applyWorld) syncpush.Pusher
	items []syncpush.Item
}

// batches are the script's batches in w.
func (p *pushScript) batches(w *applyWorld) []scriptBatch {
	v, c := p.visits, p.changes
	mk := func(change string, typ, entity string, base int64, at time.Time, payload any) syncpush.Item {
		it := applyItem(typ, entity, base, at, payload)
		it.ChangeID = change
		return it
	}
	n := 0
	next := func() string { n++; return fmt.Sprintf("00000000-0000-7000-8000-%012d", n) } // further change IDs, the same in every world
	ans := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = map[string]any{"value": kv[i+1]}
		}
		return m
	}
	visit := func(extra map[string]any) map[string]any { return w.newVisit(extra) }
	done := map[string]any{"F1.1": map[string]any{"value": true, "evidence": []string{"p-1"}}, "F1.2": map[string]any{"value": "2030-01-01", "evidence": []string{"p-2"}},
		"F1.3": map[string]any{"value": true, "evidence": []string{"p-3"}}, "F1.4": map[string]any{"value": true, "evidence": []string{"p-4"}},
		"F3.1": map[string]any{"value": true, "evidence": []string{"p-5"}}, "F4.1": map[string]any{"value": true, "evidence": []string{"p-6"}},
		"F4.4": map[string]any{"value": true, "evidence": []string{"p-7"}}, "F5.1": map[string]any{"value": true, "evidence": []string{"p-8"}},
		"F5.2": map[string]any{"value": false}, "F5.3": map[string]any{"value": false}, "F6.1": map[string]any{"evidence": []string{"p-9"}}}
	leader := func(w *applyWorld) syncpush.Pusher { return w.leader }
	member := func(w *applyWorld) syncpush.Pusher { return w.member }
	outsider := func(w *applyWorld) syncpush.Pusher { return w.outsider }

	a := []syncpush.Item{
		mk(c[0], "visit", v[0], 0, atHour(8, 0), visit(map[string]any{"answers": ans("F1.1", false, "F1.3", true)})),
		mk(c[1], "visit", v[1], 0, atHour(8, 1), visit(map[string]any{"status": "planned"})),
		mk(c[2], "visit", v[2], 0, atHour(8, 2), visit(map[string]any{"answers": ans("F1.1", "maybe")})),
		mk(c[3], "visit", v[3], 0, atHour(8, 3), visit(map[string]any{"date": "2027-01-05"})),
		mk(c[4], "visit", v[4], 0, atHour(8, 4), visit(map[string]any{"leader_person_id": w.outsider.PersonID})),
		mk(c[5], "visit", "visit-6", 0, atHour(8, 5), visit(nil)),
		mk(c[6], "visit", v[6], 0, atHour(8, 6), visit(map[string]any{"deleted": true})),
		mk(c[7], "visit", v[7], 0, atHour(8, 7), visit(map[string]any{"campaign_id": v[39]})),
		mk(c[8], "visit", v[8], 0, atHour(8, 8), visit(map[string]any{"checklist_version": 9})),
		mk(c[9], "visit", v[9], 0, atHour(8, 9), visit(map[string]any{"site_id": v[38]})),
		mk(c[10], "visit", v[0], 0, atHour(8, 10), visit(nil)), // the same visit again: its ID is used
		mk(c[11], "visit", v[10], 0, atHour(8, 11), visit(map[string]any{"answers": ans("F1.4", false, "F4.2", "Mẫu 7", "F5.2", true)})),
		mk(c[11], "visit", v[10], 0, atHour(8, 11), visit(map[string]any{"answers": ans("F1.4", false, "F4.2", "Mẫu 7", "F5.2", true)})), // sent twice
		mk(c[1], "visit", v[1], 0, atHour(8, 1), visit(map[string]any{"status": "in_progress"})),                                         // a change ID reused
		mk(next(), "visit", v[0], 1, atHour(8, 20), map[string]any{"answers": ans("F1.1", true)}),
		mk(next(), "visit", v[11], 0, atHour(8, 21), visit(map[string]any{"status": "completed", "answers": done})), // enters the site's history
		mk(next(), "visit", v[12], 0, atHour(8, 22), visit(nil)),
		mk(next(), "finding", v[30], 0, atHour(8, 23), map[string]any{"visit_id": v[12], "description": "Không niêm yết giá"}),
		mk(next(), "visit", v[13], 1, atHour(8, 24), map[string]any{"status": "cancelled"}), // before the visit exists
		mk(next(), "visit", v[13], 0, atHour(8, 25), visit(nil)),
		mk(next(), "finding", v[31], 0, atHour(8, 26), map[string]any{"visit_id": v[14], "description": "Trước khi có lượt"}),
		mk(next(), "visit", v[14], 0, atHour(8, 27), visit(nil)),
		mk(next(), "visit", v[15], 0, atHour(8, 28), visit(map[string]any{"status": "waiting_lab", "answers": ans("F4.2", "Mẫu gửi phòng thí nghiệm")})),
		mk(next(), "penalty", v[32], 0, atHour(8, 29), map[string]any{}),
		mk(next(), "number_void", w.unit.ID+"/2026/5", 0, atHour(8, 30), map[string]any{"issuing_unit_id": w.unit.ID, "year": 2026, "number": 5, "reason": "Hỏng"}),
		mk(c[16], "visit", v[16], 0, atHour(8, 31), visit(map[string]any{"gps": map[string]any{"lat": 22.66, "lon": 106.25, "accuracy_m": 8}})),
		mk(c[17], "visit", v[17], 0, atHour(8, 32), visit(map[string]any{"answers": ans("F1.3", true)})),
		mk(c[18], "visit", v[18], 0, atHour(8, 33), []byte(`{"checklist_version": "one"}`)),
		mk(c[16], "visit", v[16], 0, atHour(8, 31), visit(map[string]any{"gps": map[string]any{"lat": 22.66, "lon": 106.25, "accuracy_m": 8}})), // again, later
	}
	b := slices.Clone(a) // replayed whole, with more
	b = append(b,
		mk(c[0], "visit", v[0], 0, atHour(8, 0), visit(map[string]any{"answers": ans("F1.1", true)})), // the first change ID, other content
		mk(c[19], "visit", v[19], 0, atHour(9, 0), visit(nil)),
		mk(c[20], "visit", v[20], 0, atHour(9, 1), visit(map[string]any{"answers": ans("F1.5", true)})),
	)
	cc := []syncpush.Item{
		mk(next(), "visit", v[0], 1, atHour(7, 59), map[string]any{"answers": ans("F1.1", false, "F1.5", true)}), // loses F1.1 to the leader's later capture
		mk(c[21], "visit", v[21], 0, atHour(9, 10), visit(map[string]any{"answers": ans("F3.1", false)})),
		mk(c[22], "visit", v[22], 0, atHour(9, 11), visit(map[string]any{"leader_person_id": w.leader.PersonID, "status": "planned"})),
		mk(next(), "visit", v[1], 1, atHour(9, 12), map[string]any{"deleted": true}),
		mk(c[23], "visit", v[23], 0, atHour(9, 13), visit(nil)),
		mk(c[24], "visit", v[1], 0, atHour(9, 14), visit(nil)), // a deleted visit's ID stays used
	}
	d := []syncpush.Item{
		mk(c[25], "visit", v[25], 0, atHour(10, 0), visit(nil)),
		mk(c[26], "visit", v[26], 0, atHour(10, 1), visit(nil)),
		mk(next(), "visit", v[0], 3, atHour(10, 2), map[string]any{"status": "cancelled"}),
	}
	return []scriptBatch{{leader, a}, {leader, b}, {member, cc}, {outsider, d}}
}

// run pushes the script's batches in w through a and returns every result, normalised.
func (p *pushScript) run(t *testing.T, w *applyWorld, a syncpush.Applier) []string {
	t.Helper()
	norm := worldNames(t, w)
	var out []string
	for i, b := range p.batches(w) {
		rs, err := syncpush.Apply(context.Background(), w.s, b.by(w), b.items, syncpush.DefaultLimits, a)
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		for j, r := range rs {
			out = append(out, norm.Replace(fmt.Sprintf("batch %d item %d: %s v%d %s %v replayed=%v %s", i, j, r.Outcome, r.Version, r.Code, r.Fields, r.Replayed, r.Reason)))
		}
	}
	return out
}

// worldNames replaces the IDs that w made for itself by names.
func worldNames(t *testing.T, w *applyWorld) *strings.Replacer {
	t.Helper()
	pairs := []string{w.org.ID, "<org>", w.camp.ID, "<campaign>", w.site.ID, "<site>", w.subject.ID, "<subject>", w.unit.ID, "<unit>"}
	for name, p := range map[string]syncpush.Pusher{"leader": w.leader, "member": w.member, "outsider": w.outsider} {
		pairs = append(pairs, p.PersonID, "<person "+name+">", p.AccountID, "<account "+name+">", p.DeviceID, "<device "+name+">")
		var blocks []string
		if err := w.s.read(context.Background()).Raw("SELECT id FROM number_blocks WHERE device_id = ? ORDER BY year, first_number", p.DeviceID).
			Scan(&blocks).Error; err != nil {
			t.Fatal(err)
		}
		for i, b := range blocks {
			pairs = append(pairs, b, fmt.Sprintf("<block %s %d>", name, i))
		}
	}
	return strings.NewReplacer(pairs...)
}

// pushTables are the tables a push writes, each with its order and the columns left out: those
// assigned by the database (identities, transaction IDs) and the hashes of content that names the
// world's IDs.
var pushTables = []struct{ name, where, order, skip string }{
	{"visits", "", "id", ""},
	{"visit_answers", "", "visit_id, answer_key", ""},
	{"visit_findings", "", "visit_id, answer_key", ""},
	{"visit_answer_history", "", "id", "id"},
	{"manual_findings", "", "id", ""},
	{"number_marks", "", "year, number", ""},
	{"changes", "dataset IN ('visits', 'numbers') OR entity_type = 'site_history'", "id", "id xid checksum"},
	{"push_receipts", "", "change_id", "hash"},
	{"push_quarantine", "", "id", "id hash"},
}

// dumpPushTables returns the rows of pushTables in w, normalised.
func dumpPushTables(t *testing.T, w *applyWorld) map[string][]string {
	t.Helper()
	norm := worldNames(t, w)
	out := map[string][]string{}
	for _, tb := range pushTables {
		q := "SELECT * FROM " + tb.name
		if tb.where != "" {
			q += " WHERE " + tb.where
		}
		rows, err := w.s.read(context.Background()).Raw(q + " ORDER BY " + tb.order).Rows()
		if err != nil {
			t.Fatal(err)
		}
		out[tb.name] = scanRows(t, rows, strings.Fields(tb.skip), norm)
	}
	return out
}

func scanRows(t *testing.T, rows *sql.Rows, skip []string, norm *strings.Replacer) []string {
	t.Helper()
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, c := range cols {
			if slices.Contains(skip, c) {
				continue
			}
			v := vals[i]
			switch x := v.(type) {
			case []byte:
				v = string(x)
			case time.Time:
				v = x.UTC().Format(time.RFC3339Nano)
			}
			fmt.Fprintf(&b, "%s=%v ", c, v)
		}
		out = append(out, norm.Replace(b.String()))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPushGroupsMatchItemByItem: new visits applied as groups give the results and the data of the
// same batches applied item by item, also when a group's write fails and the items are applied one
// by one after all.
func TestPushGroupsMatchItemByItem(t *testing.T) {
	script := newPushScript()

	ref := newApplyWorld(t)
	wantResults := script.run(t, ref, perItem(ref.appliers))
	wantTables := dumpPushTables(t, ref)

	// The script covers what it should: a quick look at the reference's outcomes.
	joined := strings.Join(wantResults, "\n")
	for _, want := range []string{"applied v1", "duplicate v1", "conflict v0 change_id_reused", "entity_exists", "out_of_scope",
		"validation_failed", "visit_not_found", "unknown_entity_type", "replayed=true"} {
		if !strings.Contains(joined, want) {
			t.Fatalf("the script never gives %q:\n%s", want, joined)
		}
	}

	for _, tc := range []struct {
		name string
		fail bool
	}{{"in groups", false}, {"groups that fail", true}} {
		t.Run(tc.name, func(t *testing.T) {
			w := newApplyWorld(t)
			spy := &groupSpy{Appliers: w.appliers, fail: tc.fail}
			got := script.run(t, w, spy)
			if spy.groups < 4 || spy.items < 12 {
				t.Fatalf("%d groups of %d items in all: the script must exercise the groups", spy.groups, spy.items)
			}
			if !slices.Equal(got, wantResults) {
				t.Errorf("results differ from item by item:\n%s", diffLines(wantResults, got))
			}
			tables := dumpPushTables(t, w)
			for _, tb := range pushTables {
				if !slices.Equal(tables[tb.name], wantTables[tb.name]) {
					t.Errorf("table %s differs from item by item:\n%s", tb.name, diffLines(wantTables[tb.name], tables[tb.name]))
				}
			}
		})
	}
}

// diffLines shows the first lines where want and got differ.
func diffLines(want, got []string) string {
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(want), len(got)) && shown < 5; i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			fmt.Fprintf(&b, "line %d\n  want %s\n  got  %s\n", i, w, g)
			shown++
		}
	}
	fmt.Fprintf(&b, "(%d lines wanted, %d got)", len(want), len(got))
	return b.String()
}
