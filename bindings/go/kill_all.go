package pocketdock

/*
#include "pocketdock.h"
*/
import "C"

import (
	"context"
	"runtime"
)

// KillAll SIGKILLs every process in the sandbox except its init and returns how many it
// killed: background processes finished runs left, detached processes, sessions and runs in
// progress (which end as killed). Through the agent it starts no process, so it recovers a
// sandbox whose pids limit a fork bomb holds; without the agent it needs one engine exec.
// Blocks for at most a few seconds; ctx is checked before the call only.
func (c *Container) KillAll(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.ptr == nil {
		return 0, errClosed("kill all", "container")
	}
	var e *C.pd_error
	var n C.uint32_t
	st := C.pd_container_kill_all(c.ptr, &n, &e)
	runtime.KeepAlive(c)
	if st != C.PD_OK {
		return 0, takeError("kill all", st, e)
	}
	return int(n), nil
}
