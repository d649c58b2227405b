package pocketdock

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/iotest"
)

// Every type that holds a C handle closes the io way.
var (
	_ io.Closer = (*Client)(nil)
	_ io.Closer = (*Container)(nil)
	_ io.Closer = (*Stream)(nil)
	_ io.Closer = (*Process)(nil)
	_ io.Closer = (*Session)(nil)
	_ io.Closer = (*ExecResult)(nil)
)

func TestFilesThroughReadersAndWriters(t *testing.T) {
	box := newBox(t)
	ctx := testCtx(t)
	data := bytes.Repeat([]byte("reader\x00\xfe"), 50000) // 400 kB, binary
	// A reader that hands out one byte at a time still delivers everything.
	r := iotest.HalfReader(bytes.NewReader(data))
	if err := box.WriteFileFrom(ctx, "/tmp/goio/data.bin", r); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := box.ReadFileTo(ctx, "/tmp/goio/data.bin", &buf)
	if err != nil || n != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) {
		t.Fatalf("ReadFileTo: n=%d len=%d (want %d), %v", n, buf.Len(), len(data), err)
	}
	if err := box.WriteFileFrom(ctx, "/tmp/goio/empty", strings.NewReader("")); err != nil {
		t.Fatal(err)
	}
	if n, err := box.ReadFileTo(ctx, "/tmp/goio/empty", &buf); n != 0 || err != nil {
		t.Errorf("ReadFileTo of an empty file: %d, %v", n, err)
	}

	// A failing reader: ErrIO and the reader's own error, and nothing written.
	boom := errors.New("boom")
	err = box.WriteFileFrom(ctx, "/tmp/goio/never", iotest.ErrReader(boom))
	if !errors.Is(err, ErrIO) || !errors.Is(err, boom) {
		t.Errorf("WriteFileFrom with a failing reader: %v, want ErrIO wrapping it", err)
	}
	if _, err := box.ReadFile(ctx, "/tmp/goio/never"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed WriteFileFrom left a file (%v)", err)
	}
	// A failing writer's error comes back as it is.
	if _, err := box.ReadFileTo(ctx, "/tmp/goio/data.bin", failingWriter{boom}); err != boom {
		t.Errorf("ReadFileTo with a failing writer: %v, want its error", err)
	}
	// A missing file is fs.ErrNotExist as well as ErrFileNotFound, as os.ReadFile's is.
	_, err = box.ReadFileTo(ctx, "/tmp/goio/missing", &buf)
	if !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, ErrFileNotFound) {
		t.Errorf("ReadFileTo of a missing file: %v, want fs.ErrNotExist and ErrFileNotFound", err)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestStdinFromReader(t *testing.T) {
	box := newBox(t)
	if !box.UsesAgent() {
		t.Skip("stdin needs the agent")
	}
	input := bytes.Repeat([]byte("line\n"), 20000)
	res := mustRun(t, box, "wc -c", WithStdinFrom(iotest.OneByteReader(bytes.NewReader(input))))
	if strings.TrimSpace(string(res.Stdout)) != "100000" {
		t.Errorf("wc -c of 100000 bytes of stdin: %q", res.Stdout)
	}
	f, err := os.Open("io_test.go")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, _ := os.ReadFile("io_test.go")
	res = mustRun(t, box, "cat", WithStdinFrom(f))
	if !bytes.Equal(res.Stdout, want) {
		t.Errorf("cat of an *os.File as stdin: %d bytes, want %d", len(res.Stdout), len(want))
	}
	boom := errors.New("boom")
	_, err = box.Run(testCtx(t), "cat", WithStdinFrom(iotest.ErrReader(boom)))
	if !errors.Is(err, ErrIO) || !errors.Is(err, boom) {
		t.Errorf("Run with a failing stdin reader: %v, want ErrIO wrapping it", err)
	}
}
