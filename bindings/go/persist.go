package pocketdock

/*
#include "pocketdock.h"
*/
import "C"

import (
	"context"
	"runtime"
)

// ContainerSummary is one pocketdock container as ListContainers reports it.
type ContainerSummary struct {
	Name      string
	ID        string
	Image     string // the image it was created from, as asked for
	Status    string // the engine's state word: "running", "exited", "created", ...
	Persist   bool   // kept (stopped) on shutdown
	Project   string // "" when it has none
	CreatedAt string // RFC 3339 UTC, e.g. "2024-02-29T12:34:56Z"
}

// Stopped reports whether Prune would remove this container: exited or dead. A "created"
// one is spared, as it is most likely being started by another client.
func (s ContainerSummary) Stopped() bool {
	return s.Status == "exited" || s.Status == "dead" || s.Status == "stopped"
}

// byName makes a client call that names a container.
func (cl *Client) byName(ctx context.Context, op, name string,
	call func(client *C.pd_client, name *C.char, e **C.pd_error) C.pd_status) error {
	cname, err := cString(op, "name", name)
	if err != nil {
		return err
	}
	defer cFree(cname)
	return cl.call(ctx, op, func(client *C.pd_client, e **C.pd_error) C.pd_status {
		return call(client, cname, e)
	})
}

// ResumeContainer starts the stopped pocketdock container named exactly name (for example a
// persistent one after Shutdown or Close), or takes the running one, and returns a handle on
// it (pd_container_resume). Its files are as they were. A name that is not a pocketdock
// container is ErrContainerNotFound.
func (cl *Client) ResumeContainer(ctx context.Context, name string) (*Container, error) {
	var p *C.pd_container
	err := cl.byName(ctx, "resume", name, func(client *C.pd_client, cname *C.char, e **C.pd_error) C.pd_status {
		return C.pd_container_resume(client, cname, &p, e)
	})
	if err != nil {
		return nil, err
	}
	return newContainer(cl, p), nil
}

// StopContainer stops the pocketdock container named exactly name and keeps it
// (pd_container_stop_by_name); stopping a stopped one is not an error.
func (cl *Client) StopContainer(ctx context.Context, name string) error {
	return cl.byName(ctx, "stop", name, func(client *C.pd_client, cname *C.char, e **C.pd_error) C.pd_status {
		return C.pd_container_stop_by_name(client, cname, e)
	})
}

// DestroyContainer removes the pocketdock container named exactly name at once, running or
// not (pd_container_destroy).
func (cl *Client) DestroyContainer(ctx context.Context, name string) error {
	return cl.byName(ctx, "destroy", name, func(client *C.pd_client, cname *C.char, e **C.pd_error) C.pd_status {
		return C.pd_container_destroy(client, cname, e)
	})
}

// ListContainers lists pocketdock's containers, running or stopped (pd_container_list): all
// of them when project is "", else those of project.
func (cl *Client) ListContainers(ctx context.Context, project string) ([]ContainerSummary, error) {
	cproj, err := cStringOrNil("list containers", "project", project)
	if err != nil {
		return nil, err
	}
	defer cFree(cproj)
	var l *C.pd_container_listing
	err = cl.call(ctx, "list containers", func(client *C.pd_client, e **C.pd_error) C.pd_status {
		return C.pd_container_list(client, cproj, &l, e)
	})
	if err != nil {
		return nil, err
	}
	defer C.pd_container_list_free(l)
	n := int(C.pd_container_list_len(l))
	out := make([]ContainerSummary, n)
	for i := range out {
		ci := C.size_t(i)
		out[i] = ContainerSummary{
			Name:      C.GoString(C.pd_container_list_name(l, ci)),
			ID:        C.GoString(C.pd_container_list_id(l, ci)),
			Image:     C.GoString(C.pd_container_list_image(l, ci)),
			Status:    C.GoString(C.pd_container_list_status(l, ci)),
			Persist:   bool(C.pd_container_list_persist(l, ci)),
			CreatedAt: C.GoString(C.pd_container_list_created_at(l, ci)),
		}
		if p := C.pd_container_list_project(l, ci); p != nil {
			out[i].Project = C.GoString(p)
		}
	}
	return out, nil
}

// Prune removes every stopped pocketdock container (pd_prune): all of them when project is
// "", else those of project. Running containers and other tools' containers are never
// touched. It returns how many it removed.
func (cl *Client) Prune(ctx context.Context, project string) (int, error) {
	cproj, err := cStringOrNil("prune", "project", project)
	if err != nil {
		return 0, err
	}
	defer cFree(cproj)
	var n C.size_t
	err = cl.call(ctx, "prune", func(client *C.pd_client, e **C.pd_error) C.pd_status {
		return C.pd_prune(client, cproj, &n, e)
	})
	return int(n), err
}

// Reboot reboots the sandbox (pd_container_reboot); it runs afterwards. With fresh false it
// restarts the same container (files kept); with fresh true it recreates it from its
// recorded options under the same name (new filesystem, every option kept), and this
// Container follows it: ID returns the new id. Running commands and processes end.
func (c *Container) Reboot(ctx context.Context, fresh bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var id string
	err := c.withHandle("reboot", func(e **C.pd_error) C.pd_status {
		st := C.pd_container_reboot(c.ptr, C.bool(fresh), e)
		id = C.GoString(C.pd_container_id(c.ptr))
		return st
	})
	if id != "" {
		c.id.Store(&id)
	}
	if err == nil {
		c.shutDown.Store(false)
	}
	return err
}

// Snapshot commits the sandbox's filesystem to the local image reference ("repo[:tag]",
// tag "latest" by default; "localhost:5000/team/img:v1" keeps the registry port in the
// repository) and returns the image id (pd_container_snapshot). Nothing is pushed. A
// malformed reference is ErrInvalidArgument.
func (c *Container) Snapshot(ctx context.Context, reference string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	cref, err := cString("snapshot", "reference", reference)
	if err != nil {
		return "", err
	}
	defer cFree(cref)
	var out *C.char
	err = c.withHandle("snapshot", func(e **C.pd_error) C.pd_status {
		return C.pd_container_snapshot(c.ptr, cref, &out, e)
	})
	runtime.KeepAlive(c)
	if err != nil {
		return "", err
	}
	return pdString(out), nil
}
