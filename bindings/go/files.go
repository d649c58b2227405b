package pocketdock

/*
#include "pocketdock.h"
*/
import "C"

import (
	"context"
	"io/fs"
	"runtime"
	"strconv"
	"unsafe"
)

// FileKind is what a listed directory entry is.
type FileKind int32

// The kinds pd_file_list_kind reports.
const (
	FileKindUnknown FileKind = C.PD_FILE_KIND_UNKNOWN
	FileKindFile    FileKind = C.PD_FILE_KIND_FILE
	FileKindDir     FileKind = C.PD_FILE_KIND_DIR
	FileKindSymlink FileKind = C.PD_FILE_KIND_SYMLINK
	FileKindOther   FileKind = C.PD_FILE_KIND_OTHER
)

func (k FileKind) String() string {
	switch k {
	case FileKindFile:
		return "file"
	case FileKindDir:
		return "dir"
	case FileKindSymlink:
		return "symlink"
	case FileKindOther:
		return "other"
	case FileKindUnknown:
		return "unknown"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// FileInfo is one entry of a directory listing (ListDir).
type FileInfo struct {
	Name string // the entry's name, not a path
	Kind FileKind
	Size uint64 // bytes, for regular files; else 0
	Mode uint32 // permission bits with setuid (04000), setgid (02000) and sticky (01000)
}

// FileMode converts Kind and Mode to an fs.FileMode.
func (fi FileInfo) FileMode() fs.FileMode {
	m := fs.FileMode(fi.Mode & 0o777)
	if fi.Mode&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if fi.Mode&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if fi.Mode&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	switch fi.Kind {
	case FileKindDir:
		m |= fs.ModeDir
	case FileKindSymlink:
		m |= fs.ModeSymlink
	case FileKindOther, FileKindUnknown:
		m |= fs.ModeIrregular
	}
	return m
}

// fileCall makes one blocking file call with the container handle held live.
func (c *Container) fileCall(ctx context.Context, op string, call func(e **C.pd_error) C.pd_status) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.withHandle(op, call)
}

// WriteFile writes data to the file at path in the container (pd_file_write), replacing
// it and creating missing parent directories; relative paths start at the container's
// working directory. The file gets mode 0644 and the image's user as owner.
// WriteFileFrom takes an io.Reader instead.
func (c *Container) WriteFile(ctx context.Context, path string, data []byte) error {
	cpath, err := cString("write file", "path", path)
	if err != nil {
		return err
	}
	defer cFree(cpath)
	var p *C.uint8_t
	if len(data) > 0 {
		// Go memory passed for the duration of the call only, as cgo allows.
		p = (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(data)))
	}
	err = c.fileCall(ctx, "write file", func(e **C.pd_error) C.pd_status {
		return C.pd_file_write(c.ptr, cpath, p, C.size_t(len(data)), e)
	})
	runtime.KeepAlive(data)
	return err
}

// ReadFile reads the whole file at path in the container (pd_file_read), following
// symlinks. A missing file is ErrFileNotFound (which matches fs.ErrNotExist too); a
// directory is ErrInvalidArgument. ReadFileTo writes it to an io.Writer instead.
func (c *Container) ReadFile(ctx context.Context, path string) ([]byte, error) {
	b, err := c.readFile(ctx, path)
	if err != nil {
		return nil, err
	}
	defer C.pd_bytes_free(b)
	n := C.pd_bytes_len(b)
	data := goBytes(C.pd_bytes_data(b, nil), n)
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// readFile is pd_file_read: the caller frees the bytes.
func (c *Container) readFile(ctx context.Context, path string) (*C.pd_bytes, error) {
	cpath, err := cString("read file", "path", path)
	if err != nil {
		return nil, err
	}
	defer cFree(cpath)
	var b *C.pd_bytes
	err = c.fileCall(ctx, "read file", func(e **C.pd_error) C.pd_status {
		return C.pd_file_read(c.ptr, cpath, &b, e)
	})
	return b, err
}

// ListDir lists the directory at path in the container (pd_file_list), following
// symlinks: its entries without "." and "..", sorted by name. A missing path is
// ErrFileNotFound; a file is ErrInvalidArgument.
func (c *Container) ListDir(ctx context.Context, path string) ([]FileInfo, error) {
	cpath, err := cString("list dir", "path", path)
	if err != nil {
		return nil, err
	}
	defer cFree(cpath)
	var l *C.pd_file_listing
	err = c.fileCall(ctx, "list dir", func(e **C.pd_error) C.pd_status {
		return C.pd_file_list(c.ptr, cpath, &l, e)
	})
	if err != nil {
		return nil, err
	}
	defer C.pd_file_list_free(l)
	entries := make([]FileInfo, int(C.pd_file_list_len(l)))
	for i := range entries {
		ci := C.size_t(i)
		entries[i] = FileInfo{
			Name: C.GoString(C.pd_file_list_name(l, ci)),
			Kind: FileKind(C.pd_file_list_kind(l, ci)),
			Size: uint64(C.pd_file_list_size(l, ci)),
			Mode: uint32(C.pd_file_list_mode(l, ci)),
		}
	}
	return entries, nil
}

// Push copies the host file or directory hostSrc to dest in the container (pd_file_push),
// by `docker cp` rules: onto an existing directory it is nested under its own name (a
// hostSrc ending in "/." copies only the contents); onto a missing path it becomes that
// path. Modes and mtimes are kept; the owner is the image's user. A missing hostSrc is
// ErrFileNotFound.
func (c *Container) Push(ctx context.Context, hostSrc, dest string) error {
	return c.copyCall(ctx, "push", hostSrc, dest, func(a, b *C.char, e **C.pd_error) C.pd_status {
		return C.pd_file_push(c.ptr, a, b, e)
	})
}

// Pull copies the container file or directory src to hostDest (pd_file_pull), by the
// same rules as Push. The archive is treated as hostile: nothing is written outside
// hostDest. A missing src is ErrFileNotFound.
func (c *Container) Pull(ctx context.Context, src, hostDest string) error {
	return c.copyCall(ctx, "pull", src, hostDest, func(a, b *C.char, e **C.pd_error) C.pd_status {
		return C.pd_file_pull(c.ptr, a, b, e)
	})
}

func (c *Container) copyCall(ctx context.Context, op, from, to string,
	call func(a, b *C.char, e **C.pd_error) C.pd_status) error {
	cfrom, err := cString(op, "source", from)
	if err != nil {
		return err
	}
	defer cFree(cfrom)
	cto, err := cString(op, "destination", to)
	if err != nil {
		return err
	}
	defer cFree(cto)
	return c.fileCall(ctx, op, func(e **C.pd_error) C.pd_status { return call(cfrom, cto, e) })
}
