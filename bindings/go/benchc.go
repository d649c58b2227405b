package pocketdock

/*
#include "pocketdock.h"

// The C baseline for the benchmarks: what a C program does for one run (the same calls
// the Go API makes, without Go in between), n times.
static pd_status pdgo_bench_run_c(pd_container *c, const char *cmd, int n, pd_error **err_out) {
	for (int i = 0; i < n; i++) {
		pd_exec_result *r = NULL;
		pd_status st = pd_run(c, cmd, NULL, &r, err_out);
		if (st != PD_OK)
			return st;
		size_t no = 0, ne = 0;
		volatile const uint8_t *so = pd_exec_result_stdout(r, &no);
		volatile const uint8_t *se = pd_exec_result_stderr(r, &ne);
		volatile int32_t code = pd_exec_result_exit_code(r);
		volatile uint64_t ms = pd_exec_result_duration_ms(r);
		volatile bool t = pd_exec_result_timed_out(r) || pd_exec_result_truncated(r) ||
			pd_exec_result_oom_killed(r);
		volatile int64_t acct = pd_exec_result_cpu_user_us(r) + pd_exec_result_cpu_sys_us(r) +
			pd_exec_result_peak_rss_bytes(r) + pd_exec_result_signal(r);
		(void)so; (void)se; (void)code; (void)ms; (void)t; (void)acct;
		pd_exec_result_free(r);
	}
	return PD_OK;
}

// n calls of the cheapest entry point: the cost of a C-to-C call, against which
// BenchmarkCallOverhead measures one cgo crossing.
static uint32_t pdgo_bench_abi_c(int n) {
	uint32_t sum = 0;
	for (int i = 0; i < n; i++)
		sum += pd_abi_version();
	return sum;
}
*/
import "C"

import "runtime"

// benchRunC runs cmd n times from a C loop (pd_run with default options): the baseline
// the Go API is measured against in BenchmarkRun. Only the benchmarks use it.
func benchRunC(c *Container, cmd string, n int) error {
	ccmd, err := cString("run", "command", cmd)
	if err != nil {
		return err
	}
	defer cFree(ccmd)
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.ptr == nil {
		return errClosed("run", "container")
	}
	var e *C.pd_error
	st := C.pdgo_bench_run_c(c.ptr, ccmd, C.int(n), &e)
	runtime.KeepAlive(c)
	if st != C.PD_OK {
		return takeError("run", st, e)
	}
	return nil
}

// benchABIC calls pd_abi_version n times from C.
func benchABIC(n int) uint32 { return uint32(C.pdgo_bench_abi_c(C.int(n))) }
