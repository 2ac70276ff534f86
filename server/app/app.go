// Package app wires the server together: configuration in, adapters (gormstore, localblob or
// s3blob), services (identity, auth, audit, jobs) and both HTTP APIs out. It is the only package
// besides main that imports everything; tests start a whole App on a free port with a temporary
// data directory.
package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/auth"
	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/blob/localblob"
	"github.com/skhcn-caobang/thanhtra/server/blob/s3blob"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/checklist"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/config"
	"github.com/skhcn-caobang/thanhtra/server/consolehttp"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/evidence"
	"github.com/skhcn-caobang/thanhtra/server/evidenceview"
	"github.com/skhcn-caobang/thanhtra/server/export"
	"github.com/skhcn-caobang/thanhtra/server/gormstore"
	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/jobs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/mobilehttp"
	"github.com/skhcn-caobang/thanhtra/server/numbering"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
	"github.com/skhcn-caobang/thanhtra/server/registry"
	"github.com/skhcn-caobang/thanhtra/server/stats"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
	"github.com/skhcn-caobang/thanhtra/server/syncsvc"
	"github.com/skhcn-caobang/thanhtra/server/thumbnail"
)

// Options are what tests may replace; the zero value is production.
type Options struct {
	Clock  clock.Clock
	IDs    clock.IDs
	Hasher *identity.Hasher
}

// App is a running server's parts.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	Store    *gormstore.Store
	Blobs    blob.Store
	Identity *identity.Service
	Auth     *auth.Service
	Jobs     *jobs.Runner
	// The domain of inspection.
	Units      *adminunit.Service
	Registry   *registry.Service
	Legal      *legal.Service
	Checklists *checklist.Service
	Campaigns  *campaign.Service
	// The phone's sync (pull and push) and the chief's quarantine of pushed changes.
	Sync       *syncsvc.Service
	Quarantine *syncsvc.Quarantine
	// Evidence is the intake of evidence bytes (announce, resumable upload, cleanup).
	Evidence *evidence.Service
	// Thumbnails makes evidence thumbnails in the background; EvidenceView shows evidence to the
	// console and the phones (evidence_view.go).
	Thumbnails   *thumbnail.Service
	EvidenceView *evidenceview.Service
	// Penalties runs penalty cases from the submitted record to closure (penalty.go).
	Penalties *penalty.Service
	// Stats computes and freezes the enforcement statistics (stats.go).
	Stats *stats.Service
	// Exports makes long exports in the background: evidence ZIPs and the statistics as CSV, XLSX and
	// the PDF report (export.go).
	Exports *export.Service

	Echo    *echo.Echo
	Console *consolehttp.API
	Mobile  *mobilehttp.API
	Ops     []httpcore.Route

	clock clock.Clock
}

// StartupError is a problem with one setting at start: the server says which setting, in one line.
type StartupError struct {
	Setting string
	Err     error
}

func (e *StartupError) Error() string {
	msg := strings.ReplaceAll(e.Err.Error(), "\n", " ")
	return e.Setting + ": " + msg
}

func (e *StartupError) Unwrap() error { return e.Err }

// New opens the database (migrating it) and the object store, and builds the services and routes.
// It does not listen: call Serve. Close releases what New opened.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, o Options) (*App, error) {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.IDs == nil {
		o.IDs = clock.UUIDv7{}
	}
	hasher := identity.DefaultHasher
	if o.Hasher != nil {
		hasher = *o.Hasher
	}
	a := &App{Config: cfg, Log: log, clock: o.Clock}
	var err error
	if a.Store, err = OpenStore(ctx, cfg, log, o); err != nil {
		return nil, err
	}
	openCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if a.Blobs, err = openBlobs(openCtx, cfg); err != nil {
		a.Store.Close()
		return nil, err
	}
	a.Blobs = retainEvidence(a.Blobs, cfg, o.Clock)
	key, err := tokenKey(cfg)
	if err != nil {
		a.Store.Close()
		return nil, &StartupError{"TOKEN_KEY", err}
	}
	a.Identity = &identity.Service{Store: a.Store, Hasher: hasher, Clock: o.Clock, IDs: o.IDs}
	a.Auth, err = auth.NewService(a.Store, hasher, o.Clock, o.IDs, auth.Config{Key: key, Issuer: cfg.TokenIssuer,
		Audience: cfg.TokenAudience, AccessTTL: cfg.AccessTokenTTL, RefreshTTL: cfg.RefreshTokenTTL, Grace: cfg.RefreshGrace})
	if err != nil {
		a.Store.Close()
		return nil, &StartupError{"TOKEN_KEY", err}
	}
	a.Units = &adminunit.Service{Store: a.Store, Clock: o.Clock}
	a.Registry = &registry.Service{Store: a.Store, Clock: o.Clock, IDs: o.IDs}
	a.Legal = &legal.Service{Store: a.Store, Clock: o.Clock, IDs: o.IDs}
	a.Checklists = &checklist.Service{Store: a.Store, Lister: a.Store, Clock: o.Clock}
	a.Campaigns = &campaign.Service{Store: a.Store, Registry: a.Store, Checklists: a.Store, Reader: a.Store, Clock: o.Clock, IDs: o.IDs}
	a.Sync = &syncsvc.Service{Log: a.Store, Scopes: a.Store, Ledger: a.Store, Appliers: a.Store.Appliers(),
		Limits: syncpush.DefaultLimits, Numbers: &numbering.Service{Store: a.Store, Clock: o.Clock, IDs: o.IDs},
		Units: a.Store, Clock: o.Clock}
	a.Quarantine = &syncsvc.Quarantine{Store: a.Store, Clock: o.Clock}
	// Evidence announced in a push is judged by the intake's limits, as one announced for upload.
	evidenceLimits := evidence.Limits{MaxObjectBytes: cfg.EvidenceMaxObjectBytes, MaxVisitBytes: cfg.EvidenceMaxVisitBytes,
		DeviceDailyBytes: cfg.EvidenceDeviceDailyBytes, WholeMaxBytes: cfg.EvidenceWholeMaxBytes, AbandonAfter: cfg.EvidenceAbandonAfter}
	if as, ok := a.Sync.Appliers.(syncpush.Appliers); ok {
		as["evidence"] = a.Store.EvidenceApplier(evidenceLimits)
	}
	a.Evidence = &evidence.Service{Store: a.Store, Blobs: a.Blobs, Clock: o.Clock, Limits: evidenceLimits, Log: log}
	a.Evidence.Arrived = func(ctx context.Context, obj evidence.Object) {
		if a.Thumbnails == nil {
			return
		}
		if err := a.Thumbnails.Enqueue(ctx, obj.OrgID, obj.SHA256, obj.ContentType); err != nil {
			log.Warn("asking for a thumbnail failed; the sweep makes it later", "sha256", obj.SHA256, "err", err)
		}
	}
	if err := a.seedReferenceData(ctx); err != nil {
		a.Store.Close()
		return nil, err
	}
	// Data written before the change log existed (migration 0012) is recorded for phones once. A
	// failure does not stop the start: phones get that data at its next change until a later start
	// back-fills it.
	if ran, n, err := a.Store.RunSyncBackfillOnce(ctx); err != nil {
		log.Error("back-filling the sync change log failed; the next start tries again", "err", err)
	} else if ran {
		log.Info("sync change log back-filled", "changes", n)
	}
	a.Jobs = jobs.NewRunner(a.Store, jobs.Options{Workers: max(cfg.JobWorkers, 1), Clock: o.Clock, Logger: log})
	a.Jobs.Register("audit.anchor", func(ctx context.Context, _ jobs.Job) error {
		anchor, wrote, err := a.Store.AnchorAudit(ctx)
		if wrote {
			log.Info("audit anchored", "anchor", anchor.Seq, "chains", len(anchor.Heads))
		}
		return err
	})
	a.Jobs.Every("audit.anchor", cfg.AuditAnchorEvery)
	a.Jobs.Register("evidence.cleanup", func(ctx context.Context, _ jobs.Job) error {
		uploads, strays, err := a.Evidence.Cleanup(ctx)
		if uploads+strays > 0 {
			log.Info("abandoned evidence uploads removed", "uploads", uploads, "stray_chunks", strays)
		}
		return err
	})
	a.Jobs.Every("evidence.cleanup", 24*time.Hour)
	// A signed record's document (canonical JSON and PDF of form MBB01), enqueued by the push.
	a.Jobs.Register(gormstore.JobRecordDocument, func(ctx context.Context, j jobs.Job) error {
		return a.Store.MakeRecordDocument(ctx, a.Blobs, j)
	})
	a.wireEvidenceView(log)
	a.wirePenalties(log, o.IDs)
	a.wireStats(log)
	a.wireExports(log, o.IDs)
	a.buildHTTP()
	return a, nil
}

// OpenStore opens the database the configuration names and applies pending migrations.
func OpenStore(ctx context.Context, cfg config.Config, log *slog.Logger, o Options) (*gormstore.Store, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, &StartupError{"DATA_DIR", err}
	}
	openCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	s, err := gormstore.Open(openCtx, gormstore.Options{URL: cfg.DatabaseURL, SQLitePath: cfg.SQLitePath(), Logger: log, Clock: o.Clock, IDs: o.IDs})
	if err != nil {
		return nil, &StartupError{"DATABASE_URL", describeDB(cfg, err)}
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, &StartupError{"DATABASE_URL", fmt.Errorf("migrating the database: %w", err)}
	}
	return s, nil
}

// seedReferenceData loads the national reference data shipped with the binary — the legal catalogue
// and the published checklists — where the database lacks it. Both are idempotent and never overwrite
// what an administrator changed; a shipped checklist whose content changed without a new version
// number stops the start (a published version never changes).
func (a *App) seedReferenceData(ctx context.Context) error {
	cat, err := legal.Seed()
	if err != nil {
		return fmt.Errorf("the embedded legal catalogue: %w", err)
	}
	n, err := a.Store.LoadLegalSeed(ctx, cat)
	if err != nil {
		return fmt.Errorf("loading the legal catalogue: %w", err)
	}
	if n > 0 {
		a.Log.Info("legal catalogue loaded", "rows", n)
	}
	vs, err := a.Checklists.Seed(ctx)
	if err != nil {
		return fmt.Errorf("publishing the embedded checklists: %w", err)
	}
	if len(vs) > 0 {
		a.Log.Info("checklists published", "versions", len(vs))
	}
	return nil
}

func describeDB(cfg config.Config, err error) error {
	if cfg.Embedded() {
		return fmt.Errorf("embedded SQLite database %s: %w", cfg.SQLitePath(), err)
	}
	return fmt.Errorf("PostgreSQL unreachable or refused: %w", err)
}

func openBlobs(ctx context.Context, cfg config.Config) (blob.Store, error) {
	if cfg.S3Endpoint == "" {
		s, err := localblob.New(cfg.ObjectsDir())
		if err != nil {
			return nil, &StartupError{"DATA_DIR", fmt.Errorf("local object store: %w", err)}
		}
		return s, nil
	}
	s, err := s3blob.New(ctx, s3blob.Config{Endpoint: cfg.S3Endpoint, AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey,
		Bucket: cfg.S3Bucket, Region: cfg.S3Region, UseTLS: cfg.S3UseTLS, CreateBucket: cfg.S3CreateBucket,
		ObjectLock: cfg.S3ObjectLock, LockMode: cfg.S3LockMode, PublicURL: cfg.S3PublicURL})
	if err != nil {
		return nil, &StartupError{"S3_ENDPOINT", err}
	}
	return s, nil
}

// tokenKey returns the configured key, or for the embedded default the key kept in DATA_DIR,
// generating it on first start.
func tokenKey(cfg config.Config) ([]byte, error) {
	if len(cfg.TokenKey) > 0 {
		return cfg.TokenKey, nil
	}
	if !cfg.Embedded() {
		return nil, errors.New("required with PostgreSQL")
	}
	path := cfg.TokenKeyPath()
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(k) < 32 {
			return nil, fmt.Errorf("%s is damaged: delete it to make a new key (everyone must log in again)", path)
		}
		return k, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	k := make([]byte, 32)
	rand.Read(k)
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(k) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return nil, err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return k, nil
}

func (a *App) buildHTTP() {
	cfg := a.Config
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for name, db := range a.Store.Pools() {
		reg.MustRegister(collectors.NewDBStatsCollector(db, name))
	}
	msgs, err := httpcore.LoadMessages()
	if err != nil {
		panic(err) // the catalogue is embedded: a broken one is a build bug caught by every test
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = httpcore.ErrorHandler(a.Log, msgs)
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)
	e.Use(httpcore.Observe(a.Log, httpcore.NewMetrics(reg)))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			a.Log.Error("panic", "request_id", httpcore.RequestID(c), "err", err, "stack", string(stack))
			return err
		}}))

	guard := &httpcore.LoginGuard{
		PerAccount: httpcore.NewLimiter(a.clock, cfg.LoginLimitAccount, 15*time.Minute),
		PerAddress: httpcore.NewLimiter(a.clock, cfg.LoginLimitAddress, time.Minute),
	}
	a.Console = &consolehttp.API{Auth: a.Auth, Identity: a.Identity, Guard: guard, Audit: a.Store, Units: a.Units,
		Registry: a.Registry, Legal: a.Legal, Checklists: a.Checklists, Campaigns: a.Campaigns, Titles: a.Store,
		Quarantine: a.Quarantine}
	a.Mobile = &mobilehttp.API{Auth: a.Auth, Identity: a.Identity, Guard: guard, Sync: a.Sync, Messages: msgs}
	a.Console.Evidence, a.Mobile.Evidence = a.Evidence, a.Evidence
	a.Console.EvidenceView, a.Mobile.EvidenceView = a.EvidenceView, a.EvidenceView
	a.Console.RecordDocuments = &consolehttp.RecordDocuments{Index: a.Store, Blobs: a.Blobs}
	a.Console.Penalties = a.Penalties
	a.Console.Stats = a.Stats
	a.Console.Exports = &consolehttp.Exports{Service: a.Exports, Blobs: a.Blobs}
	a.Console.Mount(e, a.Auth, cfg.MaxBodyBytes)
	a.Mobile.Mount(e, a.Auth, cfg.MaxBodyBytes)
	a.Ops = a.opsRoutes(reg)
	httpcore.Mount(e.Group(""), a.Ops, a.Auth, cfg.MaxBodyBytes)
	a.Echo = e
}

// opsRoutes are the operational endpoints: liveness, readiness, metrics and the JSON Schemas.
// /metrics is public like the others: expose the port only to the load balancer and the monitoring
// network, as usual for Prometheus.
func (a *App) opsRoutes(reg *prometheus.Registry) []httpcore.Route {
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	schemaFiles := http.FileServer(http.FS(schemas.FS))
	return []httpcore.Route{
		{Method: http.MethodGet, Path: "/healthz", Access: httpcore.Public, Handler: func(c echo.Context) error {
			return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
		}},
		{Method: http.MethodGet, Path: "/readyz", Access: httpcore.Public, Handler: a.ready},
		{Method: http.MethodGet, Path: "/metrics", Access: httpcore.Public, Handler: echo.WrapHandler(metrics)},
		{Method: http.MethodGet, Path: "/schemas/:file", Access: httpcore.Public, Handler: func(c echo.Context) error {
			if _, err := fs.Stat(schemas.FS, c.Param("file")); err != nil {
				return errs.E(errs.NotFound, errs.CodeRouteNotFound)
			}
			r := c.Request().Clone(c.Request().Context())
			r.URL.Path = "/" + c.Param("file")
			schemaFiles.ServeHTTP(c.Response(), r)
			return nil
		}},
	}
}

type readiness struct {
	Status   string `json:"status"`
	Database string `json:"database"`
	Objects  string `json:"objects"`
}

// ready answers 200 when the database and the object store both answer, 503 otherwise. The body says
// which failed; the causes go to the log only.
func (a *App) ready(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 5*time.Second)
	defer cancel()
	out := readiness{Status: "ok", Database: "ok", Objects: "ok"}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := a.Store.Ping(ctx); err != nil {
			a.Log.Warn("readiness: database", "err", err)
			out.Database, out.Status = "unavailable", "unavailable"
		}
	}()
	var objErr error
	go func() {
		defer wg.Done()
		objErr = a.Blobs.Check(ctx)
	}()
	wg.Wait()
	if objErr != nil {
		a.Log.Warn("readiness: object store", "err", objErr)
		out.Objects, out.Status = "unavailable", "unavailable"
	}
	if out.Status != "ok" {
		return c.JSON(http.StatusServiceUnavailable, out)
	}
	return c.JSON(http.StatusOK, out)
}

func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// Serve listens on ln until ctx is done, then stops taking requests, lets the ones in flight finish
// (up to SHUTDOWN_TIMEOUT), stops the job runner after its running jobs end, and returns.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: a.Echo, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	jobsCtx, stopJobs := context.WithCancel(context.Background())
	jobsDone := make(chan error, 1)
	go func() { jobsDone <- a.Jobs.Run(jobsCtx) }()

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	a.Log.Info("listening", "addr", ln.Addr().String(), "database", string(a.Store.Dialect()), "objects", a.objectsKind())

	var err error
	select {
	case err = <-served:
	case <-ctx.Done():
		a.Log.Info("shutting down", "timeout", a.Config.ShutdownTimeout.String())
		sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
		err = srv.Shutdown(sctx)
		cancel()
		<-served
	}
	stopJobs()
	if jerr := <-jobsDone; jerr != nil && err == nil {
		err = jerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func (a *App) objectsKind() string {
	if a.Config.S3Endpoint == "" {
		return "local " + a.Config.ObjectsDir()
	}
	return "s3 " + a.Config.S3Endpoint + "/" + a.Config.S3Bucket
}

// Close releases the database.
func (a *App) Close() error { return a.Store.Close() }

// VerifyAudit checks every audit chain and anchor.
func (a *App) VerifyAudit(ctx context.Context) (audit.Report, error) {
	return audit.Verify(ctx, a.Store)
}
