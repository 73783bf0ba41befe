package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/ginjwt/ginjwt"
	"github.com/ginjwt/ginjwt/redisstore"
	"github.com/ginjwt/ginjwt/storetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConformance(t *testing.T) {
	srv := startRedis(t, false)
	rdb := srv.client()
	n := 0
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) ginjwt.Store {
			n++ // a fresh namespace per subtest: an empty store
			return redisstore.New(
				rdb,
				redisstore.Config{Prefix: "conformance:" + itoa(n) + ":"},
			)
		},
	})
}

func TestKeysAreNamespacedAndExpire(t *testing.T) {
	srv := startRedis(t, false)
	rdb := srv.client()
	ctx := context.Background()
	s := redisstore.New(rdb, redisstore.Config{Prefix: "app1:"})
	_, err := s.Revoke(ctx, "jti-1", time.Now().Add(time.Hour))
	require.NoError(t, err)

	ttl, err := rdb.PTTL(ctx, "app1:jti-1").Result()
	require.NoError(t, err)
	assert.InDelta(
		t,
		time.Hour.Seconds(),
		ttl.Seconds(),
		5,
		"the TTL is the token's remaining life",
	)

	other := redisstore.New(rdb, redisstore.Config{Prefix: "app2:"})
	revoked, err := other.Revoked(ctx, "jti-1")
	require.NoError(t, err)
	assert.False(t, revoked, "prefixes keep applications apart")

	keys, err := rdb.Keys(ctx, "*").Result()
	require.NoError(t, err)
	assert.Equal(t, []string{"app1:jti-1"}, keys)
}
