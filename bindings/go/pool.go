package pocketdock

/*
#include "pocketdock.h"
*/
import "C"

import (
	"context"
	"runtime"
	"sync"
	"time"
)

// PoolConfig configures NewPool; zero values take the library's defaults (docs/pool.md).
type PoolConfig struct {
	// Container holds the options of every member, as for CreateContainer (no WithName,
	// no WithPersist(true)).
	Container []Option
	// MinIdle is how many ready members the pool keeps idle (0: 2).
	MinIdle int
	// MaxSize is the most members at once, idle, in use and being created (0: 8).
	MaxSize int
	// Parallel is the most creates at once while the pool fills (0: 2).
	Parallel int
	// Warmup is a shell command run in every new member before it counts as ready.
	Warmup string
	// Recycle makes Release kill a member's processes and hand it out again instead of
	// destroying it; files and everything else are NOT reset.
	Recycle bool
	// HealthInterval is how often idle members are checked (0: 5 s; NoTimeout: never,
	// members are still checked at Acquire).
	HealthInterval time.Duration
	// Engines are more engines for the pool's set, after the Client given to NewPool (if
	// any): members go to the least loaded engine that answers.
	Engines []PoolEngine
}

// PoolEngine is one engine of a pool's set.
type PoolEngine struct {
	Client *Client
	// Weight is its share of the members relative to the others (0: 1).
	Weight uint32
	// Limit is the most members on it at once (0: no limit but MaxSize).
	Limit int
}

// PoolStats are a pool's counters (pd_pool_stats).
type PoolStats struct {
	Idle, InUse, Creating int
	Created, Failed       uint64
	EnginesDown           int
	// AcquireP50 and AcquireP95 are over the last (up to 1024) acquires.
	AcquireP50, AcquireP95 time.Duration
}

// Pool is a warm pool of sandboxes (pd_pool): members are created ahead of time and handed
// out by Acquire in milliseconds. It is safe for concurrent use by multiple goroutines.
// Close it when done (it removes every member).
type Pool struct {
	mu      sync.RWMutex
	ptr     *C.pd_pool
	cleanup runtime.Cleanup
	id      string
	client  *Client
	engines []PoolEngine // kept reachable while the pool uses them
}

func freePool(p *C.pd_pool) {
	freedByCleanup.Add(1)
	C.pd_pool_free(p)
}

// NewPool starts a pool on client's engine (nil when cfg.Engines names them), plus the
// engines of cfg.Engines (pd_pool_new). It returns at once; members are created in the
// background. Errors: ErrInvalidArgument (bad sizes or options, no engine at all).
func NewPool(ctx context.Context, client *Client, cfg PoolConfig) (*Pool, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := abiOnce(); err != nil {
		return nil, err
	}
	o := C.pd_pool_opts_new()
	if o == nil {
		return nil, &Error{Op: "pool", Code: CodeInternal, Message: "pd_pool_opts_new returned NULL"}
	}
	defer C.pd_pool_opts_free(o)
	if err := setPoolOpts(o, cfg); err != nil {
		return nil, err
	}
	var p *C.pd_pool
	var e *C.pd_error
	var st C.pd_status
	if client != nil {
		err := client.call(ctx, "pool", func(c *C.pd_client, e **C.pd_error) C.pd_status {
			return C.pd_pool_new(c, o, &p, e)
		})
		if err != nil {
			return nil, err
		}
	} else if st = C.pd_pool_new(nil, o, &p, &e); st != C.PD_OK {
		return nil, takeError("pool", st, e)
	}
	pool := &Pool{ptr: p, id: C.GoString(C.pd_pool_id(p)), client: client, engines: cfg.Engines}
	pool.cleanup = runtime.AddCleanup(pool, freePool, p)
	return pool, nil
}

func setPoolOpts(o *C.pd_pool_opts, cfg PoolConfig) error {
	var e *C.pd_error
	check := func(name string, st C.pd_status) error {
		if st != C.PD_OK {
			return takeError("pool option "+name, st, e)
		}
		return nil
	}
	co := C.pd_container_opts_new()
	if co == nil {
		return &Error{Op: "pool", Code: CodeInternal, Message: "pd_container_opts_new returned NULL"}
	}
	defer C.pd_container_opts_free(co)
	cc := createConfig{opts: co, timeout: DefaultTimeout}
	for _, opt := range cfg.Container {
		if opt != nil {
			opt(&cc)
		}
	}
	if cc.err != nil {
		return cc.err
	}
	if err := check("container", C.pd_pool_opts_set_container_opts(o, co, &e)); err != nil {
		return err
	}
	sizes := []struct {
		name string
		v    int
		set  func(C.size_t) C.pd_status
	}{
		{"min_idle", cfg.MinIdle, func(v C.size_t) C.pd_status { return C.pd_pool_opts_set_min_idle(o, v, &e) }},
		{"max_size", cfg.MaxSize, func(v C.size_t) C.pd_status { return C.pd_pool_opts_set_max_size(o, v, &e) }},
		{"parallel", cfg.Parallel, func(v C.size_t) C.pd_status { return C.pd_pool_opts_set_parallel(o, v, &e) }},
	}
	for _, s := range sizes {
		if s.v < 0 {
			return &Error{Op: "pool option " + s.name, Code: CodeInvalidArgument, Message: s.name + " must not be negative"}
		}
		if s.v > 0 {
			if err := check(s.name, s.set(C.size_t(s.v))); err != nil {
				return err
			}
		}
	}
	if cfg.Warmup != "" {
		cs, err := cString("pool option warmup", "warmup", cfg.Warmup)
		if err != nil {
			return err
		}
		defer cFree(cs)
		if err := check("warmup", C.pd_pool_opts_set_warmup(o, cs, &e)); err != nil {
			return err
		}
	}
	if err := check("recycle", C.pd_pool_opts_set_recycle(o, C.bool(cfg.Recycle), &e)); err != nil {
		return err
	}
	if cfg.HealthInterval != 0 {
		if err := check("health_interval", C.pd_pool_opts_set_health_interval_ms(o, millis(cfg.HealthInterval), &e)); err != nil {
			return err
		}
	}
	for _, eng := range cfg.Engines {
		if eng.Client == nil || eng.Limit < 0 {
			return &Error{Op: "pool option engine", Code: CodeInvalidArgument, Message: "an engine needs a Client and a limit >= 0"}
		}
		w := eng.Weight
		if w == 0 {
			w = 1
		}
		err := eng.Client.call(context.Background(), "pool option engine", func(c *C.pd_client, e **C.pd_error) C.pd_status {
			return C.pd_pool_opts_add_engine(o, c, C.uint32_t(w), C.size_t(eng.Limit), e)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// withHandle makes one C call with the pool handle held live.
func (p *Pool) withHandle(op string, call func(ptr *C.pd_pool, e **C.pd_error) C.pd_status) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.ptr == nil {
		return errClosed(op, "pool")
	}
	var e *C.pd_error
	st := call(p.ptr, &e)
	runtime.KeepAlive(p)
	if st != C.PD_OK {
		return takeError(op, st, e)
	}
	return nil
}

// ID is the pool's id, the value of its members' pocketdock.pool label.
func (p *Pool) ID() string { return p.id }

// Acquire hands out a ready sandbox, checked alive just before (pd_pool_acquire). When none
// is idle it waits up to timeout (the timeout rule: 0 does not wait, NoTimeout waits without
// limit; a sooner ctx deadline becomes the limit), then fails with ErrTimeout saying how
// many are in use. ErrInvalidState once the pool is shut down. Give the sandbox back with
// Release.
func (p *Pool) Acquire(ctx context.Context, timeout time.Duration) (*Container, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); timeout < 0 || left < timeout {
			timeout = max(left, 0)
		}
	}
	var c *C.pd_container
	err := p.withHandle("acquire", func(ptr *C.pd_pool, e **C.pd_error) C.pd_status {
		return C.pd_pool_acquire(ptr, millis(timeout), &c, e)
	})
	if err != nil {
		return nil, err
	}
	return newContainer(p.client, c), nil
}

// Release gives back a sandbox Acquire handed out (pd_pool_release) and frees its handle:
// do not use c afterwards. By default the sandbox is destroyed and replaced; with Recycle
// it goes back idle. ErrInvalidArgument for one not from this pool or released already.
func (p *Pool) Release(ctx context.Context, c *Container) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := c.withHandle("release", func(e **C.pd_error) C.pd_status {
		return p.releaseHandle(c.ptr, e)
	})
	if err == nil {
		c.Release()
	}
	return err
}

func (p *Pool) releaseHandle(c *C.pd_container, e **C.pd_error) C.pd_status {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.ptr == nil {
		return C.PD_ERR_INVALID_STATE
	}
	st := C.pd_pool_release(p.ptr, c, e)
	runtime.KeepAlive(p)
	return st
}

// Stats reads the pool's counters (pd_pool_get_stats).
func (p *Pool) Stats() (PoolStats, error) {
	var s C.pd_pool_stats
	err := p.withHandle("stats", func(ptr *C.pd_pool, e **C.pd_error) C.pd_status {
		return C.pd_pool_get_stats(ptr, &s, e)
	})
	return PoolStats{
		Idle:        int(s.idle),
		InUse:       int(s.in_use),
		Creating:    int(s.creating),
		Created:     uint64(s.created),
		Failed:      uint64(s.failed),
		EnginesDown: int(s.engines_down),
		AcquireP50:  time.Duration(s.acquire_p50_us) * time.Microsecond,
		AcquireP95:  time.Duration(s.acquire_p95_us) * time.Microsecond,
	}, err
}

// Shutdown removes every member, idle or handed out (pd_pool_shutdown); later Acquires
// fail with ErrInvalidState. Idempotent.
func (p *Pool) Shutdown(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return p.withHandle("pool shutdown", func(ptr *C.pd_pool, e **C.pd_error) C.pd_status {
		return C.pd_pool_shutdown(ptr, e)
	})
}

// Close shuts the pool down (see Shutdown) and frees its handle. Idempotent. The shutdown
// runs first with the handle shared, so Acquires blocked on the pool return (ErrInvalidState)
// instead of holding Close up.
func (p *Pool) Close() error {
	p.mu.RLock()
	open := p.ptr != nil
	p.mu.RUnlock()
	if !open {
		return nil
	}
	err := p.Shutdown(context.Background())
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ptr == nil {
		return nil
	}
	p.cleanup.Stop()
	C.pd_pool_free(p.ptr)
	p.ptr = nil
	return err
}
