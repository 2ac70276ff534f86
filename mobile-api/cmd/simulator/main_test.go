package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestRunRefusesBadFlags: a run that cannot start exits 2 with the reason, before any request.
func TestRunRefusesBadFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"-phone", "3"}, "flag provided but not defined"},
		{"drop not a fraction", []string{"-drop", "1.5"}, "-drop and -cut are fractions"},
		{"negative cut", []string{"-cut", "-0.1"}, "-drop and -cut are fractions"},
		{"setup without a password", []string{"-setup"}, "-setup needs -admin-password"},
		{"no accounts", []string{"-server", "http://127.0.0.1:1"}, "no logins"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(tc.args, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut.String(), tc.want)
			}
		})
	}
}
