package simulator_test

// The fault-injection test of sync (PRODUCT.md sync 1, 2, 5; evidence 6): a few phones run the real
// client through a network that drops a tenth of the requests mid-flight and cuts a tenth of the
// answers while they stream, and the server restarts twice in the middle of pushes — once after a
// push was committed and before its answer left (the phone never hears it), once before a push was
// applied. The simulator's own ledger is then checked against the server's APIs: nothing lost,
// nothing twice, every photo byte-identical. On the engine TEST_DATABASE_URL selects (SQLite by
// default), with S3 when TEST_S3_ENDPOINT is set.

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/mobile-api/simulator"
	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/app"
	"github.com/skhcn-caobang/thanhtra/server/app/apptest"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/config"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// restartable is a server that the test restarts in place: the same address, the same database and
// object store, a new App. A restart cuts every open connection first (as a crash would: answers in
// flight are lost), lets the handlers finish, and starts again.
type restartable struct {
	t    *testing.T
	cfg  config.Config
	addr string

	mu       sync.Mutex
	app      *app.App
	ln       *trackingListener
	cancel   context.CancelFunc
	done     chan error
	restarts int
	// onPush is called around each push (before: true before the handler runs).
	onPush func(s *restartable, c echo.Context, next echo.HandlerFunc) error
}

func (s *restartable) start() {
	t := s.t
	h := apptest.Hasher
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, s.cfg, slog.New(slog.DiscardHandler), app.Options{Clock: clock.Real{}, Hasher: &h})
	if err != nil {
		cancel()
		t.Fatalf("start: %v", err)
	}
	a.Echo.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if c.Request().Method == http.MethodPost && c.Request().URL.Path == "/mobile/v1/sync/push" && s.onPush != nil {
				return s.onPush(s, c, next)
			}
			return next(c)
		}
	})
	var ln net.Listener
	for try := 0; ; try++ { // the old listener's port may take a moment to be free
		if ln, err = net.Listen("tcp", s.addr); err == nil || try == 50 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		cancel()
		a.Close()
		t.Fatalf("listen %s: %v", s.addr, err)
	}
	s.addr = ln.Addr().String()
	tl := &trackingListener{Listener: ln, conns: map[net.Conn]bool{}}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, tl) }()
	s.mu.Lock()
	s.app, s.ln, s.cancel, s.done = a, tl, cancel, done
	s.mu.Unlock()
}

// stop cuts the connections, waits for the handlers and closes the App.
func (s *restartable) stop() {
	s.mu.Lock()
	a, tl, cancel, done := s.app, s.ln, s.cancel, s.done
	s.app = nil
	s.mu.Unlock()
	if a == nil {
		return
	}
	tl.closeAll()
	cancel()
	if err := <-done; err != nil {
		s.t.Errorf("serve: %v", err)
	}
	a.Close()
}

// restart stops and starts the server (from a goroutine: a handler may call for it).
func (s *restartable) restart() {
	t0 := time.Now()
	s.stop()
	s.start()
	s.t.Logf("server restarted in %v", time.Since(t0))
	s.mu.Lock()
	s.restarts++
	s.mu.Unlock()
}

// trackingListener remembers its open connections so that a restart can cut them all.
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[net.Conn]bool
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.conns[c] = true
	l.mu.Unlock()
	return &trackedConn{Conn: c, l: l}, nil
}

func (l *trackingListener) closeAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for c := range l.conns {
		c.Close()
	}
	l.conns = map[net.Conn]bool{}
}

type trackedConn struct {
	net.Conn
	l *trackingListener
}

func (c *trackedConn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c.Conn)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

func TestFleetThroughFaultsAndRestarts(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a small fleet")
	}
	cfg := apptest.Config(t)
	cfg.LoginLimitAddress = 100000 // every phone logs in from 127.0.0.1
	cfg.ShutdownTimeout = 10 * time.Second
	s := &restartable{t: t, cfg: cfg, addr: "127.0.0.1:0"}
	s.start()
	t.Cleanup(s.stop)

	// The organisation with its units and an administrator; the simulator makes the rest through the
	// console API.
	ctx := context.Background()
	srv := &apptest.Server{App: s.app, URL: "http://" + s.addr}
	org, err := s.app.Identity.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: "caobang", Name: "Sở Khoa học và Công nghệ tỉnh Cao Bằng"})
	if err != nil {
		t.Fatal(err)
	}
	srv.Org = org
	b, err := schemas.AdminUnits.ReadFile("admin-units/caobang.json")
	if err != nil {
		t.Fatal(err)
	}
	seed, err := adminunit.ParseSeed(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.app.Units.Seed(ctx, identity.Operator, org.ID, seed); err != nil {
		t.Fatal(err)
	}
	srv.CreateAccount(t, "sim-admin", identity.RoleOrgAdmin)

	// A few phones, a few hundred requests (fewer under the race detector, which makes them ten times
	// slower).
	o := simulator.Options{ServerURL: srv.URL, Setup: true, AdminLogin: "sim-admin", AdminPassword: apptest.Password,
		TeamSize: 2, Phones: 4, Visits: 6, Photos: 2, PhotoKiB: 48, SyncEvery: 2, ChunkKiB: 32, Seed: 7, MaxRounds: 60,
		Faults: simulator.Faults{Drop: 0.1, Cut: 0.1, Latency: 2 * time.Millisecond}}
	secondRestart, minRequests := int64(8), int64(200)
	if raceDetector {
		o.Phones, o.Visits, o.Photos, o.PhotoKiB = 2, 4, 1, 24
		secondRestart, minRequests = 4, 50
	}
	visits := o.Phones * o.Visits

	// Restart 1: at the 3rd push, after it was committed, before its answer leaves. Restart 2: at a
	// later push, before it is applied.
	var pushes atomic.Int64
	s.onPush = func(s *restartable, c echo.Context, next echo.HandlerFunc) error {
		switch pushes.Add(1) {
		case 3:
			err := next(c)
			s.ln.closeAll()
			go s.restart()
			return err
		case secondRestart:
			s.ln.closeAll()
			go s.restart()
			return nil
		}
		return next(c)
	}

	var out bytes.Buffer
	res, err := simulator.Run(ctx, o, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	restarts := s.restarts
	s.mu.Unlock()
	switch {
	case !res.OK:
		t.Errorf("verification failed: %v", res.Problems)
	case res.Visits != visits || res.Records != visits || res.Evidence != visits*(o.Photos+1) || !res.FindingsChecked || res.Findings != visits:
		t.Errorf("verified %d visits, %d records, %d evidence, %d findings; want %d, %d, %d, %d", res.Visits, res.Records, res.Evidence,
			res.Findings, visits, visits, visits*(o.Photos+1), visits)
	case res.PrunedVisits != visits:
		t.Errorf("the phones let go of %d visits after their last sync, want all %d", res.PrunedVisits, visits)
	case restarts != 2:
		t.Errorf("%d restarts, want 2 (pushes: %d)", restarts, pushes.Load())
	case res.DroppedBefore+res.DroppedBody+res.DroppedAnswer == 0 || res.CutAnswers == 0 || res.Requests < minRequests:
		t.Errorf("too few faults or requests for the test to mean anything: %+v", res)
	}
}
