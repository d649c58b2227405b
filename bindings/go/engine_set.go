package pocketdock

/*
#include "pocketdock.h"
*/
import "C"

import (
	"context"
	"runtime"
	"sync"
)

// EngineSet is several engines to create single sandboxes on (pd_engine_set): each
// CreateContainer goes to the least loaded engine that answers. (A Pool takes its engines
// in PoolConfig.Engines.) It is safe for concurrent use by multiple goroutines. Close it
// when done; sandboxes created on it stay valid.
type EngineSet struct {
	mu      sync.RWMutex
	ptr     *C.pd_engine_set
	cleanup runtime.Cleanup
	engines []PoolEngine
}

func freeEngineSet(p *C.pd_engine_set) { C.pd_engine_set_free(p) }

// NewEngineSet makes a set of engines (pd_engine_set_new, pd_engine_set_add), in order:
// each a Client, its Weight (0: 1) and its Limit on running pocketdock containers (0: no
// limit). Errors: ErrInvalidArgument (no engine, a nil or closed Client, a negative limit).
func NewEngineSet(engines ...PoolEngine) (*EngineSet, error) {
	if err := abiOnce(); err != nil {
		return nil, err
	}
	if len(engines) == 0 {
		return nil, &Error{Op: "engine set", Code: CodeInvalidArgument, Message: "an engine set needs at least one engine"}
	}
	p := C.pd_engine_set_new()
	if p == nil {
		return nil, &Error{Op: "engine set", Code: CodeInternal, Message: "pd_engine_set_new returned NULL"}
	}
	for _, eng := range engines {
		if eng.Client == nil || eng.Limit < 0 {
			C.pd_engine_set_free(p)
			return nil, &Error{Op: "engine set", Code: CodeInvalidArgument, Message: "an engine needs a Client and a limit >= 0"}
		}
		w := eng.Weight
		if w == 0 {
			w = 1
		}
		err := eng.Client.call(context.Background(), "engine set", func(c *C.pd_client, e **C.pd_error) C.pd_status {
			return C.pd_engine_set_add(p, c, C.uint32_t(w), C.size_t(eng.Limit), e)
		})
		if err != nil {
			C.pd_engine_set_free(p)
			return nil, err
		}
	}
	s := &EngineSet{ptr: p, engines: append([]PoolEngine(nil), engines...)}
	s.cleanup = runtime.AddCleanup(s, freeEngineSet, p)
	return s, nil
}

// CreateContainer creates and starts one sandbox on the least loaded engine of the set (the
// fewest running pocketdock containers per unit of weight, asked of each engine now, among
// those under their limit), passing over engines that do not answer (pd_engine_set_create).
// The Container's Client() is that engine's Client. Errors as for Client.CreateContainer,
// plus ErrInvalidState when every engine is at its limit, and the last engine's error
// (ErrIO, ErrEngineNotFound) when none answered. ctx is checked before the call only.
func (s *EngineSet) CreateContainer(ctx context.Context, opts ...Option) (*Container, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o, err := containerOpts("create", opts)
	if err != nil {
		return nil, err
	}
	defer C.pd_container_opts_free(o)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.ptr == nil {
		return nil, errClosed("create", "engine set")
	}
	var p *C.pd_container
	var idx C.size_t
	var e *C.pd_error
	st := C.pd_engine_set_create(s.ptr, o, &p, &idx, &e)
	runtime.KeepAlive(s)
	if st != C.PD_OK {
		return nil, takeError("create", st, e)
	}
	var client *Client
	if int(idx) < len(s.engines) {
		client = s.engines[idx].Client
	}
	return newContainer(client, p), nil
}

// Close frees the set (pd_engine_set_free). Idempotent; it does not touch sandboxes
// created on it.
func (s *EngineSet) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ptr != nil {
		s.cleanup.Stop()
		C.pd_engine_set_free(s.ptr)
		s.ptr = nil
	}
	return nil
}
