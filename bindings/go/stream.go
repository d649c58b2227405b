package pocketdock

/*
#include "pocketdock.h"
*/
import "C"

import (
	"context"
	"errors"
	"io"
	"iter"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// StreamKind says which output stream bytes came from.
type StreamKind int

// The output streams, numbered as in the C ABI.
const (
	Stdout StreamKind = 1
	Stderr StreamKind = 2
)

func (k StreamKind) String() string {
	switch k {
	case Stdout:
		return "stdout"
	case Stderr:
		return "stderr"
	}
	return "stream(" + strconv.Itoa(int(k)) + ")"
}

// Chunk is a piece of a streamed command's output, copied into Go memory.
type Chunk struct {
	Stream StreamKind
	Data   []byte
}

// Stream is a running command whose output is read as it comes (pd_run_stream). Range
// over Chunks, or call Next until io.EOF, then Result; Close it when done (closing early
// kills the command). Cancelling the context given to RunStream kills the command too;
// what remains and the end can still be read, with a context that has not ended. A Stream
// may be cancelled or closed from any goroutine; reads must not come from two goroutines
// at once (they are serialised if they do).
type Stream struct {
	h       *streamHandle
	cleanup runtime.Cleanup
	ctx     context.Context
	capped  bool // the run's timeout was capped by ctx's deadline

	nextMu sync.Mutex // one pd_stream_next at a time, and guards ended/result/ctxErr
	ended  bool
	result *Result
	ctxErr error // ctx.Err() when the end was seen
}

// streamHandle owns the C stream. It is separate from Stream so that the context hook
// (context.AfterFunc) can reach it without keeping the Stream reachable, and the cleanup
// can still free a forgotten Stream.
type streamHandle struct {
	mu   sync.RWMutex // C calls hold it for reading; free holds it for writing
	ptr  *C.pd_stream
	stop func() bool // unregisters the context hook
}

func (h *streamHandle) cancel() {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.ptr != nil {
		C.pd_stream_cancel(h.ptr)
	}
}

func (h *streamHandle) free(byCleanup bool) {
	if h.stop != nil {
		h.stop()
	}
	h.cancel() // wakes a blocked Next, so the write lock comes quickly
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ptr == nil {
		return
	}
	if byCleanup {
		freedByCleanup.Add(1)
	}
	C.pd_stream_free(h.ptr)
	h.ptr = nil
}

// RunStream starts cmd and returns a Stream of its output (pd_run_stream); it blocks only
// to start the command. The options, timeout and output cap apply as in Run, and a
// deadline of ctx caps the timeout as in Run. Cancelling ctx kills the command.
func (c *Container) RunStream(ctx context.Context, cmd string, opts ...RunOption) (*Stream, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ccmd, err := cString("run_stream", "command", cmd)
	if err != nil {
		return nil, err
	}
	defer cFree(ccmd)
	return c.startStream(ctx, "run_stream", opts, func(o *C.pd_run_opts, s **C.pd_stream, e **C.pd_error) C.pd_status {
		return C.pd_run_stream(c.ptr, ccmd, o, s, e)
	})
}

// RunStreamArgv is RunStream for a program run without a shell (pd_run_stream_argv), as
// RunArgv.
func (c *Container) RunStreamArgv(ctx context.Context, argv []string, opts ...RunOption) (*Stream, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var s *Stream
	err := withCStrings("run_stream_argv", "argv", argv, func(cargv **C.char, n C.size_t) (err error) {
		s, err = c.startStream(ctx, "run_stream_argv", opts, func(o *C.pd_run_opts, s **C.pd_stream, e **C.pd_error) C.pd_status {
			return C.pd_run_stream_argv(c.ptr, cargv, n, o, s, e)
		})
		return err
	})
	return s, err
}

func (c *Container) startStream(ctx context.Context, op string, opts []RunOption,
	call func(o *C.pd_run_opts, s **C.pd_stream, e **C.pd_error) C.pd_status) (*Stream, error) {
	var cfg runConfig
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	o, capped, err := c.runOpts(ctx, &cfg)
	if err != nil {
		return nil, err
	}
	defer C.pd_run_opts_free(o)

	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.ptr == nil {
		return nil, errClosed(op, "container")
	}
	var p *C.pd_stream
	var e *C.pd_error
	st := call(o, &p, &e)
	runtime.KeepAlive(c)
	if st != C.PD_OK {
		return nil, takeError(op, st, e)
	}
	h := &streamHandle{ptr: p}
	s := &Stream{h: h, ctx: ctx, capped: capped}
	s.cleanup = runtime.AddCleanup(s, func(h *streamHandle) { h.free(true) }, h)
	h.stop = context.AfterFunc(ctx, func() {
		if capped && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			// The run's own timeout was set to this deadline: let the library's timer end
			// it, so that the result says TimedOut rather than killed.
			return
		}
		h.cancel()
	})
	return s, nil
}

// Next waits for the next chunk of output. It returns io.EOF once the command is over
// (then Result has its result) and on every call after that.
//
// If ctx ends first, Next returns ctx.Err() (within about 250 ms) and the command keeps
// running: the context given to Next bounds this wait only (the one given to RunStream
// governs the command). The stream stays usable: a later Next gets the output in order,
// e.g. Next(context.Background()) after a Cancel gets what remains, then io.EOF. With a
// context that can never be cancelled, Next is one blocking pd_stream_next.
func (s *Stream) Next(ctx context.Context) (Chunk, error) {
	if ctx.Done() == nil {
		return s.next(C.PD_NO_TIMEOUT)
	}
	for {
		if err := ctx.Err(); err != nil {
			return Chunk{}, err
		}
		slice := waitSlice
		if dl, ok := ctx.Deadline(); ok {
			slice = min(slice, time.Until(dl))
		}
		c, err := s.next(int64(millis(max(slice, time.Millisecond))))
		if !isCode(err, CodeTimeout) {
			return c, err
		}
	}
}

// Chunks iterates over the output as it comes, calling Next(ctx) for each chunk:
//
//	for chunk, err := range s.Chunks(ctx) {
//		if err != nil {
//			return err // ctx.Err(), or the library's error; the loop ends after it
//		}
//		fmt.Printf("%s: %s", chunk.Stream, chunk.Data)
//	}
//	res, err := s.Result()
//
// The loop ends after the last chunk (then Result has the result), or after an error,
// which it yields with a zero Chunk. Breaking out early leaves the stream as it is (Close
// kills the command).
func (s *Stream) Chunks(ctx context.Context) iter.Seq2[Chunk, error] {
	return func(yield func(Chunk, error) bool) {
		for {
			c, err := s.Next(ctx)
			if err == io.EOF {
				return
			}
			if !yield(c, err) || err != nil {
				return
			}
		}
	}
}

// NextTimeout is Next waiting at most d: 0 just looks, NoTimeout (any negative duration)
// waits as long as Next. When nothing came in time it returns an error matching ErrTimeout;
// call again.
func (s *Stream) NextTimeout(d time.Duration) (Chunk, error) {
	return s.next(int64(millis(d)))
}

func (s *Stream) next(timeoutMs int64) (Chunk, error) {
	s.nextMu.Lock()
	defer s.nextMu.Unlock()
	if s.ended {
		return Chunk{}, io.EOF
	}
	s.h.mu.RLock()
	defer s.h.mu.RUnlock()
	if s.h.ptr == nil {
		return Chunk{}, errClosed("stream next", "stream")
	}
	var ch *C.pd_chunk
	var e *C.pd_error
	st := C.pd_stream_next(s.h.ptr, C.int64_t(timeoutMs), &ch, &e)
	runtime.KeepAlive(s)
	switch st {
	case C.PD_OK:
		var n C.size_t
		data := C.pd_chunk_data(ch, &n)
		c := Chunk{Stream: StreamKind(C.pd_chunk_stream(ch)), Data: goBytes(data, n)}
		C.pd_chunk_free(ch)
		return c, nil
	case C.PD_STREAM_END:
		s.ended = true
		s.ctxErr = s.ctx.Err()
		var r *C.pd_exec_result
		if st := C.pd_stream_result(s.h.ptr, &r, &e); st != C.PD_OK {
			return Chunk{}, takeError("stream result", st, e)
		}
		s.result = readResult(r)
		C.pd_exec_result_free(r)
		return Chunk{}, io.EOF
	default:
		return Chunk{}, takeError("stream next", st, e)
	}
}

// Result is the command's result once Next returned io.EOF (pd_stream_result); its Stdout
// and Stderr are empty: the output came as chunks. Before the end it fails with
// ErrInvalidState. If the command was cut short by RunStream's context (cancelled, or its
// deadline came first), the result comes with ctx.Err().
func (s *Stream) Result() (*Result, error) {
	s.nextMu.Lock()
	defer s.nextMu.Unlock()
	if !s.ended || s.result == nil {
		return nil, &Error{Op: "stream result", Code: CodeInvalidState, Message: "the stream has not ended"}
	}
	r := *s.result
	if s.ctxErr != nil {
		return &r, s.ctxErr
	}
	if s.capped && r.TimedOut {
		return &r, context.DeadlineExceeded
	}
	return &r, nil
}

// Cancel kills the command and everything it started (pd_stream_cancel). Idempotent, safe
// from any goroutine; a blocked Next returns the remaining output, then io.EOF.
func (s *Stream) Cancel() {
	s.h.cancel()
	runtime.KeepAlive(s)
}

// Close frees the stream (pd_stream_free), killing the command if it still runs.
// Idempotent; waits for a Next in flight, which it wakes first. It always returns nil
// (it is an io.Closer).
func (s *Stream) Close() error {
	s.cleanup.Stop()
	s.h.free(false)
	runtime.KeepAlive(s)
	return nil
}
