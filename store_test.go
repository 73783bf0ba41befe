package ginjwt_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ginjwt/ginjwt"
	"github.com/ginjwt/ginjwt/storetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemoryStoreConformance(t *testing.T) {
	var now time.Time
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) ginjwt.Store {
			now = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
			return ginjwt.NewMemoryStore(
				ginjwt.MemoryStoreConfig{Now: func() time.Time { return now }},
			)
		},
		Now:     func() time.Time { return now },
		Advance: func(d time.Duration) { now = now.Add(d) },
	})
}

func TestMemoryStoreIsBounded(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	s := ginjwt.NewMemoryStore(ginjwt.MemoryStoreConfig{
		MaxEntries: 100,
		Now:        func() time.Time { return now },
	})
	ctx := context.Background()
	for i := range 100 {
		_, err := s.Revoke(ctx, fmt.Sprint(i), now.Add(time.Duration(i+1)*time.Minute))
		require.NoError(t, err)
	}
	_, err := s.Revoke(ctx, "one more", now.Add(time.Hour))
	assert.ErrorIs(t, err, ginjwt.ErrStoreFull, "a live revocation is never dropped")
	revoked, err := s.Revoked(ctx, "0")
	require.NoError(t, err)
	assert.True(t, revoked)

	now = now.Add(30*time.Minute + time.Second) // 30 entries have expired
	_, err = s.Revoke(ctx, "one more", now.Add(time.Hour))
	require.NoError(t, err, "expired entries make room")
	assert.Equal(t, 71, s.Len())
}
