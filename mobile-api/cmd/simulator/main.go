// Command simulator runs a fleet of simulated phones against a server (package
// mobile-api/simulator): each logs in as an inspector, pulls, performs visits offline with photos and
// a violation record, and syncs through a network that drops requests, cuts answers and adds
// latency; then it checks through the server's APIs that the server holds exactly what the phones
// made (each record's document, and the PDF of a sample, included), and prints throughput, request
// latency, bytes per visit and the verification. It exits 1 when the verification fails, 2 when the
// run cannot start.
//
// Against the demo server (go run ./server demo), with its administrator making the accounts:
//
//	go run ./mobile-api/cmd/simulator -server http://127.0.0.1:8080 -setup -admin admin -admin-password demo-admin-2026 \
//	    -phones 20 -visits 5 -drop 0.1 -cut 0.05 -latency 50ms
//
// The fleet benchmark of docs/benchmarks.md ("Phone fleet"):
//
//	go run ./mobile-api/cmd/simulator -server http://127.0.0.1:8080 -setup -admin admin -admin-password demo-admin-2026 \
//	    -phones 200 -visits 20 -drop 0.1 -ramp 2m
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/skhcn-caobang/thanhtra/mobile-api/simulator"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o simulator.Options
	fs.StringVar(&o.ServerURL, "server", "http://127.0.0.1:8080", "the server's base URL")
	fs.BoolVar(&o.Setup, "setup", false, "make the inspector accounts, a chief and the campaigns through the console API as -admin")
	fs.StringVar(&o.AdminLogin, "admin", "admin", "setup: an organisation administrator's login")
	fs.StringVar(&o.AdminPassword, "admin-password", "", "setup: its password")
	fs.IntVar(&o.TeamSize, "team", 4, "setup: inspectors per campaign team")
	fs.StringVar(&o.Logins, "logins", "", "without -setup: the inspectors to log in as, login or login:password, comma-separated (phones take them in turn)")
	fs.StringVar(&o.Password, "password", "", "the password of the accounts made by -setup, or of -logins without their own")
	fs.StringVar(&o.VerifyLogin, "verify-login", "", "without -setup: a chief or director who verifies (the chief made by -setup otherwise)")
	fs.StringVar(&o.VerifyPassword, "verify-password", "", "its password")
	fs.IntVar(&o.Phones, "phones", 4, "phones in the fleet (all at once)")
	fs.DurationVar(&o.Ramp, "ramp", 0, "spread the phones' logins evenly over this duration (0: all at once)")
	fs.IntVar(&o.Visits, "visits", 5, "visits per phone")
	fs.IntVar(&o.Photos, "photos", 2, "photos per visit (each record also gets a signature image)")
	fs.IntVar(&o.PhotoKiB, "photo-kib", 200, "mean photo size in KiB (each between half and one and a half times it)")
	fs.IntVar(&o.SyncEvery, "sync-every", 5, "a phone syncs after this many visits made offline (and at the end)")
	fs.IntVar(&o.ChunkKiB, "chunk-kib", 256, "evidence upload piece in KiB (the client's UploadChunkBytes)")
	fs.Float64Var(&o.Faults.Drop, "drop", 0, "fraction of requests dropped mid-flight (before the server, body cut, or answer lost)")
	fs.Float64Var(&o.Faults.Cut, "cut", 0, "fraction of answers cut while streaming")
	fs.DurationVar(&o.Faults.Latency, "latency", 0, "latency added to each request (uniformly 0.5–1.5×)")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the content and of the faults")
	fs.IntVar(&o.MaxRounds, "max-rounds", 40, "retries of a phone's login, pull and final syncs before it gives up")
	fs.StringVar(&o.Dir, "dir", "", "keep the phones' stores here (default: a temporary directory, removed)")
	fs.StringVar(&o.RunID, "run", "", "names the run's accounts and devices (default: random)")
	fs.IntVar(&o.VerifyWorkers, "verify-workers", 8, "visits verified at once")
	fs.DurationVar(&o.DocumentWait, "document-wait", 2*time.Minute, "how long the verification waits, all records together, for the server to make the records' documents")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.Faults.Drop < 0 || o.Faults.Drop >= 1 || o.Faults.Cut < 0 || o.Faults.Cut >= 1 {
		fmt.Fprintln(stderr, "-drop and -cut are fractions in [0, 1)")
		return 2
	}
	if o.Setup && o.AdminPassword == "" {
		fmt.Fprintln(stderr, "-setup needs -admin-password")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := simulator.Run(ctx, o, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "simulator:", err)
		return 2
	}
	if !res.OK {
		return 1
	}
	return 0
}
