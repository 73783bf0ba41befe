// Command example serves a small API protected by ginjwt: password login
// with JSON tokens and cookies, refresh, logout, optional and fresh-only
// routes, an admin group, and two routes that panic to show the recovery
// handler at work. Its page at / drives the cookie flow from a browser.
//
//	go run ./example
//
// Settings come from the environment: ADDR (default 127.0.0.1:8080),
// GIN_MODE, JWT_SECRET (at least 32 bytes; random per start when unset),
// and REDIS_URL (such as redis://127.0.0.1:6379): when set, revocations
// live in Redis, shared by every instance, and refresh tokens rotate.
package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/ginjwt/ginjwt/redisstore"
	"github.com/redis/go-redis/v9"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(logger); err != nil {
		logger.Error("example stopped", "error", err)
		os.Exit(1)
	}
}

func run(logger *slog.Logger) error {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	secret := []byte(os.Getenv("JWT_SECRET"))
	if len(secret) == 0 {
		logger.Warn("JWT_SECRET is not set: using a random secret, " +
			"so tokens do not survive a restart")
		secret = []byte(rand.Text() + rand.Text())
	}
	cfg := appConfig{Secret: secret, Logger: logger}
	if url := os.Getenv("REDIS_URL"); url != "" {
		rdb, err := connectRedis(url)
		if err != nil {
			return err
		}
		defer rdb.Close()
		cfg.Store = redisstore.New(rdb, redisstore.Config{})
		cfg.Rotate = true
		logger.Info("revocations in Redis, refresh tokens rotate", "redis", rdb.Options().Addr)
	}
	app, err := newApp(cfg)
	if err != nil {
		return err
	}
	logger.Info("serving", "url", fmt.Sprintf("http://%s/", addr))
	return app.Run(addr)
}

// connectRedis opens a client on url and checks that Redis answers.
func connectRedis(url string) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	// Let request deadlines bound socket reads too.
	opt.ContextTimeoutEnabled = true
	rdb := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("redis at %s: %w", opt.Addr, err)
	}
	return rdb, nil
}
