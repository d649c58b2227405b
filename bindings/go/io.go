package pocketdock

/*
#include "pocketdock.h"
*/
import "C"

import (
	"context"
	"io"
	"unsafe"
)

// The io.Reader and io.Writer forms of the calls that move bytes. The C ABI takes and
// gives whole buffers (pd_file_write, pd_file_read, pd_run_opts_set_stdin), so a Reader is
// read to its end before the call and a Writer is given the whole file in one Write: these
// are for plugging into Go's io, not for files larger than memory (Push and Pull stream
// host files and trees).

// WriteFileFrom writes everything r yields, up to io.EOF, to the file at path in the
// container, as WriteFile. A failure reading r is ErrIO wrapping the reader's error
// (errors.Is matches both); nothing is written then.
func (c *Container) WriteFileFrom(ctx context.Context, path string, r io.Reader) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return readerError("write file", err)
	}
	return c.WriteFile(ctx, path, data)
}

// ReadFileTo writes the file at path in the container to w, as ReadFile reads it, and
// returns the number of bytes written. The bytes go to w straight from the library's
// buffer (w must not keep the slice, as io.Writer says). An error from w is returned as
// it is.
func (c *Container) ReadFileTo(ctx context.Context, path string, w io.Writer) (int64, error) {
	b, err := c.readFile(ctx, path)
	if err != nil {
		return 0, err
	}
	defer C.pd_bytes_free(b)
	var n C.size_t
	p := C.pd_bytes_data(b, &n)
	if p == nil || n == 0 {
		return 0, nil
	}
	written, err := w.Write(unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n)))
	if err == nil && written != int(n) {
		err = io.ErrShortWrite
	}
	return int64(written), err
}

// WithStdinFrom gives the run's stdin everything r yields, up to io.EOF, then closes it;
// r is read when the run starts (before the command runs), as WithStdin's bytes are
// copied then. Needs the agent, as WithStdin. A failure reading r fails the run before it
// starts with ErrIO wrapping the reader's error.
func WithStdinFrom(r io.Reader) RunOption {
	return func(cfg *runConfig) {
		cfg.add(func(o *C.pd_run_opts) error {
			data, err := io.ReadAll(r)
			if err != nil {
				return readerError("run option stdin", err)
			}
			return setStdin(o, data)
		})
	}
}

func readerError(op string, err error) error {
	return &Error{Op: op, Code: CodeIO, Message: "reading the io.Reader: " + err.Error(), cause: err}
}
