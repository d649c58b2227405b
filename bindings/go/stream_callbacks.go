package pocketdock

/*
#include "pdgo.h"
*/
import "C"

import "runtime"

// SetCallbacks hands the rest of the stream's output and its end to callbacks
// (pd_stream_set_callbacks) instead of Next: onOutput gets each chunk as it comes, onExit
// the result once the command is over (nil if the stream failed), on the library's
// callback goroutine, one at a time, in order. No goroutine or thread waits for the command
// meanwhile. Afterwards Next fails with ErrInvalidState; Cancel and Close still work (Close
// kills the command; onExit still comes). Either callback may be nil.
func (s *Stream) SetCallbacks(onOutput func(StreamKind, []byte), onExit func(*Result)) error {
	s.h.mu.RLock()
	defer s.h.mu.RUnlock()
	if s.h.ptr == nil {
		return errClosed("stream set callbacks", "stream")
	}
	h := newCallbackHandle(onOutput, onExit)
	var e *C.pd_error
	// The library owns h from here (pdgoFreeUserData), even when this call fails.
	st := C.pd_stream_set_callbacks(s.h.ptr, C.pdgo_output_cb(onOutput != nil),
		C.pdgo_exit_cb(onExit != nil), C.pdgo_user_data(C.uintptr_t(h)), C.pdgo_free_cb(), &e)
	runtime.KeepAlive(s)
	if st != C.PD_OK {
		return takeError("stream set callbacks", st, e)
	}
	return nil
}
