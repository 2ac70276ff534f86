package contract

import (
	"bytes"
	"os"
	"testing"
)

func TestEmbeddedCopyIsCurrent(t *testing.T) {
	src, err := os.ReadFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(src, OpenAPI) {
		t.Fatal("mobile-api/contract/openapi.gen.yaml is stale: run `go generate ./mobile-api/...`")
	}
}
