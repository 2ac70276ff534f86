package document

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsNothingFromTheServer: the phone client embeds this package (DECISIONS D10), so it may
// depend on the standard library, fpdf and golang.org/x/text only — nothing of the server, no
// database, HTTP or object-store library.
func TestImportsNothingFromTheServer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const self = "github.com/skhcn-caobang/thanhtra/mobile-api/document"
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case dep == self, strings.HasPrefix(dep, "github.com/go-pdf/fpdf"), strings.HasPrefix(dep, "golang.org/x/text/"):
		default:
			t.Errorf("the renderer depends on %s", dep)
		}
	}
}
