package pocketdock

/*
#include <stdlib.h>
#include "pocketdock.h"
*/
import "C"

import "time"

// DefaultTimeout is the library's default run timeout (pd_container_opts_new).
const DefaultTimeout = 30 * time.Second

// NoTimeout, given where a timeout is asked for, means "no limit". Every timeout in this
// package follows the C ABI's one rule (docs/ffi-conventions.md), in durations:
//
//   - d > 0 is a limit, rounded up to whole milliseconds;
//   - d < 0 (NoTimeout, or any negative duration) is no limit;
//   - d == 0 is "do not wait" where waiting is all the call does (Stream.NextTimeout,
//     Process.WaitTimeout: just look), and ErrInvalidArgument where something must run
//     under the limit (WithTimeout, WithRunTimeout, WithConnectTimeout): a run cannot
//     take no time.
const NoTimeout time.Duration = -1

// Option configures CreateContainer. Options are applied in order to a pd_container_opts builder;
// the first one the library refuses makes CreateContainer fail with an *Error (Op "container
// option <name>") without touching the engine.
type Option func(*createConfig)

type createConfig struct {
	opts    *C.pd_container_opts
	err     error
	timeout time.Duration
}

// set runs one builder call unless an earlier option already failed.
func (c *createConfig) set(name string, call func(e **C.pd_error) C.pd_status) {
	if c.err != nil {
		return
	}
	var e *C.pd_error
	if st := call(&e); st != C.PD_OK {
		c.err = takeError("container option "+name, st, e)
	}
}

// setString is set for a call taking one string; "" passes NULL when nilIfEmpty.
func (c *createConfig) setString(name, value string, nilIfEmpty bool,
	call func(s *C.char, e **C.pd_error) C.pd_status) {
	if c.err != nil {
		return
	}
	conv := cString
	if nilIfEmpty {
		conv = cStringOrNil
	}
	s, err := conv("container option "+name, name, value)
	if err != nil {
		c.err = err
		return
	}
	defer cFree(s)
	c.set(name, func(e **C.pd_error) C.pd_status { return call(s, e) })
}

// millis converts d to a *_timeout_ms argument: a positive d in whole milliseconds,
// rounding a sub-millisecond rest up (so 1ns is 1 ms, not "do not wait"); 0 stays 0; any
// negative d is PD_NO_TIMEOUT (-1ns must not truncate to 0).
func millis(d time.Duration) C.int64_t {
	if d < 0 {
		return C.PD_NO_TIMEOUT
	}
	ms := d / time.Millisecond
	if d%time.Millisecond != 0 {
		ms++
	}
	return C.int64_t(ms)
}

// WithImage sets the image (default "pocketdock/minimal-python"). It must exist locally:
// pocketdock never pulls, and a missing image fails CreateContainer with ErrImageNotFound.
func WithImage(image string) Option {
	return func(c *createConfig) {
		c.setString("image", image, false, func(s *C.char, e **C.pd_error) C.pd_status {
			return C.pd_container_opts_set_image(c.opts, s, e)
		})
	}
}

// WithName sets the container's name (also the engine's name; default "pd-<8 hex>").
// A name already in use fails CreateContainer with ErrNameConflict. "" restores the default.
func WithName(name string) Option {
	return func(c *createConfig) {
		c.setString("name", name, true, func(s *C.char, e **C.pd_error) C.pd_status {
			return C.pd_container_opts_set_name(c.opts, s, e)
		})
	}
}

// WithTimeout sets the default timeout of runs in this container (default DefaultTimeout).
// NoTimeout (any negative duration) means runs have no limit unless WithRunTimeout gives
// one; 0 is ErrInvalidArgument. Sub-millisecond parts are rounded up.
func WithTimeout(d time.Duration) Option {
	return func(c *createConfig) {
		c.set("timeout", func(e **C.pd_error) C.pd_status {
			return C.pd_container_opts_set_timeout_ms(c.opts, millis(d), e)
		})
		if c.err == nil {
			c.timeout = d
		}
	}
}

// WithMemLimit sets the memory limit, e.g. "256m" or "1g"; "" removes it. A malformed
// value fails CreateContainer with ErrInvalidArgument.
func WithMemLimit(limit string) Option {
	return func(c *createConfig) {
		c.setString("mem_limit", limit, true, func(s *C.char, e **C.pd_error) C.pd_status {
			return C.pd_container_opts_set_mem_limit(c.opts, s, e)
		})
	}
}

// WithCPUPercent limits CPU to percent of one core (50 = half a core); 0 removes the limit.
func WithCPUPercent(percent uint32) Option {
	return func(c *createConfig) {
		c.set("cpu_percent", func(e **C.pd_error) C.pd_status {
			return C.pd_container_opts_set_cpu_percent(c.opts, C.uint32_t(percent), e)
		})
	}
}

// WithNetwork turns networking on or off. Unset, the image decides: off for the default
// image and every image but the dev and embedded profiles', on when ports are published
// (see "Defaults" in the README).
func WithNetwork(enabled bool) Option {
	return func(c *createConfig) {
		c.set("network", func(e **C.pd_error) C.pd_status {
			return C.pd_container_opts_set_network(c.opts, C.bool(enabled), e)
		})
	}
}

// WithAgent runs commands through the in-sandbox agent (true, the default: milliseconds
// per run, exact kills, stdin, resource accounting) or, with false, through the engine's
// exec for every run. See (*Container).UsesAgent for what was actually set up.
func WithAgent(enabled bool) Option {
	return func(c *createConfig) {
		c.set("agent", func(e **C.pd_error) C.pd_status {
			return C.pd_container_opts_set_agent(c.opts, C.bool(enabled), e)
		})
	}
}

// WithReadOnly makes the container's root filesystem read-only.
func WithReadOnly(readOnly bool) Option {
	return func(c *createConfig) {
		c.set("read_only", func(e **C.pd_error) C.pd_status {
			return C.pd_container_opts_set_read_only(c.opts, C.bool(readOnly), e)
		})
	}
}

// WithStrict applies the strict preset for untrusted code on top of the options before it
// (pd_container_opts_use_strict): network off, read-only root with writable tmpfs for /tmp
// and the working directory, all capabilities dropped, no privilege gains, at most 256
// processes, a non-root user. Options after it can loosen or tighten it further.
func WithStrict() Option {
	return func(c *createConfig) {
		c.set("strict", func(e **C.pd_error) C.pd_status {
			return C.pd_container_opts_use_strict(c.opts, e)
		})
	}
}

// WithCapDropAll drops every capability from the commands.
func WithCapDropAll(dropAll bool) Option {
	return func(c *createConfig) {
		c.set("cap_drop_all", func(e **C.pd_error) C.pd_status {
			return C.pd_container_opts_set_cap_drop_all(c.opts, C.bool(dropAll), e)
		})
	}
}

// WithNoNewPrivileges forbids privilege gains (no-new-privileges: setuid binaries do not
// elevate).
func WithNoNewPrivileges(enabled bool) Option {
	return func(c *createConfig) {
		c.set("no_new_privileges", func(e **C.pd_error) C.pd_status {
			return C.pd_container_opts_set_no_new_privileges(c.opts, C.bool(enabled), e)
		})
	}
}

// WithPidsLimit caps the number of processes in the sandbox (> 0); 0 removes the cap.
func WithPidsLimit(n int64) Option {
	return func(c *createConfig) {
		c.set("pids_limit", func(e **C.pd_error) C.pd_status {
			return C.pd_container_opts_set_pids_limit(c.opts, C.int64_t(n), e)
		})
	}
}

// WithUser sets the user commands run as by default ("name", "uid", "uid:gid"); "" keeps
// the image's.
func WithUser(user string) Option {
	return func(c *createConfig) {
		c.setString("user", user, true, func(s *C.char, e **C.pd_error) C.pd_status {
			return C.pd_container_opts_set_user(c.opts, s, e)
		})
	}
}

// WithTmpfs mounts a writable tmpfs at the absolute path, with mount options (""
// means "size=64m").
func WithTmpfs(path, options string) Option {
	return func(c *createConfig) {
		if c.err != nil {
			return
		}
		op := "container option tmpfs"
		cpath, err := cString(op, "tmpfs path", path)
		if err != nil {
			c.err = err
			return
		}
		defer cFree(cpath)
		copts, err := cStringOrNil(op, "tmpfs options", options)
		if err != nil {
			c.err = err
			return
		}
		defer cFree(copts)
		c.set("tmpfs", func(e **C.pd_error) C.pd_status {
			return C.pd_container_opts_add_tmpfs(c.opts, cpath, copts, e)
		})
	}
}

// WithPersist keeps the container (stopped) on Shutdown instead of removing it.
func WithPersist(persist bool) Option {
	return func(c *createConfig) {
		c.set("persist", func(e **C.pd_error) C.pd_status {
			return C.pd_container_opts_set_persist(c.opts, C.bool(persist), e)
		})
	}
}

// WithWorkdir sets the container's working directory; "" keeps the image's.
func WithWorkdir(dir string) Option {
	return func(c *createConfig) {
		c.setString("workdir", dir, true, func(s *C.char, e **C.pd_error) C.pd_status {
			return C.pd_container_opts_set_workdir(c.opts, s, e)
		})
	}
}

// WithProject sets the project label; "" clears it.
func WithProject(project string) Option {
	return func(c *createConfig) {
		c.setString("project", project, true, func(s *C.char, e **C.pd_error) C.pd_status {
			return C.pd_container_opts_set_project(c.opts, s, e)
		})
	}
}

// WithEnv adds an environment variable for the container.
func WithEnv(key, value string) Option {
	return func(c *createConfig) {
		c.setPair("env", key, value, func(k, v *C.char, e **C.pd_error) C.pd_status {
			return C.pd_container_opts_add_env(c.opts, k, v, e)
		})
	}
}

// WithLabel adds an engine label (in addition to pocketdock's own pocketdock.* labels).
func WithLabel(key, value string) Option {
	return func(c *createConfig) {
		c.setPair("label", key, value, func(k, v *C.char, e **C.pd_error) C.pd_status {
			return C.pd_container_opts_add_label(c.opts, k, v, e)
		})
	}
}

// setPair is set for a call taking two strings.
func (c *createConfig) setPair(name, a, b string,
	call func(a, b *C.char, e **C.pd_error) C.pd_status) {
	if c.err != nil {
		return
	}
	op := "container option " + name
	ca, err := cString(op, name+" key", a)
	if err != nil {
		c.err = err
		return
	}
	defer cFree(ca)
	cb, err := cString(op, name+" value", b)
	if err != nil {
		c.err = err
		return
	}
	defer cFree(cb)
	c.set(name, func(e **C.pd_error) C.pd_status { return call(ca, cb, e) })
}

// WithVolume mounts hostPath at containerPath (absolute), read-only if asked.
func WithVolume(hostPath, containerPath string, readOnly bool) Option {
	return func(c *createConfig) {
		c.setPair("volume", hostPath, containerPath, func(h, p *C.char, e **C.pd_error) C.pd_status {
			return C.pd_container_opts_add_volume(c.opts, h, p, C.bool(readOnly), e)
		})
	}
}

// WithPort publishes containerPort on hostPort; protocol is "tcp" (or "") or "udp".
func WithPort(hostPort, containerPort uint16, protocol string) Option {
	return func(c *createConfig) {
		c.setString("port", protocol, true, func(s *C.char, e **C.pd_error) C.pd_status {
			return C.pd_container_opts_add_port(c.opts, C.uint16_t(hostPort),
				C.uint16_t(containerPort), s, e)
		})
	}
}

// WithDevice passes a host device through: "/dev/x" or "/dev/x:/dev/in-container".
func WithDevice(device string) Option {
	return func(c *createConfig) {
		c.setString("device", device, false, func(s *C.char, e **C.pd_error) C.pd_status {
			return C.pd_container_opts_add_device(c.opts, s, e)
		})
	}
}
