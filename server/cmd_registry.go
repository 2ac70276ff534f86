package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/registry"
	"github.com/skhcn-caobang/thanhtra/server/registry/importer"
)

// registryUsage is the usage line of the registry command.
const registryUsage = "registry import -org C -file F.csv|F.xlsx [-apply] [-progress N]"

// cmdRegistry imports an organisation's facility registry from a CSV or XLSX file
// (docs/registry-import.md). Without -apply it is a dry run that writes nothing. Progress goes to
// stderr, the report to stdout; the exit is non-zero when rows were skipped for their problems, so
// that a script can stop before applying a file that still has some.
func cmdRegistry(ctx context.Context, env *cli, args []string) error {
	sub, args, err := subcommand(args, registryUsage)
	if err != nil {
		return err
	}
	if sub != "import" {
		return fmt.Errorf("unknown registry command %q; usage: %s", sub, registryUsage)
	}
	fs := flags("registry import", env)
	org := fs.String("org", "", "organisation code")
	file := fs.String("file", "", "the registry file, .csv (UTF-8) or .xlsx (first sheet); see docs/registry-import.md")
	apply := fs.Bool("apply", false, "import; without it, a dry run reports what would be done and writes nothing")
	every := fs.Int("progress", 1000, "print a progress line on stderr every N rows (reported after each transaction of 200 rows)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *org == "" || *file == "" || *every < 1 {
		return fmt.Errorf("-org and -file are required, -progress at least 1; usage: %s", registryUsage)
	}
	format, err := importer.FormatOf(*file)
	if err != nil {
		return fmt.Errorf("%s: not a .csv or .xlsx file", *file)
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	_, st, err := env.admin(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	o, err := st.OrganisationByCode(ctx, *org)
	if err != nil {
		return fmt.Errorf("no organisation with code %q (see `org list`)", *org)
	}
	im := importer.Importer{Registry: &registry.Service{Store: st, Clock: clock.Real{}, IDs: clock.UUIDv7{}}}
	next := *every
	progress := func(p importer.Progress) {
		if p.Done < next {
			return
		}
		for next <= p.Done {
			next += *every
		}
		if p.Total > 0 {
			fmt.Fprintf(env.stderr, "registry import: %d of about %d rows\n", p.Done, p.Total)
		} else {
			fmt.Fprintf(env.stderr, "registry import: %d rows\n", p.Done)
		}
	}
	sum, err := im.Import(ctx, identity.Operator, o.ID, f, format, importer.Options{DryRun: !*apply, Progress: progress})
	printImportSummary(env.stdout, filepath.Base(*file), o.Code, sum)
	switch {
	case err != nil:
		return describe(err)
	case sum.Errors > 0 && sum.DryRun:
		return fmt.Errorf("%d row(s) have problems and would be skipped", sum.Errors)
	case sum.Errors > 0:
		return fmt.Errorf("%d row(s) with problems were skipped; the others were imported", sum.Errors)
	}
	return nil
}

// printImportSummary writes the report of an import for an operator: the counts, then each problem
// with its row, column, cell and message (in Vietnamese, D20).
func printImportSummary(w io.Writer, file, org string, s importer.Summary) {
	if s.DryRun {
		fmt.Fprintf(w, "dry run of %s into %s: nothing written (add -apply to import)\n", file, org)
	} else {
		fmt.Fprintf(w, "import of %s into %s\n", file, org)
	}
	fmt.Fprintf(w, "rows: %d (created %d, updated %d, unchanged %d, with problems %d)\n", s.Rows, s.Created, s.Updated, s.Unchanged, s.Errors)
	for _, c := range []struct {
		name string
		n    importer.Counts
	}{{"subjects", s.Subjects}, {"sites", s.Sites}, {"instruments", s.Instruments}, {"licences", s.Licences}} {
		fmt.Fprintf(w, "%s: created %d, updated %d, unchanged %d\n", c.name, c.n.Created, c.n.Updated, c.n.Unchanged)
	}
	if len(s.IgnoredColumns) > 0 {
		fmt.Fprintf(w, "ignored columns: %q\n", s.IgnoredColumns)
	}
	if len(s.Problems) == 0 {
		return
	}
	fmt.Fprintf(w, "problems (%d):\n", len(s.Problems))
	for _, p := range s.Problems {
		at := fmt.Sprintf("row %d", p.Row)
		switch {
		case p.Column != "" && p.Header != "" && p.Header != p.Column:
			at += fmt.Sprintf(", %s (%s)", p.Column, p.Header)
		case p.Column != "":
			at += ", " + p.Column
		}
		if p.Value != "" {
			at += fmt.Sprintf(" %q", p.Value)
		}
		fmt.Fprintf(w, "  %s: %s — %s\n", at, p.Code, p.Message)
	}
	if s.ProblemsTruncated {
		fmt.Fprintln(w, "  … more problems not listed")
	}
}
