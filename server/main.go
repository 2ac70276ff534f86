// Command server is the field inspection backend: one binary that serves the phone API and the
// back-office API and carries the administration commands.
//
//	go run ./server                  serve (the embedded default: SQLite and objects under ./data)
//	go run ./server -demo            serve with demo accounts (never in production)
//	go run ./server help             list the commands
//
// Configuration comes from the environment (see README.md); `serve` also takes each setting as a flag.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one subcommand.
type command struct {
	name  string
	usage string
	run   func(ctx context.Context, env *cli, args []string) error
}

// cli is what a command runs with.
type cli struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

func commands() []command {
	return []command{
		{name: "serve", usage: "serve [-demo] [-addr :8080 …]   run the server (the default command)", run: cmdServe},
		{name: "demo", usage: "demo [flags]                    serve with demo accounts (not for production)", run: cmdDemo},
		{name: "migrate", usage: "migrate                         apply pending database migrations and exit", run: cmdMigrate},
		{name: "config", usage: "config                          print the effective configuration, secrets masked", run: cmdConfig},
		{name: "org", usage: "org create -code C -name N | org list", run: cmdOrg},
		{name: "user", usage: "user create|disable|enable|reset-password|list …", run: cmdUser},
		{name: "device", usage: "device list [-org C] [-login L] | device revoke -org C -id ID -reason R", run: cmdDevice},
		{name: "registry", usage: "registry import -org C -file F.csv|F.xlsx [-apply] [-progress N]   dry run unless -apply", run: cmdRegistry},
		{name: "verify", usage: "verify [-audit-only] [-workers N]   check every audit chain and anchor, and re-hash every stored evidence object and record document; non-zero exit on a problem", run: cmdVerify},
		{name: "jobs", usage: "jobs list [-state dead] [-org C] | jobs retry -id ID", run: cmdJobs},
		{name: "gendata", usage: gendataUsage + "   fill the database with generated national-scale data (benchmarks only)", run: cmdGendata},
		{name: "help", usage: "help                            this list", run: cmdHelp},
	}
}

// run is main without the process: tests call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	name := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	env := &cli{getenv: getenv, stdout: stdout, stderr: stderr}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		if err := c.run(ctx, env, args); err != nil {
			fmt.Fprintf(stderr, "thanhtra %s: %v\n", name, err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "thanhtra: unknown command %q; try `help`\n", name)
	return 2
}

func cmdHelp(_ context.Context, env *cli, _ []string) error {
	fmt.Fprintln(env.stdout, "usage: server <command> [flags]   (configuration from the environment; see README.md)")
	for _, c := range commands() {
		fmt.Fprintln(env.stdout, "  "+c.usage)
	}
	return nil
}
