// Package client is the Go core of the phone app: what an inspector's Android phone embeds (through
// gomobile) to work offline and sync with the server. It is written against the phone API's contract
// alone, mobile-api/openapi.yaml ("Sync protocol"), and imports nothing of the server.
//
// It keeps a local SQLite store (pure Go, WAL, synchronous=FULL) with the reference copy of each
// dataset, the work done on the phone (visits, answers, findings, violation records, record numbers)
// and a durable outbox of changes; it logs in and refreshes its tokens; it pushes the outbox in order
// and pulls the datasets page by page. Every local edit writes the entity and its outbox item in one
// transaction; every pulled page is applied with its cursor in one transaction; a process killed at
// any moment loses nothing and sends nothing twice (docs/client.md).
//
// The exported API uses only what gomobile binds: strings, integers, booleans, byte slices, pointers to
// structs of those, and interfaces with such methods; lists travel as JSON strings. Every method may
// be called from any goroutine; Sync, Push and Pull run one at a time.
package client

import (
	"context"
	"database/sql"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config says where the store is, which server to talk to and how. Zero values take the defaults.
type Config struct {
	// StorePath is the SQLite file of the local store (in the app's own storage, never in a cache
	// the system may clear). Required.
	StorePath string
	// ServerURL is the server's base URL, e.g. https://thanhtra.example.vn; the client adds /mobile/v1.
	ServerURL string
	// DeviceID names the phone to the server (made once at install). Empty: the client makes one the
	// first time and keeps it in the store.
	DeviceID   string
	DeviceName string // e.g. "Samsung A15 của anh An", shown in the device list
	Platform   string // default "android"
	AppVersion string
	// Language of the server's messages: "vi" (default) or "en".
	Language string
	// RequestTimeoutMillis bounds one request (default 60 s).
	RequestTimeoutMillis int64
	// MaxAttempts is how often a request is sent before giving up (default 6).
	MaxAttempts int
	// BackoffBaseMillis and BackoffMaxMillis shape the wait between attempts (default 500 ms, 60 s).
	BackoffBaseMillis int64
	BackoffMaxMillis  int64
	// PushBatchSize is the number of outbox items per push (default 200, at most 500).
	PushBatchSize int
	// PullLimit is the number of changes per dataset and page (default 500, at most 1000).
	PullLimit int
	// HeldBackPauseMillis is the pause before pulling again a page the server could not complete
	// (default 1000).
	HeldBackPauseMillis int64
	// EvidenceDir is where the client keeps its copy of each evidence file until the server has it
	// and the visit's work is acknowledged (in the app's own storage, never a cache the system may
	// clear). Empty: StorePath + "-evidence".
	EvidenceDir string
	// UploadChunkBytes is the size of each evidence PATCH (default 512 KiB; the contract advises
	// 256 KiB–1 MiB on a poor signal). A file no larger goes up whole in one request.
	UploadChunkBytes int
	// CrashPoints, for tests only: see CrashEnv. Empty: the environment variable CrashEnv.
	CrashPoints string
}

// settings is Config with the defaults applied.
type settings struct {
	language                string
	maxAttempts             int
	backoffBase, backoffMax int64
	batch, pullLimit        int
	heldBackPause           int64
	deviceName, platform    string
	appVersion              string
	evidenceDir             string
	chunk                   int
}

// maxPayloadBytes is the largest payload the server takes (256 KiB); maxBatchBytes keeps a batch
// well under the 16 MiB the server takes.
const (
	maxPayloadBytes = 256 << 10
	maxBatchBytes   = 8 << 20
	maxBatchItems   = 500
)

// Client is the phone's sync engine over its local store. Open one per store and Close it.
type Client struct {
	cfg      settings
	baseURL  string
	deviceID string
	store    *store
	http     *http.Client
	clock    Clock
	random   Random
	crash    *crashPoints

	ctx    context.Context
	cancel context.CancelFunc

	syncMu  sync.Mutex // one push or pull at a time
	tokenMu sync.Mutex // one refresh at a time

	stats struct {
		requests, retries, bytesSent, bytesReceived atomic.Int64
	}
}

// Open opens the local store (creating and migrating it when needed) with the system clock.
func Open(cfg *Config) (*Client, error) { return OpenWith(cfg, nil, nil) }

// OpenWith is Open with the clock and the jitter source given (nil: the system's), for tests.
func OpenWith(cfg *Config, clock Clock, random Random) (*Client, error) {
	return OpenWithTransport(cfg, clock, random, nil)
}

// OpenWithTransport is OpenWith with the HTTP transport given (nil: the client's own), for Go
// programs only — the phone simulator injects network faults there (gomobile does not bind it).
func OpenWithTransport(cfg *Config, clock Clock, random Random, rt http.RoundTripper) (*Client, error) {
	if cfg == nil {
		return nil, newError(CodeInvalid, "no configuration")
	}
	if clock == nil {
		clock = systemClock{}
	}
	if random == nil {
		random = cryptoRandom{}
	}
	c := &Client{clock: clock, random: random, baseURL: strings.TrimRight(cfg.ServerURL, "/")}
	c.cfg = settings{language: cfg.Language, maxAttempts: cfg.MaxAttempts, backoffBase: cfg.BackoffBaseMillis,
		backoffMax: cfg.BackoffMaxMillis, batch: cfg.PushBatchSize, pullLimit: cfg.PullLimit,
		heldBackPause: cfg.HeldBackPauseMillis, deviceName: cfg.DeviceName, platform: cfg.Platform, appVersion: cfg.AppVersion}
	if c.cfg.maxAttempts <= 0 {
		c.cfg.maxAttempts = 6
	}
	if c.cfg.backoffBase <= 0 {
		c.cfg.backoffBase = 500
	}
	if c.cfg.backoffMax <= 0 {
		c.cfg.backoffMax = 60_000
	}
	c.cfg.backoffMax = max(c.cfg.backoffMax, c.cfg.backoffBase)
	if c.cfg.batch <= 0 {
		c.cfg.batch = 200
	}
	c.cfg.batch = min(c.cfg.batch, maxBatchItems)
	if c.cfg.pullLimit <= 0 {
		c.cfg.pullLimit = 500
	}
	c.cfg.pullLimit = min(c.cfg.pullLimit, 1000)
	if c.cfg.heldBackPause <= 0 {
		c.cfg.heldBackPause = 1000
	}
	if c.cfg.platform == "" {
		c.cfg.platform = "android"
	}
	timeout := time.Duration(cfg.RequestTimeoutMillis) * time.Millisecond
	if timeout <= 0 {
		timeout = time.Minute
	}
	if rt == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DisableCompression = true // the client asks for gzip itself and decompresses what it asked for
		rt = tr
	}
	c.http = &http.Client{Timeout: timeout, Transport: rt}
	c.cfg.chunk = cfg.UploadChunkBytes
	if c.cfg.chunk <= 0 {
		c.cfg.chunk = 512 << 10
	}
	c.cfg.chunk = min(c.cfg.chunk, 16<<20)
	c.cfg.evidenceDir = cfg.EvidenceDir
	if c.cfg.evidenceDir == "" {
		c.cfg.evidenceDir = cfg.StorePath + "-evidence"
	}
	spec := cfg.CrashPoints
	if spec == "" {
		spec = os.Getenv(CrashEnv)
	}
	c.crash = parseCrashPoints(spec)
	c.ctx, c.cancel = context.WithCancel(context.Background())

	s, err := openStore(c.ctx, cfg.StorePath)
	if err != nil {
		c.cancel()
		return nil, err
	}
	c.store = s
	c.deviceID = cfg.DeviceID
	if err := c.ensureDeviceID(); err != nil {
		s.close()
		c.cancel()
		return nil, err
	}
	if err := c.openEvidenceDir(); err != nil {
		s.close()
		c.cancel()
		return nil, err
	}
	return c, nil
}

// ensureDeviceID keeps the device ID: the configured one, else the one made at the first Open.
func (c *Client) ensureDeviceID() error {
	return c.store.tx(c.ctx, func(tx *sql.Tx) error {
		held, err := getMeta(c.ctx, tx, "device_id")
		if err != nil {
			return err
		}
		switch {
		case c.deviceID != "":
			if held == c.deviceID {
				return nil
			}
			return setMeta(c.ctx, tx, "device_id", c.deviceID)
		case held != "":
			c.deviceID = held
			return nil
		default:
			c.deviceID = newUUIDv7(c.clock.NowUnixMilli())
			return setMeta(c.ctx, tx, "device_id", c.deviceID)
		}
	})
}

// Close stops any sync in progress (its work stays consistent: every step is a transaction) and
// closes the store.
func (c *Client) Close() error {
	c.cancel()
	c.syncMu.Lock()
	defer c.syncMu.Unlock()
	c.http.CloseIdleConnections()
	return c.store.close()
}

// DeviceID is the ID the phone gives the server.
func (c *Client) DeviceID() string { return c.deviceID }

// Stats are counters of this client's traffic since Open.
type Stats struct {
	Requests      int64
	Retries       int64
	BytesSent     int64 // request bodies as sent (compressed when they were)
	BytesReceived int64 // answer bodies as received (compressed when they were)
}

// Stats returns the traffic counters.
func (c *Client) Stats() *Stats {
	return &Stats{Requests: c.stats.requests.Load(), Retries: c.stats.retries.Load(),
		BytesSent: c.stats.bytesSent.Load(), BytesReceived: c.stats.bytesReceived.Load()}
}

// now is the phone's time in Unix milliseconds.
func (c *Client) now() int64 { return c.clock.NowUnixMilli() }
