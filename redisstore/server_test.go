package redisstore_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// redisServer is a redis-server of the test's own, on a free loopback
// port, stopped when the test ends.
type redisServer struct {
	t       testing.TB
	addr    string
	dir     string
	persist bool
	cmd     *exec.Cmd
}

// startRedis starts a redis-server. With persist, every write is appended
// and fsynced before the server answers, so a killed server restarts with
// every revocation it acknowledged. Without redis-server the test skips,
// unless GINJWT_CI is set: in CI the Redis tests must run.
func startRedis(t testing.TB, persist bool) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("GINJWT_CI") != "" {
			t.Fatal("redis-server is not installed, and GINJWT_CI requires the Redis tests to run")
		}
		t.Skip("redis-server is not installed: skipping the Redis tests " +
			"(apt-get install redis-server to run them)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	s := &redisServer{t: t, addr: fmt.Sprintf("127.0.0.1:%d", port),
		dir: t.TempDir(), persist: persist}
	s.start()
	t.Cleanup(s.kill)
	return s
}

func (s *redisServer) start() {
	s.t.Helper()
	_, port, _ := net.SplitHostPort(s.addr)
	args := []string{"--port", port, "--bind", "127.0.0.1", "--dir", s.dir,
		"--save", "", "--daemonize", "no", "--logfile", filepath.Join(s.dir, "log")}
	if s.persist {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	s.cmd = exec.Command("redis-server", args...)
	require.NoError(s.t, s.cmd.Start())
	c := redis.NewClient(&redis.Options{Addr: s.addr})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
			s.t.Fatalf("redis-server did not start on %s:\n%s", s.addr, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill stops the server at once, as a crash would.
func (s *redisServer) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// restart starts the server again on the same port and directory.
func (s *redisServer) restart() {
	s.t.Helper()
	s.kill()
	s.start()
}

// client returns a client configured as the README recommends.
func (s *redisServer) client() *redis.Client {
	c := redis.NewClient(&redis.Options{
		Addr:                  s.addr,
		ContextTimeoutEnabled: true,
		DialTimeout:           200 * time.Millisecond,
		MaxRetries:            -1,
	})
	s.t.Cleanup(func() { _ = c.Close() })
	return c
}

func itoa(i int) string { return strconv.Itoa(i) }
