package gormstore

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/stats"
)

// The enforcement statistics (server/stats; docs/statistics.md). Each family of figures is one
// statement: a MATERIALIZED common table expression selects the period's rows of the organisation
// once (through the indexes of migration 0021, by the date the figure is counted by) with what every
// breakdown needs, and a UNION ALL of GROUP BYs reads it once per breakdown. Nothing walks the rows
// in Go. Dialect differences (a local day of an instant, JSON fields) are the few helpers below.

// statsSQL holds the dialect's expressions.
type statsSQL struct{ d Dialect }

// localDay is the day in Vietnam (UTC+7, no daylight saving) of an instant column.
func (q statsSQL) localDay(col string) string {
	if q.d == Postgres {
		return fmt.Sprintf("((%s) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date", col)
	}
	return fmt.Sprintf("date(%s, '+7 hours')", col)
}

// jsonText is a top-level field of a JSON text column, as text.
func (q statsSQL) jsonText(col, key string) string {
	if q.d == Postgres {
		return fmt.Sprintf("(%s::json->>'%s')", col, key)
	}
	return fmt.Sprintf("json_extract(%s, '$.%s')", col, key)
}

// jsonInt is a top-level integer field of a JSON text column.
func (q statsSQL) jsonInt(col, key string) string {
	if q.d == Postgres {
		return fmt.Sprintf("(%s::json->>'%s')::bigint", col, key)
	}
	return fmt.Sprintf("CAST(json_extract(%s, '$.%s') AS INTEGER)", col, key)
}

// jsonLen is the length of a top-level array field of a JSON text column (0 when absent).
func (q statsSQL) jsonLen(col, key string) string {
	if q.d == Postgres {
		return fmt.Sprintf("COALESCE(json_array_length(%s::json->'%s'), 0)", col, key)
	}
	return fmt.Sprintf("COALESCE(json_array_length(%s, '$.%s'), 0)", col, key)
}

// afterAt is what follows the first '@' of a text column (the instance of an answer key).
func (q statsSQL) afterAt(col string) string {
	if q.d == Postgres {
		return fmt.Sprintf("substr(%s, strpos(%s, '@') + 1)", col, col)
	}
	return fmt.Sprintf("substr(%s, instr(%s, '@') + 1)", col, col)
}

// The shared pieces of the statements.
const (
	statsSector = `CASE st.type WHEN 'fuel_station' THEN 'fuel' WHEN 'market' THEN 'market' WHEN 'shop' THEN 'market'
		WHEN 'xray_facility' THEN 'radiation' ELSE 'other' END`
	statsKindOf = `CASE %s WHEN 'organisation' THEN 'organisation' ELSE 'individual' END`
	// statsDone is a visit that was carried out: neither only planned nor cancelled.
	statsDone = `('in_progress', 'waiting_lab', 'completed')`
)

// unitOn joins the site's administrative unit on a day (site_units history, valid_to inclusive): the
// unit's version, whose name (looked up once per group, statsUnitName) is the name it had.
func unitOn(siteCol, orgCol, day string) string {
	return fmt.Sprintf(`LEFT JOIN site_units su ON su.site_id = %[1]s AND su.org_id = %[2]s
			AND (su.valid_from IS NULL OR su.valid_from <= %[3]s) AND (su.valid_to IS NULL OR su.valid_to >= %[3]s)`, siteCol, orgCol, day)
}

// The labels of the keys, looked up once per group (g.k is the group's key) rather than joined to
// every row: a unit version's name, a campaign's number, a person's name.
const (
	statsUnitName   = "(SELECT x.name FROM admin_units x WHERE x.id = g.k)"
	statsTeamName   = "(SELECT x.number FROM campaigns x WHERE x.id = g.k)"
	statsPersonName = "(SELECT x.full_name FROM persons x WHERE x.id = g.k)"
)

// statsGroup is one GROUP BY of a family: the breakdown, its key (a column of f), the lookup of its
// label (or the empty string literal), and whether it is split by subject kind as well as counted for
// everyone.
type statsGroup struct {
	breakdown stats.Breakdown
	key       string
	label     string
	byKind    bool
}

// The breakdowns every event family has, over columns its CTE names alike.
var statsEventGroups = []statsGroup{
	{stats.ByTotal, "''", "''", true},
	{stats.BySector, "sector", "''", true},
	{stats.ByUnit, "unit_id", statsUnitName, true},
	{stats.ByTeam, "campaign_id", statsTeamName, true},
	{stats.ByKind, "campaign_kind", "''", true},
	{stats.ByOrigin, "campaign_origin", "''", true},
}

// statsFamily is one statement: a CTE named f, the value expressions (aggregates over f) of its
// figures, and its groups. A figure with allOnly is counted for everyone only.
type statsFamily struct {
	pre     string // CTEs before f ("name AS MATERIALIZED (…), …"), whose parameters come first
	cte     string
	args    []any
	figures []stats.Figure
	values  []string
	allOnly map[stats.Figure]bool
	groups  []statsGroup
}

// statsOut is a row of a family's statement: up to six values.
type statsOut struct {
	B, K, L, S             string
	V0, V1, V2, V3, V4, V5 int64
}

// statsFamily runs one family and appends its rows.
func (s *Store) statsFamily(db *gorm.DB, f statsFamily, out []stats.Row) ([]stats.Row, error) {
	sql := f.sql(s.dialect)
	var rows []statsOut
	if err := db.Raw(sql, f.args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("stats %v: %w", f.figures, translate(err, ""))
	}
	for _, r := range rows {
		vs := []int64{r.V0, r.V1, r.V2, r.V3, r.V4, r.V5}
		for i, fig := range f.figures {
			if r.S != string(stats.AllSubjects) && f.allOnly[fig] {
				continue
			}
			out = append(out, stats.Row{Breakdown: stats.Breakdown(r.B), Key: r.K, Label: r.L, Figure: fig, Subjects: stats.SubjectKind(r.S), Value: vs[i]})
		}
	}
	return out, nil
}

// sql is the family's statement. On PostgreSQL the breakdowns are one GROUP BY GROUPING SETS: one
// aggregation over f, and a statement the planner plans in a fraction of the time a UNION ALL of a
// dozen GROUP BYs takes. SQLite has no grouping sets: there it is the UNION ALL.
func (f statsFamily) sql(d Dialect) string {
	vals := make([]string, 6)
	for i := range vals {
		vals[i] = fmt.Sprintf("0 AS v%d", i)
		if i < len(f.values) {
			vals[i] = fmt.Sprintf("CAST(COALESCE(%s, 0) AS BIGINT) AS v%d", f.values[i], i)
		}
	}
	with := "WITH f AS MATERIALIZED (" + f.cte + ") "
	if f.pre != "" {
		with = "WITH " + f.pre + ", f AS MATERIALIZED (" + f.cte + ") "
	}
	if d == Postgres {
		return with + f.groupingSets(strings.Join(vals, ", "))
	}
	var parts []string
	for _, g := range f.groups {
		label := "''"
		if g.label != "''" {
			label = "COALESCE(" + g.label + ", '')"
		}
		sel := func(kind, groupBy string) string {
			return fmt.Sprintf("SELECT g.*, %s AS l FROM (SELECT '%s' AS b, CAST(%s AS TEXT) AS k, %s AS s, %s FROM f%s) g",
				label, g.breakdown, g.key, kind, strings.Join(vals, ", "), groupBy)
		}
		groupBy := ""
		if g.key != "''" {
			groupBy = " GROUP BY " + g.key
		}
		parts = append(parts, sel("'all'", groupBy))
		if g.byKind {
			if groupBy == "" {
				parts = append(parts, sel("subject_kind", " GROUP BY subject_kind"))
			} else {
				parts = append(parts, sel("subject_kind", groupBy+", subject_kind"))
			}
		}
	}
	return with + strings.Join(parts, " UNION ALL ")
}

// groupingSets is the select of a family over f with GROUPING SETS: each group's key (and the subject
// kind) is a set; GROUPING() tells which set a row belongs to. Every key column of f is non-null, so
// a key of ” (a site with no unit that day) stays apart from the rows of other sets.
func (f statsFamily) groupingSets(vals string) string {
	var sets, bCase, kCase, lCase []string
	kinds := false
	for _, g := range f.groups {
		kinds = kinds || g.byKind
		if g.key == "''" {
			sets = append(sets, "()")
			if g.byKind {
				sets = append(sets, "(subject_kind)")
			}
			continue
		}
		sets = append(sets, "("+g.key+")")
		if g.byKind {
			sets = append(sets, "("+g.key+", subject_kind)")
		}
		bCase = append(bCase, fmt.Sprintf("WHEN GROUPING(%s) = 0 THEN '%s'", g.key, g.breakdown))
		kCase = append(kCase, fmt.Sprintf("WHEN GROUPING(%s) = 0 THEN %s", g.key, g.key))
		if g.label != "''" {
			lCase = append(lCase, fmt.Sprintf("WHEN '%s' THEN COALESCE(%s, '')", g.breakdown, g.label))
		}
	}
	b, k, l, sk := "'total'", "''", "''", "'all'"
	if len(bCase) > 0 {
		b = "CASE " + strings.Join(bCase, " ") + " ELSE 'total' END"
		k = "CASE " + strings.Join(kCase, " ") + " ELSE '' END"
	}
	if len(lCase) > 0 {
		l = "CASE g.b " + strings.Join(lCase, " ") + " ELSE '' END"
	}
	if kinds {
		sk = "CASE WHEN GROUPING(subject_kind) = 0 THEN subject_kind ELSE 'all' END"
	}
	return fmt.Sprintf("SELECT g.*, %s AS l FROM (SELECT %s AS b, CAST(%s AS TEXT) AS k, %s AS s, %s FROM f GROUP BY GROUPING SETS (%s)) g",
		l, b, k, sk, vals, strings.Join(sets, ", "))
}

// greatest is the function that returns the greater of two values.
func (q statsSQL) greatest() string {
	if q.d == Postgres {
		return "GREATEST"
	}
	return "MAX"
}

// paidOn is a payment event's day of payment, written exactly as the expression index of migration
// 0021 (stats_events_paid_on) has it, so that the planner can use the index.
func (q statsSQL) paidOn(alias string) string {
	if q.d == Postgres {
		return fmt.Sprintf("(%s.data::json ->> 'paid_on')", alias)
	}
	return fmt.Sprintf("json_extract(%s.data, '$.paid_on')", alias)
}

// jsonDate is a top-level YYYY-MM-DD field of a JSON text column, as a day.
func (q statsSQL) jsonDate(col, key string) string {
	if q.d == Postgres {
		return fmt.Sprintf("(%s::json->>'%s')::date", col, key)
	}
	return q.jsonText(col, key)
}

// orgIs restricts a table alias to the scope's organisation. The national view names every
// organisation, so that it too goes through the indexes led by the organisation, one after another
// (an index on the date alone would tempt the planner into reading every province's month for one).
func orgIs(alias string, sc stats.Scope, args []any) (string, []any) {
	if sc.National {
		return alias + ".org_id IN (SELECT o.id FROM organisations o) AND ", args
	}
	return alias + ".org_id = ? AND ", append(args, sc.OrgID)
}

// statsCampaignCols are the campaign's columns every event family selects (c joined).
const statsCampaignCols = `c.id AS campaign_id, c.kind AS campaign_kind, c.origin AS campaign_origin`

// statsUnitCols is the unit's column (su joined by unitOn; empty when the site had no unit that day).
const statsUnitCols = `COALESCE(su.unit_id, '') AS unit_id`

// periodVisits is the CTE pv: the visits carried out from first to last (days), read first and on
// their own, so that the planner starts from the index on (organisation, visit day) rather than from
// another table; then the joins are lookups of the period's visits only.
func periodVisits(sc stats.Scope, first, last string) (string, []any) {
	org, args := orgIs("v", sc, nil)
	return fmt.Sprintf(`pv AS MATERIALIZED (SELECT v.id, v.org_id, v.site_id, v.campaign_id, v.visit_date, v.leader_person_id, v.checklist_code
		FROM visits v WHERE %s v.visit_date >= ? AND v.visit_date <= ? AND v.status IN %s)`, org, statsDone), append(args, first, last)
}

// StatsRows computes the figures of a period (stats.Store): one statement per family of figures.
func (s *Store) StatsRows(ctx context.Context, in stats.Query) ([]stats.Row, error) {
	return s.statsRowsOn(s.read(ctx), in)
}

// statsRowsOn computes the figures of a period on db (a pool, or a transaction's snapshot).
func (s *Store) statsRowsOn(db *gorm.DB, in stats.Query) ([]stats.Row, error) {
	const op = "gormstore.StatsRows"
	var out []stats.Row
	var err error
	for _, f := range s.statsFamilies(in) {
		if out, err = s.statsFamily(db, f, out); err != nil {
			return nil, fmt.Errorf("%s %s %s: %w", op, in.Scope, in.Period, err)
		}
	}
	if out, err = s.statsPlan(db, in, out); err != nil {
		return nil, fmt.Errorf("%s %s %s: %w", op, in.Scope, in.Period, err)
	}
	return out, nil
}

// statsFamilies are the statements of a period's figures, but the plan's. Each first selects the
// period's rows of its table alone (a MATERIALIZED CTE through the index on the figure's date), then
// joins what the breakdowns need to those rows only.
func (s *Store) statsFamilies(in stats.Query) []statsFamily {
	q := statsSQL{s.dialect}
	sc := in.Scope
	first, last := in.First.String(), in.Last.String()
	start, end := pdTime(in.Start), pdTime(in.End)
	inspector := statsGroup{stats.ByInspector, "inspector", statsPersonName, true}
	allOnly := func(fs ...stats.Figure) map[stats.Figure]bool {
		m := map[stats.Figure]bool{}
		for _, f := range fs {
			m[f] = true
		}
		return m
	}
	var families []statsFamily

	// Visits, by visit day.
	pre, args := periodVisits(sc, first, last)
	orgC, args := orgIs("c", sc, args)
	families = append(families, statsFamily{pre: pre, args: args,
		cte: fmt.Sprintf(`SELECT v.id AS visit_id, v.site_id, st.subject_id, %s AS sector, %s AS subject_kind, %s, %s,
				COALESCE(v.leader_person_id, '') AS inspector,
				(SELECT COUNT(DISTINCT %s) FROM visit_answers a WHERE a.org_id = v.org_id AND a.visit_id = v.id AND a.answer_key LIKE '%%@%%') AS instruments
			FROM pv v
			JOIN sites st ON st.org_id = v.org_id AND st.id = v.site_id
			JOIN subjects sb ON sb.org_id = st.org_id AND sb.id = st.subject_id
			JOIN campaigns c ON %s c.org_id = v.org_id AND c.id = v.campaign_id
			%s`,
			statsSector, fmt.Sprintf(statsKindOf, "sb.kind"), statsUnitCols, statsCampaignCols, q.afterAt("a.answer_key"),
			orgC, unitOn("v.site_id", "v.org_id", "v.visit_date")),
		figures: []stats.Figure{stats.Visits, stats.SitesVisited, stats.SubjectsCovered, stats.CampaignsHeld, stats.InstrumentsChecked},
		values:  []string{"COUNT(*)", "COUNT(DISTINCT site_id)", "COUNT(DISTINCT subject_id)", "COUNT(DISTINCT campaign_id)", "SUM(instruments)"},
		allOnly: allOnly(stats.CampaignsHeld, stats.InstrumentsChecked),
		groups:  append(append([]statsGroup{}, statsEventGroups...), inspector)})

	// Failed checklist answers, by visit day.
	pre, args = periodVisits(sc, first, last)
	families = append(families, statsFamily{pre: pre, args: args,
		cte: fmt.Sprintf(`SELECT v.checklist_code || '/' || fd.item AS item, %s AS sector
			FROM pv v
			JOIN visit_findings fd ON fd.visit_id = v.id AND fd.org_id = v.org_id
			JOIN sites st ON st.org_id = v.org_id AND st.id = v.site_id`, statsSector),
		figures: []stats.Figure{stats.ItemsFailed}, values: []string{"COUNT(*)"},
		groups: []statsGroup{{stats.ByTotal, "''", "''", false}, {stats.BySector, "sector", "''", false}, {stats.ByItem, "item", "''", false}}})

	// Violation records in force, by the instant they were drawn up (pr).
	periodRecords := func() (string, []any) {
		org, args := orgIs("r", sc, nil)
		return fmt.Sprintf(`pr AS MATERIALIZED (SELECT r.id, r.org_id, r.site_id, r.subject_id, r.campaign_id, r.drawn_up_at, r.drawn_up_by, r.data
			FROM violation_records r
			WHERE %s r.drawn_up_at >= ? AND r.drawn_up_at < ? AND r.status <> 'draft'
				AND NOT EXISTS (SELECT 1 FROM violation_records n WHERE n.org_id = r.org_id AND n.campaign_id = r.campaign_id
					AND n.status <> 'draft' AND %s = r.id))`, org, q.jsonText("n.data", "corrects")), append(args, start, end)
	}
	pre, args = periodRecords()
	orgC, args = orgIs("c", sc, args)
	families = append(families, statsFamily{pre: pre, args: args,
		cte: fmt.Sprintf(`SELECT r.id, r.subject_id, %s AS sector, %s AS subject_kind, %s, %s,
				r.drawn_up_by AS inspector, %s AS nviol
			FROM pr r
			JOIN sites st ON st.org_id = r.org_id AND st.id = r.site_id
			JOIN subjects sb ON sb.org_id = r.org_id AND sb.id = r.subject_id
			JOIN campaigns c ON %s c.org_id = r.org_id AND c.id = r.campaign_id
			%s`, statsSector, fmt.Sprintf(statsKindOf, "sb.kind"), statsUnitCols, statsCampaignCols, q.jsonLen("r.data", "violations"),
			orgC, unitOn("r.site_id", "r.org_id", q.localDay("r.drawn_up_at"))),
		figures: []stats.Figure{stats.Records, stats.SubjectsViolating, stats.Violations},
		values:  []string{"COUNT(*)", "COUNT(DISTINCT subject_id)", "SUM(nviol)"},
		groups:  append(append([]statsGroup{}, statsEventGroups...), inspector)})

	// Violations by catalogue code, by the record's instant.
	pre, args = periodRecords()
	elements := "JOIN json_each(r.data, '$.violations') j"
	code := "json_extract(j.value, '$.code')"
	if s.dialect == Postgres {
		elements, code = "CROSS JOIN LATERAL json_array_elements(r.data::json->'violations') j", "(j->>'code')"
	}
	families = append(families, statsFamily{pre: pre, args: args,
		cte: fmt.Sprintf(`SELECT %s AS code, %s AS subject_kind
			FROM pr r
			JOIN subjects sb ON sb.org_id = r.org_id AND sb.id = r.subject_id
			%s`, code, fmt.Sprintf(statsKindOf, "sb.kind"), elements),
		figures: []stats.Figure{stats.Violations}, values: []string{"COUNT(*)"},
		groups: []statsGroup{{stats.ByViolation, "code", "''", true}}})

	// Penalty figures reach the site and campaign through the case's current record.
	caseJoins := func(day string) string {
		return `JOIN violation_records r ON r.org_id = pc.org_id AND r.id = pc.record_id
			JOIN sites st ON st.org_id = r.org_id AND st.id = r.site_id
			JOIN campaigns c ON c.org_id = r.org_id AND c.id = r.campaign_id
			` + unitOn("r.site_id", "r.org_id", day)
	}
	caseCols := fmt.Sprintf(`pc.id AS case_id, pc.subject_id, pc.total, %s AS sector, %s AS subject_kind, %s, %s`,
		statsSector, fmt.Sprintf(statsKindOf, "pc.subject_kind"), statsUnitCols, statsCampaignCols)
	const caseRow = `pc.id, pc.org_id, pc.subject_id, pc.subject_kind, pc.total, pc.record_id, pc.decision_issued_at`

	// Decisions issued, by the instant of issue.
	org, args := orgIs("pc", sc, nil)
	families = append(families, statsFamily{
		pre: fmt.Sprintf(`pd AS MATERIALIZED (SELECT %s FROM penalty_cases pc
			WHERE %s pc.decision_issued_at >= ? AND pc.decision_issued_at < ?)`, caseRow, org), args: append(args, start, end),
		cte:     fmt.Sprintf(`SELECT %s FROM pd pc %s`, caseCols, caseJoins(q.localDay("pc.decision_issued_at"))),
		figures: []stats.Figure{stats.Decisions, stats.SubjectsFined, stats.AmountImposed},
		values:  []string{"COUNT(*)", "COUNT(DISTINCT subject_id)", "SUM(total)"}, groups: statsEventGroups})

	// Payments, by the day paid, through the index on it (migration 0021).
	org, args = orgIs("ev", sc, nil)
	families = append(families, statsFamily{
		pre: fmt.Sprintf(`pe AS MATERIALIZED (SELECT ev.org_id, ev.case_id, ev.data FROM penalty_events ev
			WHERE %s ev.action = 'penalty.payment' AND %s >= ? AND %s <= ?)`, org, q.paidOn("ev"), q.paidOn("ev")),
		args: append(args, first, last),
		cte: fmt.Sprintf(`SELECT %s, %s AS amount FROM pe ev
			JOIN penalty_cases pc ON pc.org_id = ev.org_id AND pc.id = ev.case_id %s`,
			caseCols, q.jsonInt("ev.data", "amount"), caseJoins(q.jsonDate("ev.data", "paid_on"))),
		figures: []stats.Figure{stats.AmountCollected}, values: []string{"SUM(amount)"}, groups: statsEventGroups})

	// Cases forwarded to the competent authority, by the instant of forwarding.
	org, args = orgIs("ev", sc, nil)
	families = append(families, statsFamily{
		pre: fmt.Sprintf(`pf AS MATERIALIZED (SELECT ev.org_id, ev.case_id, ev.at FROM penalty_events ev
			WHERE %s ev.action = 'penalty.forward' AND ev.at >= ? AND ev.at < ?)`, org), args: append(args, start, end),
		cte: fmt.Sprintf(`SELECT %s FROM pf ev
			JOIN penalty_cases pc ON pc.org_id = ev.org_id AND pc.id = ev.case_id %s`, caseCols, caseJoins(q.localDay("ev.at"))),
		figures: []stats.Figure{stats.CasesForwarded}, values: []string{"COUNT(DISTINCT case_id)"}, groups: statsEventGroups})

	// Fines still owed at the period's end, of decisions issued by then and not closed by then. A case
	// paid or closed that has not changed since the period began owed nothing at its end: only the
	// cases still open, or changed since, are read (po), and each one's events once, by the case's key,
	// for its payments, its overdue mark and its closure (pev).
	org, args = orgIs("pc", sc, nil)
	families = append(families, statsFamily{
		pre: fmt.Sprintf(`po AS MATERIALIZED (SELECT %[1]s FROM penalty_cases pc
				WHERE %[2]s pc.decision_issued_at < ? AND (pc.state IN ('issued', 'delivered', 'overdue', 'enforced') OR pc.updated_at >= ?)),
			pev AS MATERIALIZED (SELECT e.case_id,
					SUM(CASE WHEN e.action = 'penalty.payment' AND %[3]s <= ? THEN %[4]s ELSE 0 END) AS paid,
					MAX(CASE WHEN e.action = 'penalty.overdue' AND e.at < ? THEN 1 ELSE 0 END) AS overdue,
					MAX(CASE WHEN e.action = 'penalty.close' AND e.at < ? THEN 1 ELSE 0 END) AS closed
				FROM po JOIN penalty_events e ON e.org_id = po.org_id AND e.case_id = po.id
				WHERE e.action IN ('penalty.payment', 'penalty.overdue', 'penalty.close')
				GROUP BY e.case_id)`, caseRow, org, q.jsonText("e.data", "paid_on"), q.jsonInt("e.data", "amount")),
		args: append(args, end, start, last, end, end),
		cte: fmt.Sprintf(`SELECT %s, %s(pc.total - COALESCE(ev.paid, 0), 0) AS owed, COALESCE(ev.overdue, 0) AS overdue
			FROM po pc %s
			LEFT JOIN pev ev ON ev.case_id = pc.id
			WHERE COALESCE(ev.closed, 0) = 0`, caseCols, q.greatest(), caseJoins(q.localDay("pc.decision_issued_at"))),
		figures: []stats.Figure{stats.AmountOutstanding, stats.AmountOverdue},
		values:  []string{"SUM(owed)", "SUM(CASE WHEN overdue = 1 THEN owed ELSE 0 END)"}, groups: statsEventGroups})

	// Campaigns concluded, by the date of the conclusion.
	org, args = orgIs("c", sc, nil)
	families = append(families, statsFamily{
		cte: fmt.Sprintf(`SELECT %s FROM campaigns c
			WHERE %s c.conclusion_date >= ? AND c.conclusion_date <= ? AND COALESCE(c.conclusion_number, '') <> ''`, statsCampaignCols, org),
		args: append(args, first, last), figures: []stats.Figure{stats.CampaignsConcluded}, values: []string{"COUNT(*)"},
		groups: []statsGroup{{stats.ByTotal, "''", "''", false}, {stats.ByTeam, "campaign_id", statsTeamName, false},
			{stats.ByKind, "campaign_kind", "''", false}, {stats.ByOrigin, "campaign_origin", "''", false}}})

	return families
}

// statsPlanTargetsSQL is the statement of the year's targets (org: the orgIs condition).
func statsPlanTargetsSQL(org string) string {
	return fmt.Sprintf(`SELECT t.sector, t.metric, CAST(SUM(t.value) AS BIGINT) AS value FROM plan_targets t
		WHERE %s t.year = ? GROUP BY t.sector, t.metric`, org)
}

// statsPlanInstruments is a visit's instruments in the year to date, when a target counts them.
func (s *Store) statsPlanInstruments() string {
	return fmt.Sprintf(`(SELECT COUNT(DISTINCT %s) FROM visit_answers a WHERE a.org_id = v.org_id AND a.visit_id = v.id AND a.answer_key LIKE '%%@%%')`,
		statsSQL{s.dialect}.afterAt("a.answer_key"))
}

// statsPlanYearSQL is the statement of what the year to date achieved, by sector.
func statsPlanYearSQL(instruments, org string) string {
	return fmt.Sprintf(`SELECT y.sector AS k, COUNT(DISTINCT y.campaign_id) AS v0, COUNT(DISTINCT y.site_id) AS v1,
			CAST(COALESCE(SUM(y.instruments), 0) AS BIGINT) AS v2
		FROM (SELECT v.campaign_id, v.site_id, %s AS sector, %s AS instruments
			FROM visits v JOIN sites st ON st.org_id = v.org_id AND st.id = v.site_id
			WHERE %s v.visit_date >= ? AND v.visit_date <= ? AND v.status IN %s) y
		GROUP BY y.sector`, statsSector, instruments, org, statsDone)
}

// statsPlan adds the year's plan targets and what was achieved from 1 January to the period's last
// day, by sector; nothing is read beyond the targets when the year has none.
func (s *Store) statsPlan(db *gorm.DB, in stats.Query, out []stats.Row) ([]stats.Row, error) {
	org, args := orgIs("t", in.Scope, nil)
	var targets []struct {
		Sector, Metric string
		Value          int64
	}
	if err := db.Raw(statsPlanTargetsSQL(org), append(args, in.Last.Year())...).Scan(&targets).Error; err != nil {
		return nil, translate(err, "")
	}
	if len(targets) == 0 {
		return out, nil
	}
	// The year to date, by sector, with only the joins the three metrics need; the answers are read
	// only when a target counts instruments.
	instruments := "0"
	for _, t := range targets {
		if t.Metric == "instruments_checked" {
			instruments = s.statsPlanInstruments()
		}
	}
	org, args = orgIs("v", in.Scope, nil)
	var sums []struct {
		K          string
		V0, V1, V2 int64
	}
	if err := db.Raw(statsPlanYearSQL(instruments, org),
		append(args, fmt.Sprintf("%04d-01-01", in.Last.Year()), in.Last.String())...).Scan(&sums).Error; err != nil {
		return nil, translate(err, "")
	}
	var ytd []stats.Row
	for _, r := range sums {
		ytd = append(ytd, stats.Row{Key: r.K, Figure: stats.CampaignsHeld, Value: r.V0}, stats.Row{Key: r.K, Figure: stats.SitesVisited, Value: r.V1},
			stats.Row{Key: r.K, Figure: stats.InstrumentsChecked, Value: r.V2})
	}
	metric := map[string]stats.Figure{"campaigns": stats.CampaignsHeld, "sites_inspected": stats.SitesVisited, "instruments_checked": stats.InstrumentsChecked}
	for _, t := range targets {
		var actual int64
		for _, r := range ytd {
			if r.Key == t.Sector && r.Figure == metric[t.Metric] {
				actual = r.Value
			}
		}
		key := t.Sector + "/" + t.Metric
		out = append(out,
			stats.Row{Breakdown: stats.ByPlan, Key: key, Figure: stats.PlanTarget, Subjects: stats.AllSubjects, Value: t.Value},
			stats.Row{Breakdown: stats.ByPlan, Key: key, Figure: stats.PlanActual, Subjects: stats.AllSubjects, Value: actual})
	}
	return out, nil
}
