package pocketdock

/*
#include "pocketdock.h"
*/
import "C"

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Container is a running sandbox. It is safe for concurrent use by multiple goroutines.
//
// Close it when done (it shuts the sandbox down and frees the C handle). If a Container
// becomes unreachable without Close, a cleanup frees the C handle, but it does not shut
// the sandbox down: that is engine I/O, which a garbage-collector cleanup must not do.
type Container struct {
	// mu guards ptr: C calls hold it for reading, Close holds it for writing to free.
	mu       sync.RWMutex
	ptr      *C.pd_container
	cleanup  runtime.Cleanup
	name     string
	id       atomic.Pointer[string] // replaced by a fresh Reboot
	timeout  time.Duration          // the default run timeout, to cap it by a context deadline
	shutDown atomic.Bool
	// client is the Client this was made from, kept reachable as long as the Container is.
	// Freeing order is safe either way (the C container holds its own reference to the
	// client), so this serves Client() and keeps the Go lifetimes simple to reason about.
	client *Client
}

// freedByCleanup counts C handles freed by a cleanup rather than by Close (for tests).
var freedByCleanup atomic.Int64

func freeContainer(p *C.pd_container) {
	freedByCleanup.Add(1)
	C.pd_container_free(p)
}

// CreateContainer creates and starts a sandbox on the client's engine and waits until it
// runs (pd_container_create).
//
// Errors to branch on: ErrImageNotFound, ErrNameConflict, ErrInvalidArgument (a bad option,
// e.g. a malformed memory limit), ErrInvalidState (the Client is closed). ctx is checked
// before the call; the call itself is not interrupted by cancelling ctx.
func (cl *Client) CreateContainer(ctx context.Context, opts ...Option) (*Container, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o, err := containerOpts("create", opts)
	if err != nil {
		return nil, err
	}
	defer C.pd_container_opts_free(o)
	var p *C.pd_container
	err = cl.call(ctx, "create", func(client *C.pd_client, e **C.pd_error) C.pd_status {
		return C.pd_container_create(client, o, &p, e)
	})
	if err != nil {
		return nil, err
	}
	return newContainer(cl, p), nil
}

// containerOpts builds the pd_container_opts of a create from opts; the caller frees it.
func containerOpts(op string, opts []Option) (*C.pd_container_opts, error) {
	o := C.pd_container_opts_new()
	if o == nil {
		return nil, &Error{Op: op, Code: CodeInternal, Message: "pd_container_opts_new returned NULL"}
	}
	cfg := createConfig{opts: o, timeout: DefaultTimeout}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	if cfg.err != nil {
		C.pd_container_opts_free(o)
		return nil, cfg.err
	}
	return o, nil
}

// OpenContainer opens a handle on an existing container by name or id on the client's
// engine (pd_container_open), for example one another process created. A container that
// does not exist is ErrContainerNotFound.
//
// Close shuts an opened container down as it would a created one; to leave it running,
// free the handle with Release instead. Runs in an opened container use the library's
// default timeout (DefaultTimeout) unless WithRunTimeout says otherwise.
func (cl *Client) OpenContainer(ctx context.Context, nameOrID string) (*Container, error) {
	cname, err := cString("open", "name or id", nameOrID)
	if err != nil {
		return nil, err
	}
	defer cFree(cname)
	var p *C.pd_container
	err = cl.call(ctx, "open", func(client *C.pd_client, e **C.pd_error) C.pd_status {
		return C.pd_container_open(client, cname, &p, e)
	})
	if err != nil {
		return nil, err
	}
	return newContainer(cl, p), nil
}

// newContainer wraps a handle; its default timeout is the one the library recorded for the
// sandbox (an opened or resumed one keeps the timeout it was created with).
func newContainer(client *Client, p *C.pd_container) *Container {
	c := &Container{
		client:  client,
		ptr:     p,
		name:    C.GoString(C.pd_container_name(p)),
		timeout: time.Duration(C.pd_container_timeout_ms(p)) * time.Millisecond,
	}
	id := C.GoString(C.pd_container_id(p))
	c.id.Store(&id)
	c.cleanup = runtime.AddCleanup(c, freeContainer, p)
	return c
}

// Client is the client the container was made from.
func (c *Container) Client() *Client { return c.client }

// Name is the container's name (also the engine's container name).
func (c *Container) Name() string { return c.name }

// ID is the engine's container id.
func (c *Container) ID() string { return *c.id.Load() }

// withHandle makes one status-returning C call with the container handle held live.
func (c *Container) withHandle(op string, call func(e **C.pd_error) C.pd_status) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.ptr == nil {
		return errClosed(op, "container")
	}
	var e *C.pd_error
	st := call(&e)
	runtime.KeepAlive(c)
	if st != C.PD_OK {
		return takeError(op, st, e)
	}
	return nil
}

// UsesAgent reports whether runs go through the in-sandbox agent (pd_container_uses_agent);
// false when they use the engine exec (asked for with WithAgent(false), or the agent could
// not be placed) or after Close.
func (c *Container) UsesAgent() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.ptr == nil {
		return false
	}
	agent := bool(C.pd_container_uses_agent(c.ptr))
	runtime.KeepAlive(c)
	return agent
}

// Shutdown shuts the sandbox down (pd_container_shutdown): an ephemeral one is removed at
// once, a persistent one stopped. It is idempotent; the Container stays usable for Name
// and ID, and runs after it fail (ErrContainerNotFound or ErrContainerNotRunning). It may
// be called while runs are in flight; they then fail or end early.
func (c *Container) Shutdown(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.ptr == nil {
		if c.shutDown.Load() {
			return nil
		}
		return errClosed("shutdown", "container")
	}
	var e *C.pd_error
	st := C.pd_container_shutdown(c.ptr, &e)
	runtime.KeepAlive(c)
	if st != C.PD_OK {
		return takeError("shutdown", st, e)
	}
	c.shutDown.Store(true)
	return nil
}

// Close shuts the sandbox down (see Shutdown), then frees the C handle, waiting for runs
// in flight on this Container to return first. It is idempotent: later calls return nil.
// The handle is freed even when the shutdown fails; that error is returned.
func (c *Container) Close() error {
	err := c.Shutdown(context.Background())
	c.Release()
	return err
}

// Release frees the C handle without shutting the sandbox down (pd_container_free): the
// container keeps running (Open can find it again). It waits for calls in flight on this
// Container. Idempotent; after it, methods fail with ErrInvalidState.
func (c *Container) Release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ptr == nil {
		return
	}
	c.cleanup.Stop()
	C.pd_container_free(c.ptr)
	c.ptr = nil
}
