// Command example serves a small API protected by ginjwt: password login
// with JSON tokens and cookies, refresh, logout, optional and fresh-only
// routes, an admin group, and two routes that panic to show the recovery
// handler at work. Its page at / drives the cookie flow from a browser.
//
//	go run ./example
//
// Settings come from the environment: ADDR (default 127.0.0.1:8080),
// GIN_MODE, JWT_SECRET (at least 32 bytes; random per start when unset).
package main

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
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
	app, err := newApp(appConfig{Secret: secret, Logger: logger})
	if err != nil {
		return err
	}
	logger.Info("serving", "url", fmt.Sprintf("http://%s/", addr))
	return app.Run(addr)
}
