package pocketdock

/*
#include <stdlib.h>
#include "pocketdock.h"
*/
import "C"

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// Client is a connection to one container engine (pd_client): Connect finds the engine and
// asks it what it is once; everything made from the client (containers, listings, builds)
// uses that engine and no other, without discovering it again. It is safe for concurrent
// use by multiple goroutines.
//
// Close it when done. Containers made from it hold what they need, so closing the Client
// first is fine: they stay usable.
type Client struct {
	// mu guards ptr: C calls hold it for reading, Close holds it for writing to free.
	mu      sync.RWMutex
	ptr     *C.pd_client
	cleanup runtime.Cleanup
	info    EngineInfo
}

// EngineKind says which engine a Client talks to.
type EngineKind int32

// The engines, numbered as in the C ABI (pd_engine_kind).
const (
	EngineDocker EngineKind = C.PD_ENGINE_DOCKER
	EnginePodman EngineKind = C.PD_ENGINE_PODMAN
)

func (k EngineKind) String() string {
	switch k {
	case EngineDocker:
		return "docker"
	case EnginePodman:
		return "podman"
	}
	return "engine(" + strconv.Itoa(int(k)) + ")"
}

// EngineInfo is what the engine said about itself when the Client connected
// (pd_client_engine_info).
type EngineInfo struct {
	Kind EngineKind
	// Version is the engine's own version, e.g. "4.3.1" or "20.10.24+dfsg1".
	Version string
	// APIVersion is the highest engine API version it speaks, e.g. "1.41".
	APIVersion string
	// Socket is the Unix socket it was reached on.
	Socket string
}

// ConnectOption configures Connect. Options are applied in order to a pd_client_opts
// builder; the first one the library refuses makes Connect fail with an *Error (Op
// "connect option <name>") without touching any engine.
type ConnectOption func(*connectConfig)

type connectConfig struct {
	opts *C.pd_client_opts
	err  error
	// timeout is the connect timeout asked for (0: the library's default,
	// DefaultConnectTimeout), to cap it by the context's deadline.
	timeout time.Duration
}

func (c *connectConfig) setString(name, value string, nilIfEmpty bool,
	call func(s *C.char, e **C.pd_error) C.pd_status) {
	if c.err != nil {
		return
	}
	op := "connect option " + name
	conv := cString
	if nilIfEmpty {
		conv = cStringOrNil
	}
	s, err := conv(op, name, value)
	if err != nil {
		c.err = err
		return
	}
	defer cFree(s)
	var e *C.pd_error
	if st := call(s, &e); st != C.PD_OK {
		c.err = takeError(op, st, e)
	}
}

// DefaultConnectTimeout is how long Connect retries an engine that exists but does not
// answer, unless WithConnectTimeout or the context's deadline says otherwise.
const DefaultConnectTimeout = 30 * time.Second

// WithSocket uses the engine on this Unix socket (a path or "unix://PATH") and no other:
// if it does not answer, Connect fails with ErrEngineNotFound naming it; it never falls
// back to another engine. "" restores the default: POCKETDOCK_SOCKET if set (just as
// explicit), else discovery (docs/engines.md). Other schemes (tcp://, ssh://) are
// ErrInvalidArgument.
func WithSocket(path string) ConnectOption {
	return func(c *connectConfig) {
		c.setString("socket", path, true, func(s *C.char, e **C.pd_error) C.pd_status {
			return C.pd_client_opts_set_socket(c.opts, s, e)
		})
	}
}

// WithConnectTimeout sets how long Connect keeps retrying an engine that exists but does not
// answer yet (default DefaultConnectTimeout). By the timeout rule (see NoTimeout): > 0 is a
// limit, rounded up to whole milliseconds; NoTimeout (any negative duration) waits without
// limit; 0 is ErrInvalidArgument. A context deadline sooner than it becomes the limit.
func WithConnectTimeout(d time.Duration) ConnectOption {
	return func(c *connectConfig) {
		if c.err != nil {
			return
		}
		var e *C.pd_error
		if st := C.pd_client_opts_set_connect_timeout_ms(c.opts, millis(d), &e); st != C.PD_OK {
			c.err = takeError("connect option connect_timeout", st, e)
			return
		}
		c.timeout = d
	}
}

// DefaultRequestTimeout is how long the engine may stay silent on one request once
// connected, unless WithRequestTimeout says otherwise.
const DefaultRequestTimeout = 120 * time.Second

// WithRequestTimeout sets how long the engine may stay silent on one request once connected
// (default DefaultRequestTimeout): its answer must begin within it, and an answer read whole
// may not pause longer; a command's output (a run, a stream, build progress) is not cut by
// it. A request that runs out is ErrTimeout naming it (docs/engines.md, "Request
// deadline"). By the timeout rule (see NoTimeout): > 0 is a limit, rounded up to whole
// milliseconds; NoTimeout waits without limit; 0 is ErrInvalidArgument.
func WithRequestTimeout(d time.Duration) ConnectOption {
	return func(c *connectConfig) {
		if c.err != nil {
			return
		}
		var e *C.pd_error
		if st := C.pd_client_opts_set_request_timeout_ms(c.opts, millis(d), &e); st != C.PD_OK {
			c.err = takeError("connect option request_timeout", st, e)
		}
	}
}

// WithProjectSocket uses the socket configured by the project at or above dir (the socket
// setting of its pocketdock.yaml), unless WithSocket gave one; a project without that
// setting changes nothing (pd_client_opts_set_project_dir). No project there is
// ErrFileNotFound; a bad config ErrInvalidArgument. To make a sandbox part of the project,
// give WithProjectDir to CreateContainer as well.
func WithProjectSocket(dir string) ConnectOption {
	return func(c *connectConfig) {
		c.setString("project_dir", dir, false, func(s *C.char, e **C.pd_error) C.pd_status {
			return C.pd_client_opts_set_project_dir(c.opts, s, e)
		})
	}
}

// Connect connects to a container engine (pd_client_open): the socket WithSocket names,
// else POCKETDOCK_SOCKET, else the first engine discovery finds. An explicit socket (option
// or environment) that does not answer is ErrEngineNotFound naming it and why; it is never
// replaced by another engine. A slow engine is retried with backoff within the connect
// timeout (WithConnectTimeout, capped by ctx's deadline).
//
// ctx is checked before the call; cancelling it does not interrupt the connect (its
// deadline bounds it). A connect that fails once ctx has ended also matches ctx.Err()
// (errors.Is(err, context.DeadlineExceeded)). Close the Client when done.
func Connect(ctx context.Context, opts ...ConnectOption) (*Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := abiOnce(); err != nil {
		return nil, err
	}
	o := C.pd_client_opts_new()
	if o == nil {
		return nil, &Error{Op: "connect", Code: CodeInternal, Message: "pd_client_opts_new returned NULL"}
	}
	defer C.pd_client_opts_free(o)
	cfg := connectConfig{opts: o}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	if cfg.err != nil {
		return nil, cfg.err
	}
	if dl, ok := ctx.Deadline(); ok {
		asked := cfg.timeout
		if asked == 0 {
			asked = DefaultConnectTimeout
		}
		if left := time.Until(dl); left > 0 && (asked < 0 || left < asked) {
			var e *C.pd_error
			if st := C.pd_client_opts_set_connect_timeout_ms(o, millis(left), &e); st != C.PD_OK {
				return nil, takeError("connect", st, e)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var p *C.pd_client
	var e *C.pd_error
	if st := C.pd_client_open(o, &p, &e); st != C.PD_OK {
		err := takeError("connect", st, e)
		if ctxErr := ctx.Err(); ctxErr != nil {
			// The context's deadline was the connect timeout: say so the standard way too.
			err.(*Error).cause = ctxErr
		}
		return nil, err
	}
	var ci C.struct_pd_engine_info
	if st := C.pd_client_engine_info(p, &ci, &e); st != C.PD_OK {
		C.pd_client_free(p)
		return nil, takeError("connect", st, e)
	}
	c := &Client{ptr: p, info: EngineInfo{
		Kind:       EngineKind(ci.kind),
		Version:    C.GoString(ci.version),
		APIVersion: C.GoString(ci.api_version),
		Socket:     C.GoString(ci.socket),
	}}
	c.cleanup = runtime.AddCleanup(c, freeClient, p)
	return c, nil
}

func freeClient(p *C.pd_client) {
	freedByCleanup.Add(1)
	C.pd_client_free(p)
}

// EngineInfo is what the engine said about itself at Connect: its kind, version, API
// version and the socket it was reached on. It stays readable after Close.
func (c *Client) EngineInfo() EngineInfo { return c.info }

// Close frees the client (pd_client_free). Containers made from it stay usable; calls on
// the Client itself fail with ErrInvalidState afterwards. Idempotent; always nil.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ptr != nil {
		c.cleanup.Stop()
		C.pd_client_free(c.ptr)
		c.ptr = nil
	}
	return nil
}

// call makes one blocking engine call with the client handle held live, after checking
// ctx.
func (c *Client) call(ctx context.Context, op string, f func(p *C.pd_client, e **C.pd_error) C.pd_status) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.ptr == nil {
		return errClosed(op, "client")
	}
	var e *C.pd_error
	st := f(c.ptr, &e)
	runtime.KeepAlive(c)
	if st != C.PD_OK {
		return takeError(op, st, e)
	}
	return nil
}
