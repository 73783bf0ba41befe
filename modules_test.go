package ginjwt

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNestedModules runs the tests of the modules nested in this
// repository (the example app, the Redis store, the benchmarks, ...) so
// that `go test ./...` at the root checks every module: the go command's
// ./... pattern stops at module boundaries. -race and -short carry over.
func TestNestedModules(t *testing.T) {
	mods, err := filepath.Glob("*/go.mod")
	require.NoError(t, err)
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH: nested modules not run")
	}
	for _, mod := range mods {
		dir := filepath.Dir(mod)
		t.Run(dir, func(t *testing.T) {
			// Stat every file of the module, so that the go command's test
			// cache sees them as inputs and reruns this test when one
			// changes.
			require.NoError(
				t,
				filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
					if err == nil && !d.IsDir() {
						_, err = os.Stat(path)
					}
					return err
				}),
			)
			args := []string{"test", "-count=1"}
			if raceEnabled {
				args = append(args, "-race")
			}
			if testing.Short() {
				args = append(args, "-short")
			}
			cmd := exec.Command(goBin, append(args, "./...")...)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "go %s in %s:\n%s", strings.Join(args, " "), dir, out)
			t.Logf("go %s ./... in %s:\n%s", strings.Join(args, " "), dir, out)
		})
	}
}
