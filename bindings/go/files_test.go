package pocketdock

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReadListFiles(t *testing.T) {
	box := newBox(t)
	ctx := testCtx(t)
	data := bytes.Repeat([]byte("pocketdock\x00\xff"), 100000) // 1.2 MB, binary
	if err := box.WriteFile(ctx, "/tmp/gofiles/sub/data.bin", data); err != nil {
		t.Fatal(err)
	}
	got, err := box.ReadFile(ctx, "/tmp/gofiles/sub/data.bin")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ReadFile: %d bytes (want %d), %v", len(got), len(data), err)
	}
	if err := box.WriteFile(ctx, "/tmp/gofiles/empty", nil); err != nil {
		t.Fatal(err)
	}
	if got, err := box.ReadFile(ctx, "/tmp/gofiles/empty"); err != nil || got == nil || len(got) != 0 {
		t.Errorf("empty file: %q (nil %v), %v", got, got == nil, err)
	}
	// The container sees what was written.
	res := mustRun(t, box, "wc -c < /tmp/gofiles/sub/data.bin; stat -c %a /tmp/gofiles/empty")
	if string(res.Stdout) != "1200000\n644\n" {
		t.Errorf("inside the container: %q", res.Stdout)
	}
	mustRun(t, box, "ln -s sub /tmp/gofiles/link; mkfifo /tmp/gofiles/fifo; chmod 4755 /tmp/gofiles/empty")
	entries, err := box.ListDir(ctx, "/tmp/gofiles")
	if err != nil {
		t.Fatal(err)
	}
	want := []FileInfo{
		{Name: "empty", Kind: FileKindFile, Size: 0, Mode: 0o4755},
		{Name: "fifo", Kind: FileKindOther},
		{Name: "link", Kind: FileKindSymlink},
		{Name: "sub", Kind: FileKindDir},
	}
	if len(entries) != len(want) {
		t.Fatalf("ListDir: %+v", entries)
	}
	for i, w := range want {
		e := entries[i]
		if e.Name != w.Name || e.Kind != w.Kind || (w.Kind == FileKindFile && (e.Size != w.Size || e.Mode != w.Mode)) {
			t.Errorf("entry %d: %+v, want %+v", i, e, w)
		}
	}
	if m := entries[0].FileMode(); m != fs.ModeSetuid|0o755 {
		t.Errorf("FileMode of empty: %v", m)
	}
	if m := entries[3].FileMode(); !m.IsDir() {
		t.Errorf("FileMode of sub: %v", m)
	}
	if sub, err := box.ListDir(ctx, "/tmp/gofiles/sub"); err != nil || len(sub) != 1 || sub[0].Size != uint64(len(data)) {
		t.Errorf("ListDir sub: %+v, %v", sub, err)
	}

	// Errors to branch on.
	if _, err := box.ReadFile(ctx, "/tmp/gofiles/missing"); !errors.Is(err, ErrFileNotFound) {
		t.Errorf("ReadFile of a missing file: %v, want ErrFileNotFound", err)
	}
	if _, err := box.ReadFile(ctx, "/tmp/gofiles"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("ReadFile of a directory: %v, want ErrInvalidArgument", err)
	}
	if _, err := box.ListDir(ctx, "/tmp/nope-go"); !errors.Is(err, ErrFileNotFound) {
		t.Errorf("ListDir of a missing dir: %v, want ErrFileNotFound", err)
	}
	if _, err := box.ListDir(ctx, "/tmp/gofiles/empty"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("ListDir of a file: %v, want ErrInvalidArgument", err)
	}
	if err := box.WriteFile(ctx, "/tmp/gofiles", []byte("x")); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("WriteFile onto a directory: %v, want ErrInvalidArgument", err)
	}
}

func TestPushPull(t *testing.T) {
	box := newBox(t)
	ctx := testCtx(t)
	src := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(src, "tree", "deep"), 0o755))
	must(os.WriteFile(filepath.Join(src, "tree", "a.txt"), []byte("alpha\n"), 0o644))
	must(os.WriteFile(filepath.Join(src, "tree", "deep", "run.sh"), []byte("#!/bin/sh\necho ran\n"), 0o755))

	must(box.Push(ctx, filepath.Join(src, "tree"), "/tmp/pushed"))
	res := mustRun(t, box, "cat /tmp/pushed/a.txt; /tmp/pushed/deep/run.sh")
	if string(res.Stdout) != "alpha\nran\n" {
		t.Errorf("after Push: %q %q", res.Stdout, res.Stderr)
	}
	mustRun(t, box, "echo made inside > /tmp/pushed/new.txt")

	dest := t.TempDir()
	must(box.Pull(ctx, "/tmp/pushed", filepath.Join(dest, "back")))
	for name, want := range map[string]string{
		"back/a.txt": "alpha\n", "back/deep/run.sh": "#!/bin/sh\necho ran\n", "back/new.txt": "made inside\n",
	} {
		got, err := os.ReadFile(filepath.Join(dest, name))
		if err != nil || string(got) != want {
			t.Errorf("pulled %s: %q, %v", name, got, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(dest, "back", "deep", "run.sh")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("pulled mode: %v, %v", fi, err)
	}
	if err := box.Push(ctx, filepath.Join(src, "missing"), "/tmp/x"); !errors.Is(err, ErrFileNotFound) {
		t.Errorf("Push of a missing host path: %v, want ErrFileNotFound", err)
	}
	if err := box.Pull(ctx, "/tmp/missing-go", dest); !errors.Is(err, ErrFileNotFound) {
		t.Errorf("Pull of a missing container path: %v, want ErrFileNotFound", err)
	}
}
