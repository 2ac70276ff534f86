package client

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestBuildsForAndroid is the CI check that the package an app embeds builds for Android
// (GOOS=android GOARCH=arm64, without cgo, as gomobile builds it) and carries none of the server's
// code. The first build compiles the pure-Go SQLite for arm64 (minutes on a cold build cache; then
// cached).
func TestBuildsForAndroid(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles the package")
	}
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		if gobin, err = exec.LookPath("go"); err != nil {
			t.Skip("\n########## NO go TOOL: the Android build check of mobile-api/client DID NOT RUN ##########")
		}
	}
	t.Parallel()
	_, self, _, _ := runtime.Caller(0)
	dir := filepath.Dir(self) // this package, wherever the test binary runs
	cmd := exec.Command(gobin, "build", "-o", os.DevNull, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=android", "GOARCH=arm64", "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=android GOARCH=arm64 go build ./mobile-api/client: %v\n%s", err, out)
	}
	list := exec.Command(gobin, "list", "-deps", ".")
	list.Env, list.Dir = cmd.Env, dir
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		// The document renderer is shared with the server by design (D10); nothing else of the project.
		if strings.HasPrefix(dep, "github.com/skhcn-caobang/thanhtra/") && dep != "github.com/skhcn-caobang/thanhtra/mobile-api/client" &&
			dep != "github.com/skhcn-caobang/thanhtra/mobile-api/document" {
			t.Errorf("the phone client imports %s: it must carry no server code", dep)
		}
		for _, heavy := range []string{"gorm.io/", "github.com/labstack/echo", "github.com/minio/"} {
			if strings.HasPrefix(dep, heavy) {
				t.Errorf("the phone client imports %s", dep)
			}
		}
	}
}
