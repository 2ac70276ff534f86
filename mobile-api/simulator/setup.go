package simulator

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// account is an inspector the simulator logs in as.
type account struct {
	login, password string
	campaignID      string // setup mode: the campaign of the phone's team ("" : the phone picks one)
}

// world is what a run works in: the phones' accounts, the campaigns made for the run (setup mode)
// and who verifies.
type world struct {
	accounts                    []account
	campaigns                   []string // made by setup: verified exactly (nothing else in them)
	verifyLogin, verifyPassword string
	visitDate                   string
}

// setup makes, through the console API as an organisation administrator, what a fleet needs:
// N inspector accounts (their devices are registered by their first phone login), a chief who
// leads every team and verifies, and per team of TeamSize inspectors a subject with two fuel
// stations and an open campaign covering them, each station assigned to an inspector. The
// organisation's administrative units and an issuing unit must exist (the demo seeding makes them;
// an issuing unit is made when there is none).
func setup(ctx context.Context, o *Options, logf func(string, ...any)) (*world, error) {
	admin := newConsole(o.ServerURL)
	if err := admin.login(ctx, o.AdminLogin, o.AdminPassword); err != nil {
		return nil, err
	}
	loc := time.FixedZone("ICT", 7*3600)
	today := time.Now().In(loc)
	day := today.Format(time.DateOnly)
	w := &world{visitDate: day}

	var units struct {
		Items []struct {
			Code string `json:"code"`
		} `json:"items"`
	}
	if err := admin.call(ctx, "GET", "/api/v1/admin-units?level=commune&limit=1&date="+day, nil, &units); err != nil {
		return nil, fmt.Errorf("admin units: %w", err)
	}
	if len(units.Items) == 0 {
		return nil, fmt.Errorf("the organisation has no commune in force on %s: seed its administrative units first (the demo does)", day)
	}
	unit := units.Items[0].Code
	var issuing struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := admin.call(ctx, "GET", "/api/v1/issuing-units?limit=1", nil, &issuing); err != nil {
		return nil, fmt.Errorf("issuing units: %w", err)
	}
	if len(issuing.Items) == 0 {
		if err := admin.call(ctx, "POST", "/api/v1/issuing-units", map[string]string{"code": "TTR-SIM",
			"name": "Thanh tra Sở Khoa học và Công nghệ (mô phỏng)"}, nil); err != nil {
			return nil, fmt.Errorf("issuing unit: %w", err)
		}
	}

	run := o.RunID
	type created struct {
		PersonID string `json:"person_id"`
	}
	mkAccount := func(login, name, role string) (string, error) {
		var a created
		err := admin.call(ctx, "POST", "/api/v1/accounts", map[string]any{"login": login, "password": o.Password,
			"roles": []string{role}, "full_name": name}, &a)
		if err != nil {
			return "", fmt.Errorf("account %s: %w", login, err)
		}
		return a.PersonID, nil
	}
	chiefLogin := "sim-" + run + "-chief"
	chief, err := mkAccount(chiefLogin, "Trưởng đoàn mô phỏng "+run, "chief")
	if err != nil {
		return nil, err
	}
	w.verifyLogin, w.verifyPassword = chiefLogin, o.Password
	persons := make([]string, o.Phones)
	for i := range o.Phones {
		login := fmt.Sprintf("sim-%s-%03d", run, i)
		if persons[i], err = mkAccount(login, fmt.Sprintf("Thanh tra viên mô phỏng %s %03d", run, i), "inspector"); err != nil {
			return nil, err
		}
		w.accounts = append(w.accounts, account{login: login, password: o.Password})
	}
	taxBase := time.Now().Unix() % 100000
	for team, first := 0, 0; first < o.Phones; team, first = team+1, first+o.TeamSize {
		last := min(first+o.TeamSize, o.Phones)
		var subj struct {
			ID string `json:"id"`
		}
		if err := admin.call(ctx, "POST", "/api/v1/subjects", map[string]any{"kind": "organisation",
			"name": fmt.Sprintf("Công ty Xăng dầu mô phỏng %s-%d", run, team), "tax_code": fmt.Sprintf("9%05d%04d", taxBase, team),
			"address": "Cao Bằng"}, &subj); err != nil {
			return nil, fmt.Errorf("subject: %w", err)
		}
		var sites []string
		for s := range 2 {
			var site struct {
				ID string `json:"id"`
			}
			if err := admin.call(ctx, "POST", "/api/v1/sites", map[string]any{"subject_id": subj.ID, "type": "fuel_station",
				"name": fmt.Sprintf("Cửa hàng xăng dầu mô phỏng %s-%d-%d", run, team, s+1), "address": fmt.Sprintf("Km %d quốc lộ 3, Cao Bằng", 10+s),
				"lat": 22.66 + float64(team%50)*0.001, "lon": 106.25 + float64(s)*0.001,
				"units": []map[string]string{{"unit_code": unit}}}, &site); err != nil {
				return nil, fmt.Errorf("site: %w", err)
			}
			sites = append(sites, site.ID)
		}
		members := []map[string]string{{"person_id": chief, "role": "leader"}}
		var assignments []map[string]string
		for i := first; i < last; i++ {
			members = append(members, map[string]string{"person_id": persons[i], "role": "member"})
			assignments = append(assignments, map[string]string{"site_id": sites[(i-first)%len(sites)], "person_id": persons[i]})
		}
		var camp struct {
			ID string `json:"id"`
		}
		if err := admin.call(ctx, "POST", "/api/v1/campaigns", map[string]any{
			"number": fmt.Sprintf("%d/KH-SIM-%s", team+1, run), "decision_date": today.AddDate(0, 0, -10).Format(time.DateOnly),
			"title": "Kiểm tra mô phỏng đo lường, chất lượng xăng dầu", "kind": "check", "origin": "planned", "sectors": []string{"fuel"},
			"period_from": today.AddDate(0, 0, -7).Format(time.DateOnly), "period_to": today.AddDate(0, 1, 0).Format(time.DateOnly),
			"team": members, "subject_ids": []string{subj.ID}, "site_ids": sites, "assignments": assignments}, &camp); err != nil {
			return nil, fmt.Errorf("campaign: %w", err)
		}
		w.campaigns = append(w.campaigns, camp.ID)
		for i := first; i < last; i++ {
			w.accounts[i].campaignID = camp.ID
		}
	}
	logf("setup: %d inspectors, %d campaigns (teams of %d), chief %s", o.Phones, len(w.campaigns), o.TeamSize, chiefLogin)
	return w, nil
}

// accountsWorld is the world of an existing organisation: the logins given (login:password or the
// common password), verified by the account given.
func accountsWorld(o *Options) (*world, error) {
	w := &world{verifyLogin: o.VerifyLogin, verifyPassword: o.VerifyPassword,
		visitDate: time.Now().In(time.FixedZone("ICT", 7*3600)).Format(time.DateOnly)}
	for _, l := range strings.Split(o.Logins, ",") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		login, password, ok := strings.Cut(l, ":")
		if !ok {
			password = o.Password
		}
		w.accounts = append(w.accounts, account{login: login, password: password})
	}
	if len(w.accounts) == 0 {
		return nil, fmt.Errorf("no logins: give -logins, or -setup with an administrator")
	}
	if w.verifyLogin == "" {
		return nil, fmt.Errorf("no account to verify with: give -verify-login (a chief or director)")
	}
	return w, nil
}

// query escapes a query value.
func query(v string) string { return url.QueryEscape(v) }
