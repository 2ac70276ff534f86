package app_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/app"
	"github.com/skhcn-caobang/thanhtra/server/app/apptest"
)

// TestGracefulShutdownFinishesRequestsInFlight starts a request, begins the shutdown while the request
// body is still arriving, and checks that the request is answered in full before Serve returns, while
// new connections are refused.
func TestGracefulShutdownFinishesRequestsInFlight(t *testing.T) {
	cfg := apptest.Config(t)
	h := apptest.Hasher
	a, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{Hasher: &h})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()

	// A slow upload: the handler has started and is still reading the body when the shutdown begins.
	// (net/http drops a request whose first bytes it had not read when shutdown began; that one was
	// never in flight.)
	started := make(chan struct{})
	a.Echo.POST("/test/slow-upload", func(c echo.Context) error {
		close(started)
		b, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		return c.String(http.StatusOK, "received "+strconv.Itoa(len(b)))
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := strings.Repeat("ảnh ", 1000)
	head := "POST /test/slow-upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	if _, err := io.WriteString(conn, head+body[:10]); err != nil {
		t.Fatal(err)
	}
	<-started
	cancel()
	// Wait until the listener is closed: new connections are refused.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener stayed open after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("Serve returned (%v) with a request still in flight", err)
	default:
	}
	if _, err := io.WriteString(conn, body[10:]); err != nil {
		t.Fatalf("the in-flight connection was cut: %v", err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to the in-flight request: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(b) != "received "+strconv.Itoa(len(body)) {
		t.Fatalf("in-flight request: %d %s", res.StatusCode, b)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(cfg.ShutdownTimeout + 5*time.Second):
		t.Fatal("Serve did not return after the last request")
	}
}
