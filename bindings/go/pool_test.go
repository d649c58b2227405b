package pocketdock

import (
	"errors"
	"testing"
	"time"
)

func TestPoolHandsOutWarmSandboxesAndRemovesThemAll(t *testing.T) {
	ctx := testCtx(t)
	p, err := NewPool(ctx, testClient, PoolConfig{
		Container: []Option{WithLabel(testLabelKey, testLabelValue)},
		MinIdle:   1,
		MaxSize:   2,
	})
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	if len(p.ID()) < 6 || p.ID()[:5] != "pool-" {
		t.Fatalf("ID %q", p.ID())
	}
	a, err := p.Acquire(ctx, time.Minute)
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	if out := mustRun(t, a, "echo pooled").Stdout; string(out) != "pooled\n" {
		t.Fatalf("stdout %q", out)
	}
	b, err := p.Acquire(ctx, time.Minute)
	if err != nil {
		t.Fatalf("second Acquire: %v", err)
	}
	// max 2, both in use: "do not wait" fails at once with a timeout.
	if _, err := p.Acquire(ctx, 0); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Acquire on an exhausted pool: %v", err)
	}
	s, err := p.Stats()
	if err != nil || s.InUse != 2 || s.Created < 2 || s.AcquireP50 <= 0 {
		t.Fatalf("Stats %+v, %v", s, err)
	}
	name := a.Name()
	if err := p.Release(ctx, a); err != nil {
		t.Fatalf("Release: %v", err)
	}
	c, err := p.Acquire(ctx, time.Minute)
	if err != nil || c.Name() == name {
		t.Fatalf("Acquire after a release: %v (a released sandbox must not come back)", err)
	}
	if err := p.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	// The members still held were removed with the pool.
	eng := testEngine(t)
	for _, held := range []*Container{b, c} {
		if eng.inspect(t, held.Name()) != nil {
			t.Errorf("%s survived the shutdown", held.Name())
		}
		held.Release()
	}
	if _, err := p.Acquire(ctx, 0); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("Acquire after Shutdown: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := p.Stats(); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("Stats after Close: %v", err)
	}
}

func TestPoolRefusesBadConfig(t *testing.T) {
	ctx := testCtx(t)
	for name, cfg := range map[string]PoolConfig{
		"min over max": {MinIdle: 3, MaxSize: 2},
		"negative":     {Parallel: -1},
		"named":        {Container: []Option{WithName("fixed")}},
		"nil engine":   {Engines: []PoolEngine{{}}},
	} {
		if _, err := NewPool(ctx, testClient, cfg); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := NewPool(ctx, nil, PoolConfig{}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("no engine at all: %v", err)
	}
}

func TestPoolCloseWakesABlockedAcquire(t *testing.T) {
	ctx := testCtx(t)
	p, err := NewPool(ctx, testClient, PoolConfig{
		Container: []Option{WithLabel(testLabelKey, testLabelValue)},
		MinIdle:   1,
		MaxSize:   1,
	})
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	held, err := p.Acquire(ctx, time.Minute)
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	defer held.Release()
	done := make(chan error, 1)
	go func() {
		_, err := p.Acquire(ctx, NoTimeout)
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrInvalidState) {
			t.Fatalf("blocked Acquire ended with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not wake the blocked Acquire")
	}
}
