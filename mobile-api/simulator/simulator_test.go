package simulator_test

// The fault-injection test of sync (PRODUCT.md sync 1, 2, 5; evidence 6): a few phones run the real
// client through a network that drops a tenth of the requests mid-flight and cuts a tenth of the
// answers while they stream, and the server restarts twice in the middle of pushes — once after a
// push was committed and before its answer left (the phone never hears it), once before a push was
// applied. The simulator's own ledger is then checked against the server's APIs: nothing lost,
// nothing twice, every photo byte-identical, every record's document (and the PDFs the phones
// rendered) identical to the phone's. On the engine TEST_DATABASE_URL selects (SQLite by
// default), with S3 when TEST_S3_ENDPOINT is set.

import (
	"bytes"
	"context"
	"fmt"
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
// flight are lost), lets the handlers finish, and starts again. The listening socket stays open for
// the whole test (connections made during a restart wait in its backlog for the next App): closing it
// and listening again on the same port can fail, because on a busy machine another process — or a
// phone's own connection attempt, given that port as its source — may take the port in between.
type restartable struct {
	t   *testing.T
	cfg config.Config

	mu       sync.Mutex
	sock     *socket
	app      *app.App
	ln       *trackingListener
	cancel   context.CancelFunc
	done     chan error
	restarts int
	// onPush, when set, handles each push in place of the App (calling next to let it through).
	onPush func(s *restartable, c echo.Context, next echo.HandlerFunc) error
}

func (s *restartable) url() string { return "http://" + s.sock.ln.Addr().String() }

// start starts an App on the socket (made by the first start).
func (s *restartable) start() error {
	if s.sock == nil {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		s.sock = newSocket(ln)
	}
	h := apptest.Hasher
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, s.cfg, slog.New(slog.DiscardHandler), app.Options{Clock: clock.Real{}, Hasher: &h})
	if err != nil {
		cancel()
		return fmt.Errorf("start: %w", err)
	}
	a.Echo.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			s.mu.Lock()
			onPush := s.onPush
			s.mu.Unlock()
			if c.Request().Method == http.MethodPost && c.Request().URL.Path == "/mobile/v1/sync/push" && onPush != nil {
				return onPush(s, c, next)
			}
			return next(c)
		}
	})
	tl := &trackingListener{Listener: s.sock.generation(), conns: map[net.Conn]bool{}}
	done := make(chan error, 1)
	s.mu.Lock()
	s.app, s.ln, s.cancel, s.done = a, tl, cancel, done
	s.mu.Unlock()
	go func() { done <- a.Serve(ctx, tl) }()
	return nil
}

// cut cuts every open connection of the running App.
func (s *restartable) cut() {
	s.mu.Lock()
	tl := s.ln
	s.mu.Unlock()
	tl.closeAll()
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
	if err := s.start(); err != nil {
		s.t.Errorf("restart: %v", err)
		return
	}
	s.t.Logf("server restarted in %v", time.Since(t0))
	s.mu.Lock()
	s.restarts++
	s.mu.Unlock()
}

// close stops the server and closes the socket.
func (s *restartable) close() {
	s.stop()
	if s.sock != nil {
		s.sock.close()
	}
}

// socket is the test's one listening socket; each App accepts from it through a generation, which
// its shutdown closes without closing the socket.
type socket struct {
	ln    net.Listener
	conns chan net.Conn
	quit  chan struct{}
	wg    sync.WaitGroup
}

func newSocket(ln net.Listener) *socket {
	s := &socket{ln: ln, conns: make(chan net.Conn), quit: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			select {
			case s.conns <- c:
			case <-s.quit:
				c.Close()
				return
			}
		}
	}()
	return s
}

func (s *socket) generation() net.Listener {
	return &generation{s: s, done: make(chan struct{})}
}

func (s *socket) close() {
	close(s.quit)
	s.ln.Close()
	s.wg.Wait()
}

// generation is one App's view of the socket.
type generation struct {
	s    *socket
	done chan struct{}
	once sync.Once
}

func (g *generation) Accept() (net.Conn, error) {
	select {
	case <-g.done:
		return nil, net.ErrClosed
	case c := <-g.s.conns:
		select {
		case <-g.done: // closed meanwhile: the connection is cut, as by a crash
			c.Close()
			return nil, net.ErrClosed
		default:
			return c, nil
		}
	}
}

func (g *generation) Close() error {
	g.once.Do(func() { close(g.done) })
	return nil
}

func (g *generation) Addr() net.Addr { return g.s.ln.Addr() }

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
	t.Parallel()
	if testing.Short() {
		t.Skip("runs a small fleet")
	}
	cfg := apptest.Config(t)
	cfg.LoginLimitAddress = 100000 // every phone logs in from 127.0.0.1
	cfg.ShutdownTimeout = 10 * time.Second
	s := &restartable{t: t, cfg: cfg}
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)

	// The organisation with its units and an administrator; the simulator makes the rest through the
	// console API.
	ctx := context.Background()
	srv := &apptest.Server{App: s.app, URL: s.url()}
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
	onPush := func(s *restartable, c echo.Context, next echo.HandlerFunc) error {
		switch pushes.Add(1) {
		case 3:
			err := next(c)
			s.cut()
			go s.restart()
			return err
		case secondRestart:
			s.cut()
			go s.restart()
			return nil
		}
		return next(c)
	}
	s.mu.Lock()
	s.onPush = onPush
	s.mu.Unlock()

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
	case res.Documents != visits || res.PDFs != o.Phones || res.SampledPDFs != o.Phones:
		// Every record's document checked against the phone's, and the first record's PDF of each
		// phone: a check that silently did nothing fails here.
		t.Errorf("%d record documents identical to the phones', %d of %d PDFs byte-identical; want %d, %d of %d", res.Documents, res.PDFs,
			res.SampledPDFs, visits, o.Phones, o.Phones)
	case res.PrunedVisits != visits:
		t.Errorf("the phones let go of %d visits after their last sync, want all %d", res.PrunedVisits, visits)
	case restarts != 2:
		t.Errorf("%d restarts, want 2 (pushes: %d)", restarts, pushes.Load())
	case res.DroppedBefore+res.DroppedBody+res.DroppedAnswer == 0 || res.CutAnswers == 0 || res.Requests < minRequests:
		t.Errorf("too few faults or requests for the test to mean anything: %+v", res)
	}
}
