// Package tooltest finds the real tools (qemu-img, cryptsetup) that tests
// check atrest's formats against. It is plumbing for tests, not API.
package tooltest

import (
	"os"
	"os/exec"
	"testing"
)

// RequireEnv is the environment variable that makes a missing tool a test
// failure instead of a skip. CI sets it, so CI never skips these checks.
const RequireEnv = "ATREST_REQUIRE_TOOLS"

// Path returns the path of the named tool. When the tool is not installed the
// test is skipped with a message saying how to install it, or fails when
// RequireEnv is set.
func Path(t testing.TB, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv(RequireEnv) != "" {
		t.Fatalf("%s not found and %s is set: install Debian's %s", name, RequireEnv, debianPackage)
	}
	t.Skipf("%s not found: install Debian's %s to run this check (CI does)", name, debianPackage)
	return ""
}
