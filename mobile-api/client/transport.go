package client

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// apiPrefix is where the phone API is served (mobile-api/openapi.yaml, servers).
const apiPrefix = "/mobile/v1"

// maxAnswerBytes bounds an answer read into memory (a pull page of 1,000 entities is far below).
const maxAnswerBytes = 64 << 20

// request is one call of the phone API.
type request struct {
	method      string // default POST
	path        string // under /mobile/v1
	body        []byte
	contentType string // default application/json (when there is a body)
	gzipBody    bool   // send the body gzip-compressed (push)
	header      http.Header
	auth        bool // needs the access token (refreshed when the server says it expired)
	retry429    bool // wait out a 429 and retry (not for a login, which the user retries)
	// once: a lost connection or a 5xx is returned at once, not retried — the caller knows better
	// (an evidence PATCH cut half-way must ask where the upload stands, not send the same bytes).
	once bool
	// crashMid names a crash point reached when half of the body has been handed to the connection
	// (tests: a process killed while its bytes stream).
	crashMid string
}

// response is an answer with its body read (and decompressed).
type response struct {
	status    int
	header    http.Header
	body      []byte
	requestID string
}

// apiError is the error body of the contract (schemas/error.schema.json).
type apiError struct {
	Error struct {
		Kind              string     `json:"kind"`
		Code              string     `json:"code"`
		Message           string     `json:"message"`
		RequestID         string     `json:"request_id"`
		Fields            []apiField `json:"fields"`
		RetryAfterSeconds int        `json:"retry_after_seconds"`
	} `json:"error"`
}

type apiField struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// decodeError reads an error answer; a body that is not one keeps the status only.
func decodeError(r *response) (*Error, []apiField) {
	var e apiError
	json.Unmarshal(r.body, &e)
	code := e.Error.Code
	if code == "" {
		code = "http_" + strconv.Itoa(r.status)
	}
	out := &Error{Code: code, Message: e.Error.Message, Status: r.status, RequestID: r.requestID,
		RetryAfterSeconds: e.Error.RetryAfterSeconds}
	if ra := retryAfter(r.header); ra > 0 {
		out.RetryAfterSeconds = int((ra + 999) / 1000)
	}
	return out, e.Error.Fields
}

// retryAfter reads a Retry-After header (seconds or an HTTP date) in milliseconds; 0 when absent.
func retryAfter(h http.Header) int64 {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil && s >= 0 {
		return min(s, 3600) * 1000
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return min(d.Milliseconds(), 3600_000)
		}
	}
	return 0
}

// do sends a request with the retry policy: a lost connection, a timeout, a 5xx or (when allowed) a
// 429 is retried after a backoff with jitter (at least Retry-After), up to the configured attempts; a
// 401 token_expired refreshes the token once and sends again. Any other answer is returned as is.
func (c *Client) do(ctx context.Context, req request) (*response, error) {
	var last *Error
	refreshed := false
	for attempt := 0; ; {
		if err := ctx.Err(); err != nil {
			return nil, newError(CodeClosed, "the client is closing")
		}
		token := ""
		if req.auth {
			t, err := c.accessToken(ctx, false)
			if err != nil {
				return nil, err
			}
			token = t
		}
		res, err := c.roundTrip(ctx, req, token)
		var waitMillis int64
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, newError(CodeClosed, "the client is closing")
			}
			last = &Error{Code: CodeOffline, Message: err.Error()}
		case res.status == http.StatusUnauthorized && req.auth && !refreshed:
			e, _ := decodeError(res)
			if e.Code != "token_expired" && e.Code != "token_invalid" {
				return res, nil
			}
			refreshed = true
			if _, err := c.accessToken(ctx, true); err != nil {
				return nil, err
			}
			continue // not an attempt: the request was refused before anything was done
		case res.status >= 500:
			last, _ = decodeError(res)
			last.Reason, last.Code = last.Code, CodeServerError
			waitMillis = retryAfter(res.header)
		case res.status == http.StatusTooManyRequests && req.retry429:
			last, _ = decodeError(res)
			last.Reason, last.Code = last.Code, CodeRateLimited
			waitMillis = max(retryAfter(res.header), int64(last.RetryAfterSeconds)*1000)
		default:
			return res, nil
		}
		if req.once {
			return nil, last
		}
		attempt++
		if attempt >= c.cfg.maxAttempts {
			return nil, last
		}
		c.stats.retries.Add(1)
		wait := backoff(c.random, c.cfg.backoffBase, c.cfg.backoffMax, attempt-1, waitMillis)
		if err := sleep(ctx, c.clock, wait); err != nil {
			return nil, newError(CodeClosed, "the client is closing")
		}
	}
}

// roundTrip sends the request once and reads the whole answer (a connection cut while the answer
// streams is an error here, and the caller retries).
func (c *Client) roundTrip(ctx context.Context, req request, token string) (*response, error) {
	body := req.body
	if req.gzipBody && len(body) >= 1024 {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
		zw.Write(body)
		zw.Close()
		body = b.Bytes()
	} else {
		req.gzipBody = false
	}
	method := req.method
	if method == "" {
		method = http.MethodPost
	}
	var rd io.Reader
	if body != nil || method != http.MethodGet {
		rd = bytes.NewReader(body)
		if req.crashMid != "" && len(body) > 0 {
			rd = &crashReader{r: rd, at: len(body) / 2, hit: func() { c.crash.hit(req.crashMid) }}
		}
	}
	hr, err := http.NewRequestWithContext(ctx, method, c.baseURL+apiPrefix+req.path, rd)
	if err != nil {
		return nil, err
	}
	if rd != nil {
		hr.ContentLength = int64(len(body))
		if len(body) == 0 {
			hr.Body = http.NoBody
		}
	}
	for k, vs := range req.header {
		hr.Header[k] = vs
	}
	if rd != nil {
		ct := req.contentType
		if ct == "" {
			ct = "application/json"
		}
		hr.Header.Set("Content-Type", ct)
	}
	hr.Header.Set("Accept", "application/json")
	if req.gzipBody {
		hr.Header.Set("Content-Encoding", "gzip")
	}
	if c.cfg.language != "" {
		hr.Header.Set("Accept-Language", c.cfg.language)
	}
	if token != "" {
		hr.Header.Set("Authorization", "Bearer "+token)
	}
	requestID := "phone-" + newUUIDv7(0)[24:] // 48 random bits: enough to find it in the server's log
	hr.Header.Set("X-Request-ID", requestID)
	c.stats.requests.Add(1)
	c.stats.bytesSent.Add(int64(len(body)))
	res, err := c.http.Do(hr)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxAnswerBytes+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxAnswerBytes {
		return nil, errors.New("answer too large")
	}
	c.stats.bytesReceived.Add(int64(len(raw)))
	if strings.EqualFold(res.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		if raw, err = io.ReadAll(io.LimitReader(zr, maxAnswerBytes+1)); err != nil {
			return nil, err
		}
		if len(raw) > maxAnswerBytes {
			return nil, errors.New("answer too large")
		}
	}
	if id := res.Header.Get("X-Request-ID"); id != "" {
		requestID = id
	}
	return &response{status: res.StatusCode, header: res.Header, body: raw, requestID: requestID}, nil
}

// crashReader passes the body through and reaches a crash point at the first read after the
// first at bytes were handed over (so that they are on the connection when the process dies).
type crashReader struct {
	r    io.Reader
	at   int
	read int
	hit  func()
	done bool
}

func (cr *crashReader) Read(p []byte) (int, error) {
	if cr.read >= cr.at && !cr.done {
		cr.done = true
		cr.hit()
	} else if cr.read < cr.at && len(p) > cr.at-cr.read {
		p = p[:cr.at-cr.read] // stop at the middle
	}
	n, err := cr.r.Read(p)
	cr.read += n
	return n, err
}
