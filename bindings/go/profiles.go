package pocketdock

/*
#include <stdlib.h>
#include "pdgo.h"

pd_line_cb pdgo_line_cb(void);
*/
import "C"

import (
	"context"
	"runtime/cgo"
	"unsafe"
)

// Profile is a ready-made sandbox image (pd_profile_*): its name, the image sandboxes of
// it are created from, whether they get a network by default, what it carries and about
// how big it is.
type Profile struct {
	Name        string
	Image       string
	Network     bool
	Description string
	Size        string
}

// Profiles lists the profiles, in a stable order (minimal-python first).
func Profiles() []Profile {
	n := int(C.pd_profile_count())
	out := make([]Profile, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, profileAt(C.size_t(i)))
	}
	return out
}

func profileAt(i C.size_t) Profile {
	return Profile{
		Name:        C.GoString(C.pd_profile_name(i)),
		Image:       C.GoString(C.pd_profile_image(i)),
		Network:     bool(C.pd_profile_network(i)),
		Description: C.GoString(C.pd_profile_description(i)),
		Size:        C.GoString(C.pd_profile_size(i)),
	}
}

// ResolveProfile returns the profile called name; an unknown name is ErrInvalidArgument
// naming the known ones.
func ResolveProfile(name string) (Profile, error) {
	cname, err := cString("resolve profile", "name", name)
	if err != nil {
		return Profile{}, err
	}
	defer cFree(cname)
	var idx C.size_t
	var e *C.pd_error
	if st := C.pd_profile_resolve(cname, &idx, &e); st != C.PD_OK {
		return Profile{}, takeError("resolve profile", st, e)
	}
	return profileAt(idx), nil
}

// WithProfile sets the image and the network default of a profile
// (pd_container_opts_set_profile); options given after it win.
func WithProfile(name string) Option {
	return func(c *createConfig) {
		c.setString("profile", name, false, func(s *C.char, e **C.pd_error) C.pd_status {
			return C.pd_container_opts_set_profile(c.opts, s, e)
		})
	}
}

// BuildOptions says how BuildProfile builds a profile's image. The zero value builds the
// embedded Dockerfile on the public debian:bookworm-slim, tagged with the profile's image.
type BuildOptions struct {
	// Base is the BASE build argument, e.g. "pocketdock/debian-base:bookworm" offline.
	Base string
	// ContextDir builds from this directory (holding a Dockerfile) instead of the
	// profile's embedded Dockerfile.
	ContextDir string
	// Tag names the image instead of the profile's image.
	Tag string
	// NoCache builds every step afresh.
	NoCache bool
	// Progress receives the build's output, one line at a time, on the library's callback
	// thread; all calls have been made by the time BuildProfile returns.
	Progress func(line string)
}

// BuildProfile builds the image of profile on the client's engine (pd_profile_build) and
// returns the new image's id. A failing step is ErrBuildFailed with the engine's message.
// ctx is checked before the call; the build itself is not interrupted by cancelling ctx.
func (cl *Client) BuildProfile(ctx context.Context, profile string, opts BuildOptions) (string, error) {
	const op = "build"
	if err := ctx.Err(); err != nil {
		return "", err
	}
	o := C.pd_build_opts_new()
	if o == nil {
		return "", &Error{Op: op, Code: CodeInternal, Message: "pd_build_opts_new returned NULL"}
	}
	defer C.pd_build_opts_free(o)
	sets := []struct {
		what, value string
		call        func(*C.char, **C.pd_error) C.pd_status
	}{
		{"base", opts.Base, func(s *C.char, e **C.pd_error) C.pd_status { return C.pd_build_opts_set_base(o, s, e) }},
		{"context dir", opts.ContextDir, func(s *C.char, e **C.pd_error) C.pd_status { return C.pd_build_opts_set_context_dir(o, s, e) }},
		{"tag", opts.Tag, func(s *C.char, e **C.pd_error) C.pd_status { return C.pd_build_opts_set_tag(o, s, e) }},
	}
	for _, s := range sets {
		cs, err := cStringOrNil(op, s.what, s.value)
		if err != nil {
			return "", err
		}
		var e *C.pd_error
		st := s.call(cs, &e)
		cFree(cs)
		if st != C.PD_OK {
			return "", takeError(op, st, e)
		}
	}
	var e *C.pd_error
	if st := C.pd_build_opts_set_no_cache(o, C.bool(opts.NoCache), &e); st != C.PD_OK {
		return "", takeError(op, st, e)
	}
	cprof, err := cString(op, "profile", profile)
	if err != nil {
		return "", err
	}
	defer cFree(cprof)
	var id *C.char
	err = cl.call(ctx, op, func(client *C.pd_client, e **C.pd_error) C.pd_status {
		var cb C.pd_line_cb
		var ud unsafe.Pointer
		var free C.pd_free_cb
		if opts.Progress != nil {
			// The library calls free_user_data exactly once (before pd_profile_build
			// returns), even when the call fails.
			h := cgo.NewHandle(opts.Progress)
			liveCallbackHandles.Add(1)
			cb, ud, free = C.pdgo_line_cb(), C.pdgo_user_data(C.uintptr_t(h)), C.pdgo_free_cb()
		}
		return C.pd_profile_build(client, cprof, o, cb, ud, free, &id, e)
	})
	if err != nil {
		return "", err
	}
	return pdString(id), nil
}

// ExportImages writes images (names or ids) into one archive at file on this host,
// gzip-compressed when the name ends in ".gz" (pd_image_export), streamed in constant
// memory. A missing image is ErrImageNotFound.
func (cl *Client) ExportImages(ctx context.Context, images []string, file string) error {
	const op = "export images"
	cfile, err := cString(op, "file", file)
	if err != nil {
		return err
	}
	defer cFree(cfile)
	return withCStrings(op, "images", images, func(arr **C.char, n C.size_t) error {
		return cl.call(ctx, op, func(client *C.pd_client, e **C.pd_error) C.pd_status {
			return C.pd_image_export(client, arr, n, cfile, e)
		})
	})
}

// ImportImages loads every image in the archive at file (plain or gzip tar;
// pd_image_import) and returns the names the engine reports loading.
func (cl *Client) ImportImages(ctx context.Context, file string) ([]string, error) {
	const op = "import images"
	cfile, err := cString(op, "file", file)
	if err != nil {
		return nil, err
	}
	defer cFree(cfile)
	var out *C.char
	err = cl.call(ctx, op, func(client *C.pd_client, e **C.pd_error) C.pd_status {
		return C.pd_image_import(client, cfile, &out, e)
	})
	if err != nil {
		return nil, err
	}
	var names []string
	return names, decodeJSON(op, pdString(out), &names)
}

// RemoveImage removes an image (pd_image_remove); force also removes one in use or with
// several tags. A missing image is ErrImageNotFound.
func (cl *Client) RemoveImage(ctx context.Context, image string, force bool) error {
	const op = "remove image"
	cimg, err := cString(op, "image", image)
	if err != nil {
		return err
	}
	defer cFree(cimg)
	return cl.call(ctx, op, func(client *C.pd_client, e **C.pd_error) C.pd_status {
		return C.pd_image_remove(client, cimg, C.bool(force), e)
	})
}

// ImageExists reports whether an image of this name or id is on the client's engine
// (pd_image_exists).
func (cl *Client) ImageExists(ctx context.Context, image string) (bool, error) {
	const op = "image exists"
	cimg, err := cString(op, "image", image)
	if err != nil {
		return false, err
	}
	defer cFree(cimg)
	var exists C.bool
	err = cl.call(ctx, op, func(client *C.pd_client, e **C.pd_error) C.pd_status {
		return C.pd_image_exists(client, cimg, &exists, e)
	})
	return bool(exists), err
}
