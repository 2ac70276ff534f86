// Package config loads the server's one typed configuration from the environment, with flags that
// mirror each variable, and validates it all at once so that every problem is reported together.
// Secrets may come from a file (NAME_FILE) and are never printed.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of the server.
type Config struct {
	Addr    string
	DataDir string

	DatabaseURL string // empty = SQLite in DataDir

	S3Endpoint     string // empty = local object store in DataDir
	S3AccessKey    string
	S3SecretKey    string
	S3Bucket       string
	S3UseTLS       bool
	S3Region       string
	S3CreateBucket bool
	// Viewing and retention of evidence in the object store (docs/evidence-storage.md).
	S3PublicURL       string        // where clients reach the S3 server; empty = bytes go through this server
	S3PresignTTL      time.Duration // lifetime of a presigned URL
	S3ObjectLock      bool          // the bucket has S3 Object Lock
	S3LockMode        string        // GOVERNANCE or COMPLIANCE
	EvidenceRetention time.Duration // evidence content is locked this long after it arrives; 0 = not locked

	TokenKey        []byte // empty with SQLite = generated and kept in DataDir
	TokenIssuer     string
	TokenAudience   string
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	RefreshGrace    time.Duration

	LoginLimitAccount int // failed logins per account per 15 minutes
	LoginLimitAddress int // login attempts per client address per minute
	TrustedProxies    []*net.IPNet

	MaxBodyBytes     int64
	ShutdownTimeout  time.Duration
	JobWorkers       int
	AuditAnchorEvery time.Duration

	// The evidence intake's limits (server/evidence.Limits).
	EvidenceMaxObjectBytes   int64
	EvidenceMaxVisitBytes    int64
	EvidenceDeviceDailyBytes int64
	EvidenceWholeMaxBytes    int64
	EvidenceAbandonAfter     time.Duration

	LogLevel  string
	LogFormat string // json or text
}

// Embedded reports whether the server runs on the embedded default database.
func (c Config) Embedded() bool { return c.DatabaseURL == "" }

// SQLitePath is the SQLite database file of the embedded default.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "thanhtra.db") }

// ObjectsDir is the local object store's directory.
func (c Config) ObjectsDir() string { return filepath.Join(c.DataDir, "objects") }

// TokenKeyPath is where the embedded default keeps its generated token key.
func (c Config) TokenKeyPath() string { return filepath.Join(c.DataDir, "token.key") }

// Setting describes one variable: its name, flag, default, and whether it is secret.
type Setting struct {
	Env     string
	Flag    string
	Default string
	Secret  bool
	Usage   string
	set     func(c *Config, v string) error
}

// Settings lists every setting in the order the README's table shows them.
func Settings() []Setting {
	return []Setting{
		{Env: "ADDR", Flag: "addr", Default: ":8080", Usage: "address to listen on", set: func(c *Config, v string) error {
			if _, _, err := net.SplitHostPort(v); err != nil {
				return errors.New("must be host:port or :port")
			}
			c.Addr = v
			return nil
		}},
		{Env: "DATA_DIR", Flag: "data-dir", Default: "./data", Usage: "directory for the embedded database, local objects and the generated token key",
			set: func(c *Config, v string) error { return nonEmpty(&c.DataDir, v) }},
		{Env: "DATABASE_URL", Flag: "database-url", Secret: true, Usage: "empty = SQLite file in DATA_DIR; postgres://… = PostgreSQL", set: func(c *Config, v string) error {
			if v != "" {
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
					return errors.New("must be empty or a postgres://user:password@host:port/database URL")
				}
			}
			c.DatabaseURL = v
			return nil
		}},
		{Env: "S3_ENDPOINT", Flag: "s3-endpoint", Usage: "host:port of an S3-compatible server; empty = local object store in DATA_DIR", set: func(c *Config, v string) error {
			if strings.Contains(v, "://") {
				return errors.New("must be host:port without a scheme (use S3_USE_TLS)")
			}
			c.S3Endpoint = v
			return nil
		}},
		{Env: "S3_ACCESS_KEY", Flag: "s3-access-key", Secret: true, Usage: "S3 access key", set: func(c *Config, v string) error { c.S3AccessKey = v; return nil }},
		{Env: "S3_SECRET_KEY", Flag: "s3-secret-key", Secret: true, Usage: "S3 secret key", set: func(c *Config, v string) error { c.S3SecretKey = v; return nil }},
		{Env: "S3_BUCKET", Flag: "s3-bucket", Default: "thanhtra", Usage: "bucket for evidence and documents", set: func(c *Config, v string) error { return nonEmpty(&c.S3Bucket, v) }},
		{Env: "S3_USE_TLS", Flag: "s3-use-tls", Default: "true", Usage: "connect to S3 over HTTPS", set: func(c *Config, v string) error { return parseBool(&c.S3UseTLS, v) }},
		{Env: "S3_REGION", Flag: "s3-region", Default: "us-east-1", Usage: "S3 region", set: func(c *Config, v string) error { c.S3Region = v; return nil }},
		{Env: "S3_CREATE_BUCKET", Flag: "s3-create-bucket", Default: "false", Usage: "create the bucket at start if it is missing", set: func(c *Config, v string) error { return parseBool(&c.S3CreateBucket, v) }},
		{Env: "S3_PUBLIC_URL", Flag: "s3-public-url", Usage: "scheme://host[:port] at which browsers and phones reach the S3 server, for presigned URLs valid S3_PRESIGN_TTL; empty = evidence is streamed through this server", set: func(c *Config, v string) error {
			if v != "" {
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
					return errors.New("must be empty or scheme://host[:port] without a path")
				}
			}
			c.S3PublicURL = v
			return nil
		}},
		{Env: "S3_PRESIGN_TTL", Flag: "s3-presign-ttl", Default: "5m", Usage: "how long a presigned URL for evidence stays valid", set: func(c *Config, v string) error {
			return parseDuration(&c.S3PresignTTL, v, 10*time.Second, time.Hour)
		}},
		{Env: "S3_OBJECT_LOCK", Flag: "s3-object-lock", Default: "false", Usage: "the bucket has S3 Object Lock (created with it when S3_CREATE_BUCKET makes it); needed for EVIDENCE_RETENTION on S3", set: func(c *Config, v string) error { return parseBool(&c.S3ObjectLock, v) }},
		{Env: "S3_LOCK_MODE", Flag: "s3-lock-mode", Default: "GOVERNANCE", Usage: "retention mode of locked evidence: GOVERNANCE or COMPLIANCE", set: func(c *Config, v string) error {
			v = strings.ToUpper(v)
			if v != "GOVERNANCE" && v != "COMPLIANCE" {
				return errors.New("must be GOVERNANCE or COMPLIANCE")
			}
			c.S3LockMode = v
			return nil
		}},
		{Env: "EVIDENCE_RETENTION", Flag: "evidence-retention", Default: "0s", Usage: "evidence content cannot be deleted or replaced for this long after it arrives (object lock); 0s = not locked", set: func(c *Config, v string) error {
			return parseDuration(&c.EvidenceRetention, v, 0, 100*366*24*time.Hour)
		}},
		{Env: "TOKEN_KEY", Flag: "token-key", Secret: true, Usage: "token signing key, at least 32 bytes; required with PostgreSQL (replicas share it); generated in DATA_DIR for the embedded default", set: func(c *Config, v string) error {
			if v != "" && len(v) < 32 {
				return errors.New("must be at least 32 bytes")
			}
			c.TokenKey = []byte(v)
			return nil
		}},
		{Env: "TOKEN_ISSUER", Flag: "token-issuer", Default: "thanhtra", Usage: "iss of access tokens", set: func(c *Config, v string) error { return nonEmpty(&c.TokenIssuer, v) }},
		{Env: "TOKEN_AUDIENCE", Flag: "token-audience", Default: "thanhtra-api", Usage: "aud of access tokens", set: func(c *Config, v string) error { return nonEmpty(&c.TokenAudience, v) }},
		{Env: "ACCESS_TOKEN_TTL", Flag: "access-token-ttl", Default: "10m", Usage: "lifetime of an access token", set: func(c *Config, v string) error { return parseDuration(&c.AccessTokenTTL, v, time.Minute, 24*time.Hour) }},
		{Env: "REFRESH_TOKEN_TTL", Flag: "refresh-token-ttl", Default: "1440h", Usage: "lifetime of a refresh token from its last rotation (phones stay offline for weeks)", set: func(c *Config, v string) error {
			return parseDuration(&c.RefreshTokenTTL, v, time.Hour, 366*24*time.Hour)
		}},
		{Env: "REFRESH_GRACE", Flag: "refresh-grace", Default: "2m", Usage: "how long a used refresh token may be retried for the same answer", set: func(c *Config, v string) error { return parseDuration(&c.RefreshGrace, v, 0, time.Hour) }},
		{Env: "LOGIN_LIMIT_ACCOUNT", Flag: "login-limit-account", Default: "10", Usage: "failed logins allowed per account per 15 minutes", set: func(c *Config, v string) error { return parseInt(&c.LoginLimitAccount, v, 1, 1000) }},
		{Env: "LOGIN_LIMIT_ADDRESS", Flag: "login-limit-address", Default: "60", Usage: "login attempts allowed per client address per minute (phones share carrier NAT addresses)", set: func(c *Config, v string) error {
			return parseInt(&c.LoginLimitAddress, v, 1, 100000)
		}},
		{Env: "TRUSTED_PROXIES", Flag: "trusted-proxies", Usage: "comma-separated CIDRs of load balancers whose X-Forwarded-For is believed", set: func(c *Config, v string) error {
			c.TrustedProxies = nil
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s == "" {
					continue
				}
				_, n, err := net.ParseCIDR(s)
				if err != nil {
					return fmt.Errorf("%q is not a CIDR", s)
				}
				c.TrustedProxies = append(c.TrustedProxies, n)
			}
			return nil
		}},
		{Env: "MAX_BODY_BYTES", Flag: "max-body-bytes", Default: "1048576", Usage: "largest JSON request body", set: func(c *Config, v string) error {
			var n int
			if err := parseInt(&n, v, 1024, 64<<20); err != nil {
				return err
			}
			c.MaxBodyBytes = int64(n)
			return nil
		}},
		{Env: "SHUTDOWN_TIMEOUT", Flag: "shutdown-timeout", Default: "20s", Usage: "how long in-flight requests may take to finish at shutdown", set: func(c *Config, v string) error { return parseDuration(&c.ShutdownTimeout, v, 0, 10*time.Minute) }},
		{Env: "JOB_WORKERS", Flag: "job-workers", Default: "2", Usage: "background job workers in this process", set: func(c *Config, v string) error { return parseInt(&c.JobWorkers, v, 0, 64) }},
		{Env: "AUDIT_ANCHOR_EVERY", Flag: "audit-anchor-every", Default: "1h", Usage: "how often an anchor commits to every audit chain head", set: func(c *Config, v string) error {
			return parseDuration(&c.AuditAnchorEvery, v, time.Minute, 7*24*time.Hour)
		}},
		{Env: "EVIDENCE_MAX_OBJECT_BYTES", Flag: "evidence-max-object-bytes", Default: "52428800", Usage: "largest evidence file (photo, signature, document)", set: func(c *Config, v string) error {
			return parseBytes(&c.EvidenceMaxObjectBytes, v, 1024, 5<<30)
		}},
		{Env: "EVIDENCE_MAX_VISIT_BYTES", Flag: "evidence-max-visit-bytes", Default: "524288000", Usage: "largest total of the evidence of one visit", set: func(c *Config, v string) error {
			return parseBytes(&c.EvidenceMaxVisitBytes, v, 1024, 1<<40)
		}},
		{Env: "EVIDENCE_DEVICE_DAILY_BYTES", Flag: "evidence-device-daily-bytes", Default: "2147483648", Usage: "evidence bytes one device may send per day (Asia/Ho_Chi_Minh)", set: func(c *Config, v string) error {
			return parseBytes(&c.EvidenceDeviceDailyBytes, v, 1024, 1<<40)
		}},
		{Env: "EVIDENCE_WHOLE_MAX_BYTES", Flag: "evidence-whole-max-bytes", Default: "4194304", Usage: "an evidence upload this small sent whole in one request is stored without chunks", set: func(c *Config, v string) error {
			return parseBytes(&c.EvidenceWholeMaxBytes, v, 0, 16<<20)
		}},
		{Env: "EVIDENCE_ABANDON_AFTER", Flag: "evidence-abandon-after", Default: "168h", Usage: "an evidence upload untouched this long is removed with its chunks (daily job)", set: func(c *Config, v string) error {
			return parseDuration(&c.EvidenceAbandonAfter, v, time.Hour, 366*24*time.Hour)
		}},
		{Env: "LOG_LEVEL", Flag: "log-level", Default: "info", Usage: "debug, info, warn or error", set: func(c *Config, v string) error {
			switch v {
			case "debug", "info", "warn", "error":
				c.LogLevel = v
				return nil
			}
			return errors.New("must be debug, info, warn or error")
		}},
		{Env: "LOG_FORMAT", Flag: "log-format", Default: "json", Usage: "json or text", set: func(c *Config, v string) error {
			if v != "json" && v != "text" {
				return errors.New("must be json or text")
			}
			c.LogFormat = v
			return nil
		}},
	}
}

// Load reads the configuration from flags in args and from getenv. A flag wins over its variable; a
// variable NAME_FILE (for secrets) names a file whose contents are the value. Every problem is
// reported, each on its own line naming the setting.
func Load(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	settings := Settings()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	flags := map[string]*string{}
	for _, s := range settings {
		flags[s.Env] = fs.String(s.Flag, "", s.Usage+" (env "+s.Env+")")
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	setByFlag := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { setByFlag[f.Name] = true })

	var c Config
	var problems []string
	for _, s := range settings {
		v, origin := s.Default, "default"
		if e := getenv(s.Env); e != "" {
			v, origin = e, s.Env
		}
		if file := getenv(s.Env + "_FILE"); file != "" {
			b, err := os.ReadFile(file)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s_FILE: cannot read %s: %v", s.Env, file, errors.Unwrap(err)))
				continue
			}
			v, origin = strings.TrimRight(string(b), "\r\n"), s.Env+"_FILE"
		}
		if setByFlag[s.Flag] {
			v, origin = *flags[s.Env], "-"+s.Flag
		}
		if err := s.set(&c, v); err != nil {
			shown := v
			if s.Secret {
				shown = "(secret)"
			}
			problems = append(problems, fmt.Sprintf("%s (from %s, %q): %v", s.Env, origin, shown, err))
		}
	}
	if len(problems) == 0 {
		problems = c.crossChecks()
	}
	if len(problems) > 0 {
		return c, &Error{Problems: problems}
	}
	return c, nil
}

func (c Config) crossChecks() []string {
	var p []string
	if !c.Embedded() && len(c.TokenKey) == 0 {
		p = append(p, "TOKEN_KEY: required with PostgreSQL so that every replica signs and verifies with the same key (set TOKEN_KEY or TOKEN_KEY_FILE)")
	}
	if c.S3Endpoint != "" && (c.S3AccessKey == "" || c.S3SecretKey == "") {
		p = append(p, "S3_ACCESS_KEY, S3_SECRET_KEY: required when S3_ENDPOINT is set")
	}
	if c.EvidenceRetention > 0 && c.S3Endpoint != "" && !c.S3ObjectLock {
		p = append(p, "EVIDENCE_RETENTION: needs S3_OBJECT_LOCK=true (a bucket with object lock) when S3_ENDPOINT is set")
	}
	if c.S3Endpoint == "" && (c.S3PublicURL != "" || c.S3ObjectLock) {
		p = append(p, "S3_PUBLIC_URL, S3_OBJECT_LOCK: only with S3_ENDPOINT (the local object store gives no URLs and locks by itself)")
	}
	if c.RefreshGrace >= c.RefreshTokenTTL {
		p = append(p, "REFRESH_GRACE: must be shorter than REFRESH_TOKEN_TTL")
	}
	return p
}

// Error lists every problem found by Load.
type Error struct{ Problems []string }

func (e *Error) Error() string {
	return "configuration: " + strings.Join(e.Problems, "; ")
}

// Print writes the effective configuration, one setting a line, with secrets masked.
func (c Config) Print(w io.Writer) {
	values := c.values()
	for _, s := range Settings() {
		v := values[s.Env]
		if s.Secret && v != "" {
			v = mask(s.Env, v)
		}
		fmt.Fprintf(w, "%-20s %s\n", s.Env, v)
	}
}

func mask(env, v string) string {
	if env == "DATABASE_URL" {
		if u, err := url.Parse(v); err == nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
			}
			return u.Redacted()
		}
	}
	return "(set, " + strconv.Itoa(len(v)) + " bytes)"
}

func (c Config) values() map[string]string {
	var proxies []string
	for _, n := range c.TrustedProxies {
		proxies = append(proxies, n.String())
	}
	return map[string]string{
		"ADDR": c.Addr, "DATA_DIR": c.DataDir, "DATABASE_URL": c.DatabaseURL,
		"S3_ENDPOINT": c.S3Endpoint, "S3_ACCESS_KEY": c.S3AccessKey, "S3_SECRET_KEY": c.S3SecretKey,
		"S3_BUCKET": c.S3Bucket, "S3_USE_TLS": strconv.FormatBool(c.S3UseTLS), "S3_REGION": c.S3Region,
		"S3_CREATE_BUCKET": strconv.FormatBool(c.S3CreateBucket),
		"S3_PUBLIC_URL":    c.S3PublicURL, "S3_PRESIGN_TTL": c.S3PresignTTL.String(), "S3_OBJECT_LOCK": strconv.FormatBool(c.S3ObjectLock),
		"S3_LOCK_MODE": c.S3LockMode, "EVIDENCE_RETENTION": c.EvidenceRetention.String(),
		"TOKEN_KEY": string(c.TokenKey), "TOKEN_ISSUER": c.TokenIssuer, "TOKEN_AUDIENCE": c.TokenAudience,
		"ACCESS_TOKEN_TTL": c.AccessTokenTTL.String(), "REFRESH_TOKEN_TTL": c.RefreshTokenTTL.String(),
		"REFRESH_GRACE": c.RefreshGrace.String(), "LOGIN_LIMIT_ACCOUNT": strconv.Itoa(c.LoginLimitAccount),
		"LOGIN_LIMIT_ADDRESS": strconv.Itoa(c.LoginLimitAddress), "TRUSTED_PROXIES": strings.Join(proxies, ","),
		"MAX_BODY_BYTES": strconv.FormatInt(c.MaxBodyBytes, 10), "SHUTDOWN_TIMEOUT": c.ShutdownTimeout.String(),
		"JOB_WORKERS": strconv.Itoa(c.JobWorkers), "AUDIT_ANCHOR_EVERY": c.AuditAnchorEvery.String(),
		"EVIDENCE_MAX_OBJECT_BYTES": strconv.FormatInt(c.EvidenceMaxObjectBytes, 10), "EVIDENCE_MAX_VISIT_BYTES": strconv.FormatInt(c.EvidenceMaxVisitBytes, 10),
		"EVIDENCE_DEVICE_DAILY_BYTES": strconv.FormatInt(c.EvidenceDeviceDailyBytes, 10), "EVIDENCE_WHOLE_MAX_BYTES": strconv.FormatInt(c.EvidenceWholeMaxBytes, 10),
		"EVIDENCE_ABANDON_AFTER": c.EvidenceAbandonAfter.String(),
		"LOG_LEVEL":              c.LogLevel, "LOG_FORMAT": c.LogFormat,
	}
}

func nonEmpty(dst *string, v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("must not be empty")
	}
	*dst = v
	return nil
}

func parseBool(dst *bool, v string) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return errors.New("must be true or false")
	}
	*dst = b
	return nil
}

func parseInt(dst *int, v string, min, max int) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		return fmt.Errorf("must be a whole number from %d to %d", min, max)
	}
	*dst = n
	return nil
}

func parseBytes(dst *int64, v string, min, max int64) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < min || n > max {
		return fmt.Errorf("must be a number of bytes from %d to %d", min, max)
	}
	*dst = n
	return nil
}

func parseDuration(dst *time.Duration, v string, min, max time.Duration) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < min || d > max {
		return fmt.Errorf("must be a duration like 90s, 10m or 24h, from %s to %s", min, max)
	}
	*dst = d
	return nil
}
