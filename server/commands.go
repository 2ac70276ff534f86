package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/app"
	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/config"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/gormstore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/integrity"
	"github.com/skhcn-caobang/thanhtra/server/jobs"
)

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// loadConfig reads the configuration from the environment and args (flags of serve).
func (env *cli) loadConfig(args []string) (config.Config, error) {
	cfg, err := config.Load(args, env.getenv, env.stderr)
	var cerr *config.Error
	if errors.As(err, &cerr) {
		for _, p := range cerr.Problems {
			fmt.Fprintln(env.stderr, "  "+p)
		}
		return cfg, fmt.Errorf("%d configuration problem(s); nothing started", len(cerr.Problems))
	}
	return cfg, err
}

func cmdServe(ctx context.Context, env *cli, args []string) error {
	var demo bool
	rest := args[:0:0]
	for _, a := range args {
		if a == "-demo" || a == "--demo" {
			demo = true
			continue
		}
		rest = append(rest, a)
	}
	return serve(ctx, env, rest, demo)
}

func cmdDemo(ctx context.Context, env *cli, args []string) error { return serve(ctx, env, args, true) }

func serve(ctx context.Context, env *cli, args []string, demo bool) error {
	started := time.Now()
	cfg, err := env.loadConfig(args)
	if err != nil {
		return err
	}
	log := newLogger(cfg, env.stderr)
	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	if demo {
		if err := seedDemo(ctx, a, env.stdout); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return &app.StartupError{Setting: "ADDR", Err: err}
	}
	log.Info("ready", "startup_ms", time.Since(started).Milliseconds())
	return a.Serve(ctx, ln)
}

// admin opens the database for an administration command.
func (env *cli) admin(ctx context.Context) (*identity.Service, *gormstore.Store, error) {
	cfg, err := env.loadConfig(nil)
	if err != nil {
		return nil, nil, err
	}
	st, err := app.OpenStore(ctx, cfg, newLogger(cfg, env.stderr), app.Options{})
	if err != nil {
		return nil, nil, err
	}
	return &identity.Service{Store: st, Hasher: identity.DefaultHasher, Clock: clock.Real{}, IDs: clock.UUIDv7{}}, st, nil
}

func cmdMigrate(ctx context.Context, env *cli, _ []string) error {
	_, st, err := env.admin(ctx) // opening applies the migrations
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "database (%s) at schema version %d\n", st.Dialect(), v)
	return nil
}

func cmdConfig(_ context.Context, env *cli, args []string) error {
	cfg, err := env.loadConfig(args)
	if err != nil {
		return err
	}
	cfg.Print(env.stdout)
	return nil
}

func subcommand(args []string, usage string) (string, []string, error) {
	if len(args) == 0 {
		return "", nil, fmt.Errorf("usage: %s", usage)
	}
	return args[0], args[1:], nil
}

func flags(name string, env *cli) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	return fs
}

func cmdOrg(ctx context.Context, env *cli, args []string) error {
	sub, args, err := subcommand(args, "org create -code C -name N | org list")
	if err != nil {
		return err
	}
	svc, st, err := env.admin(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "create":
		fs := flags("org create", env)
		code := fs.String("code", "", "short code, e.g. caobang")
		name := fs.String("name", "", "full name, e.g. Sở Khoa học và Công nghệ tỉnh Cao Bằng")
		if err := fs.Parse(args); err != nil {
			return err
		}
		o, err := svc.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: *code, Name: *name})
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(env.stdout, "organisation %s created: %s\n", o.Code, o.ID)
	case "list":
		orgs, err := svc.Organisations(ctx, identity.Operator)
		if err != nil {
			return describe(err)
		}
		tw := tabwriter.NewWriter(env.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CODE\tID\tNAME")
		for _, o := range orgs {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", o.Code, o.ID, o.Name)
		}
		tw.Flush()
	default:
		return fmt.Errorf("unknown org command %q", sub)
	}
	return nil
}

func cmdUser(ctx context.Context, env *cli, args []string) error {
	const usage = `user create -org C -login L -name N -roles r1,r2 [-password P]
       user disable -login L -reason R | user enable -login L
       user reset-password -login L [-password P] | user list -org C`
	sub, args, err := subcommand(args, usage)
	if err != nil {
		return err
	}
	svc, st, err := env.admin(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	fs := flags("user "+sub, env)
	org := fs.String("org", "", "organisation code")
	login := fs.String("login", "", "login name")
	name := fs.String("name", "", "the person's full name")
	roles := fs.String("roles", "", "comma-separated: "+rolesList())
	password := fs.String("password", "", "password (default: generate one and print it)")
	reason := fs.String("reason", "", "why (kept in the audit log)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	byLogin := func() (identity.Account, error) {
		a, err := st.AccountByLogin(ctx, identity.NormaliseLogin(*login))
		if err != nil {
			return a, fmt.Errorf("no account with login %q", *login)
		}
		return a, nil
	}
	switch sub {
	case "create":
		o, err := st.OrganisationByCode(ctx, *org)
		if err != nil {
			return fmt.Errorf("no organisation with code %q (see `org list`)", *org)
		}
		pw, generated := *password, *password == ""
		if generated {
			pw = newPassword()
		}
		var rs []identity.Role
		for _, r := range strings.Split(*roles, ",") {
			if r = strings.TrimSpace(r); r != "" {
				rs = append(rs, identity.Role(r))
			}
		}
		a, err := svc.CreateAccount(ctx, identity.Operator, identity.NewAccount{OrgID: o.ID, FullName: *name, Login: *login, Password: pw, Roles: rs})
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(env.stdout, "account %s created in %s (%s)\n", a.Login, o.Code, a.ID)
		if generated {
			fmt.Fprintf(env.stdout, "password: %s\n", pw)
		}
	case "disable", "enable":
		a, err := byLogin()
		if err != nil {
			return err
		}
		if sub == "disable" && strings.TrimSpace(*reason) == "" {
			return errors.New("-reason is required")
		}
		if err := svc.SetDisabled(ctx, identity.Operator, a.OrgID, a.ID, sub == "disable", *reason); err != nil {
			return describe(err)
		}
		fmt.Fprintf(env.stdout, "account %s %sd\n", a.Login, sub)
	case "reset-password":
		a, err := byLogin()
		if err != nil {
			return err
		}
		pw, generated := *password, *password == ""
		if generated {
			pw = newPassword()
		}
		if err := svc.ResetPassword(ctx, identity.Operator, a.OrgID, a.ID, pw); err != nil {
			return describe(err)
		}
		fmt.Fprintf(env.stdout, "password of %s reset; its devices must log in again\n", a.Login)
		if generated {
			fmt.Fprintf(env.stdout, "password: %s\n", pw)
		}
	case "list":
		o, err := st.OrganisationByCode(ctx, *org)
		if err != nil {
			return fmt.Errorf("no organisation with code %q (see `org list`)", *org)
		}
		as, err := svc.Accounts(ctx, identity.Operator, o.ID)
		if err != nil {
			return describe(err)
		}
		tw := tabwriter.NewWriter(env.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LOGIN\tROLES\tSTATE\tID")
		for _, a := range as {
			state := "active"
			if a.Disabled() {
				state = "disabled"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Login, joinRoles(a.Roles), state, a.ID)
		}
		tw.Flush()
	default:
		return fmt.Errorf("unknown user command %q; usage:\n%s", sub, usage)
	}
	return nil
}

func cmdDevice(ctx context.Context, env *cli, args []string) error {
	sub, args, err := subcommand(args, "device list -org C [-login L] | device revoke -org C -id ID -reason R")
	if err != nil {
		return err
	}
	svc, st, err := env.admin(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	fs := flags("device "+sub, env)
	org := fs.String("org", "", "organisation code")
	login := fs.String("login", "", "only this account's devices")
	id := fs.String("id", "", "device ID")
	reason := fs.String("reason", "", "why (kept in the audit log)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o, err := st.OrganisationByCode(ctx, *org)
	if err != nil {
		return fmt.Errorf("no organisation with code %q (see `org list`)", *org)
	}
	switch sub {
	case "list":
		accountID := ""
		if *login != "" {
			a, err := st.AccountByLogin(ctx, identity.NormaliseLogin(*login))
			if err != nil || a.OrgID != o.ID {
				return fmt.Errorf("no account with login %q in %s", *login, o.Code)
			}
			accountID = a.ID
		}
		ds, err := st.Devices(ctx, o.ID, accountID)
		if err != nil {
			return describe(err)
		}
		tw := tabwriter.NewWriter(env.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tACCOUNT\tPLATFORM\tNAME\tLAST SEEN\tSTATE")
		for _, d := range ds {
			state := "active"
			if d.Revoked() {
				state = "revoked"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.AccountID, d.Platform, d.Name, d.LastSeenAt.Format(time.RFC3339), state)
		}
		tw.Flush()
	case "revoke":
		if *id == "" || strings.TrimSpace(*reason) == "" {
			return errors.New("-id and -reason are required")
		}
		if err := svc.RevokeDevice(ctx, identity.Operator, o.ID, *id, *reason); err != nil {
			return describe(err)
		}
		fmt.Fprintf(env.stdout, "device %s revoked; its next refresh fails\n", *id)
	default:
		return fmt.Errorf("unknown device command %q", sub)
	}
	return nil
}

// cmdVerify checks the tamper evidence (D13): every audit chain and anchor, then every evidence
// object and record document in the object store against the SHA-256 (and size) the database recorded
// when it was stored. Every break is printed with its location; any break is a non-zero exit.
// Progress goes to stderr on long runs. -audit-only skips the objects; -workers sets how many objects
// are hashed at once.
func cmdVerify(ctx context.Context, env *cli, args []string) error {
	fs := flags("verify", env)
	auditOnly := fs.Bool("audit-only", false, "check the audit chains and anchors only, not the stored objects")
	workers := fs.Int("workers", 4, "objects hashed at once")
	every := fs.Int64("progress", 1000, "report progress every N objects")
	if err := fs.Parse(args); err != nil {
		return err
	}
	_, st, err := env.admin(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := audit.Verify(ctx, st)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "audit: %d chains, %d events, %d anchors\n", rep.Chains, rep.Events, rep.Anchors)
	problems := len(rep.Problems)
	for _, p := range rep.Problems {
		fmt.Fprintln(env.stdout, "PROBLEM: audit: "+p)
	}
	if !*auditOnly {
		cfg, err := env.loadConfig(nil)
		if err != nil {
			return err
		}
		blobs, err := app.OpenBlobs(ctx, cfg)
		if err != nil {
			return err
		}
		orep, err := integrity.Verify(ctx, st, blobs, integrity.Options{Workers: *workers, ProgressEvery: *every,
			Progress: func(p integrity.Progress) {
				fmt.Fprintf(env.stderr, "verify: %d/%d objects, %.1f MiB, %d problem(s), %s\n", p.Done, p.Total,
					float64(p.Bytes)/(1<<20), p.Problems, p.Elapsed.Round(time.Second))
			}})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "objects: %d checked (%.1f MiB): %d evidence, %d record documents\n", orep.Objects,
			float64(orep.Bytes)/(1<<20), orep.ByKind[integrity.KindEvidence], orep.ByKind[integrity.KindDocument])
		problems += len(orep.Problems)
		for _, p := range orep.Problems {
			fmt.Fprintln(env.stdout, "PROBLEM: "+p.String())
		}
	}
	if problems > 0 {
		return fmt.Errorf("%d problem(s) found", problems)
	}
	fmt.Fprintln(env.stdout, "ok")
	return nil
}

func cmdJobs(ctx context.Context, env *cli, args []string) error {
	sub, args, err := subcommand(args, "jobs list [-state dead] [-org C] | jobs retry -id ID")
	if err != nil {
		return err
	}
	_, st, err := env.admin(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	fs := flags("jobs "+sub, env)
	state := fs.String("state", "", "queued, running, retrying, succeeded or dead")
	org := fs.String("org", "", "organisation code (default: all)")
	id := fs.String("id", "", "job ID")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch sub {
	case "list":
		f := jobs.Filter{State: jobs.State(*state), Limit: 1000}
		if *org != "" {
			o, err := st.OrganisationByCode(ctx, *org)
			if err != nil {
				return fmt.Errorf("no organisation with code %q", *org)
			}
			f.OrgID = o.ID
		}
		js, err := st.ListJobs(ctx, f)
		if err != nil {
			return describe(err)
		}
		tw := tabwriter.NewWriter(env.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKIND\tSTATE\tATTEMPT\tRUN AT\tLAST ERROR")
		for _, j := range js {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%s\t%s\n", j.ID, j.Kind, j.State, j.Attempt, j.MaxAttempts, j.RunAt.Format(time.RFC3339), oneLine(j.LastError))
		}
		tw.Flush()
	case "retry":
		if *id == "" {
			return errors.New("-id is required")
		}
		if err := st.RetryJob(ctx, *id); err != nil {
			return describe(err)
		}
		fmt.Fprintf(env.stdout, "job %s queued again\n", *id)
	default:
		return fmt.Errorf("unknown jobs command %q", sub)
	}
	return nil
}

// describe turns a refusal into a line for the operator.
func describe(err error) error {
	if fields := errs.FieldsOf(err); len(fields) > 0 {
		var parts []string
		for _, f := range fields {
			parts = append(parts, f.Field+": "+string(f.Code))
		}
		return fmt.Errorf("%s (%s)", errs.CodeOf(err), strings.Join(parts, ", "))
	}
	if k := errs.KindOf(err); k != errs.Internal {
		return fmt.Errorf("%s: %w", errs.CodeOf(err), err)
	}
	return err
}

func newPassword() string {
	b := make([]byte, 12)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func rolesList() string {
	return joinRoles(identity.AllRoles)
}

func joinRoles(rs []identity.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}
