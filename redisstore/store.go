// Package redisstore is a ginjwt.Store on Redis, for applications that run
// more than one instance: a token or session revoked on one instance is
// refused on all of them, and revocations outlive restarts as long as
// Redis persists them.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
//	auth, err := ginjwt.NewAuth(ginjwt.Config{
//		Keys:  keys,
//		Store: redisstore.New(rdb, redisstore.Config{}),
//	})
//
// It takes a redis.UniversalClient, so a single node, Sentinel
// (redis.NewFailoverClient) and Cluster (redis.NewClusterClient) all
// work. Each revocation is one key, namespaced by Config.Prefix, that
// expires when the token it revokes could no longer verify anyway: Redis
// holds live revocations only.
package redisstore

import (
	"context"
	"time"

	"github.com/ginjwt/ginjwt"
	"github.com/redis/go-redis/v9"
)

// Config configures a Store.
type Config struct {
	// Prefix namespaces the keys. Default "ginjwt:revoked:".
	Prefix string
	// Now is the clock that turns expiry times into TTLs. Default
	// time.Now; give it the Auth's clock.
	Now func() time.Time
}

// Store is a ginjwt.Store on Redis. It is safe for concurrent use.
type Store struct {
	client redis.UniversalClient
	prefix string
	now    func() time.Time
}

var _ ginjwt.Store = (*Store)(nil)

// New returns a Store on client.
func New(client redis.UniversalClient, cfg Config) *Store {
	if cfg.Prefix == "" {
		cfg.Prefix = "ginjwt:revoked:"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Store{client: client, prefix: cfg.Prefix, now: cfg.Now}
}

// revoke sets a key that does not exist, or lengthens the life of one that
// does, in one atomic step on the server, so that of concurrent calls for
// one key exactly one sees 1.
var revoke = redis.NewScript(`
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
	return 1
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl >= 0 and ttl < tonumber(ARGV[1]) then
	redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return 0
`)

// Revoke implements ginjwt.Store.
func (s *Store) Revoke(ctx context.Context, id string, until time.Time) (bool, error) {
	ttl := until.Sub(s.now()).Milliseconds()
	if ttl <= 0 {
		// Nothing to keep: no token carrying id can verify any more.
		return true, ctx.Err()
	}
	n, err := revoke.Run(ctx, s.client, []string{s.prefix + id}, ttl).Int()
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// Revoked implements ginjwt.Store. Several IDs are looked up in one
// round trip (per node, on a cluster).
func (s *Store) Revoked(ctx context.Context, ids ...string) (bool, error) {
	switch len(ids) {
	case 0:
		return false, ctx.Err()
	case 1:
		n, err := s.client.Exists(ctx, s.prefix+ids[0]).Result()
		return n > 0, err
	}
	cmds := make([]*redis.IntCmd, len(ids))
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.Exists(ctx, s.prefix+id)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	for _, c := range cmds {
		if c.Val() > 0 {
			return true, nil
		}
	}
	return false, nil
}
