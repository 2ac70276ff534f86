package simulator

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// console is a small client of the back-office API (/api/v1, server/consolehttp/openapi.yaml) for
// the set-up and the verification: the simulator reaches the server through its APIs only.
type console struct {
	base  string
	http  *http.Client
	token string
}

// apiError is an error answer of the console API.
type apiError struct {
	Status int
	Code   string
	Body   string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code, strings.TrimSpace(e.Body))
}

func newConsole(base string) *console {
	return &console{base: strings.TrimRight(base, "/"), http: &http.Client{Timeout: 2 * time.Minute}}
}

// login logs in to the console (POST /api/v1/auth/login).
func (c *console) login(ctx context.Context, login, password string) error {
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	err := c.call(ctx, http.MethodPost, "/api/v1/auth/login", map[string]string{"login": login, "password": password,
		"session_id": "simulator-" + login}, &pair)
	if err != nil {
		return fmt.Errorf("console login %s: %w", login, err)
	}
	c.token = pair.AccessToken
	return nil
}

// call sends a JSON request and decodes a 2xx answer into out (when not nil). Lost connections and
// 5xx are retried a few times (the set-up and the verification run on a loaded machine too).
func (c *console) call(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	var last error
	for attempt := range 6 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(200<<attempt) * time.Millisecond):
			}
		}
		req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
		if err != nil {
			return err
		}
		if in != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept-Language", "en")
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		res, err := c.http.Do(req)
		if err != nil {
			last = err
			continue
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			last = err
			continue
		}
		if res.StatusCode >= 500 {
			last = decodeAPIError(res.StatusCode, b)
			continue
		}
		if res.StatusCode/100 != 2 {
			return decodeAPIError(res.StatusCode, b)
		}
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				return fmt.Errorf("%s %s: %w", method, path, err)
			}
		}
		return nil
	}
	return fmt.Errorf("%s %s: %w", method, path, last)
}

func decodeAPIError(status int, b []byte) error {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	json.Unmarshal(b, &e)
	return &apiError{Status: status, Code: e.Error.Code, Body: string(b)}
}

// download streams a body through SHA-256 (GET; the console's evidence content), retried like call.
func (c *console) download(ctx context.Context, path string) (sum string, size int64, err error) {
	sum, size, _, err = c.fetch(ctx, path)
	return sum, size, err
}

// fetch is download that also returns the answer's ETag (a record's document carries its SHA-256
// there).
func (c *console) fetch(ctx context.Context, path string) (sum string, size int64, etag string, err error) {
	for attempt := range 6 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return "", 0, "", ctx.Err()
			case <-time.After(time.Duration(200<<attempt) * time.Millisecond):
			}
		}
		req, rerr := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
		if rerr != nil {
			return "", 0, "", rerr
		}
		req.Header.Set("Authorization", "Bearer "+c.token)
		res, derr := c.http.Do(req)
		if derr != nil {
			err = derr
			continue
		}
		if res.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			err = decodeAPIError(res.StatusCode, b)
			if res.StatusCode >= 500 {
				continue
			}
			return "", 0, "", err
		}
		h := sha256.New()
		size, err = io.Copy(h, res.Body)
		res.Body.Close()
		if err != nil {
			continue
		}
		return hex.EncodeToString(h.Sum(nil)), size, res.Header.Get("ETag"), nil
	}
	return "", 0, "", err
}
