package pocketdock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestProfilesTable(t *testing.T) {
	ps := Profiles()
	if len(ps) != 7 || ps[0].Name != "minimal-python" {
		t.Fatalf("profiles: %+v", ps)
	}
	for _, p := range ps {
		if p.Image != "pocketdock/"+p.Name || p.Description == "" || p.Size == "" {
			t.Errorf("profile %+v", p)
		}
		q, err := ResolveProfile(p.Name)
		if err != nil || q != p {
			t.Errorf("ResolveProfile(%q) = %+v, %v", p.Name, q, err)
		}
		wantNet := p.Name == "dev" || p.Name == "embedded"
		if p.Network != wantNet {
			t.Errorf("%s network %v", p.Name, p.Network)
		}
	}
	if _, err := ResolveProfile("gpu"); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("unknown profile: %v", err)
	}
}

func TestWithProfileSetsImageAndNetwork(t *testing.T) {
	c := newBox(t, WithProfile("minimal-python"))
	info, err := c.Info(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(info.Image, "pocketdock/minimal-python") || info.Network {
		t.Fatalf("image %q network %v", info.Image, info.Network)
	}
	if _, err := testClient.CreateContainer(testCtx(t), WithProfile("gpu")); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("unknown profile: %v", err)
	}
}

// smallBase is the no-shell fixture scripts/build-images made, as this engine names it.
func smallBase() string {
	if strings.Contains(os.Getenv("POCKETDOCK_SOCKET"), "podman") {
		return "localhost/pocketdock/test-no-shell"
	}
	return "pocketdock/test-no-shell"
}

func contextDir(t *testing.T, dockerfile string) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestBuildExportRemoveImport(t *testing.T) {
	testEngine(t) // skips without POCKETDOCK_SOCKET
	ctx := testCtx(t)
	tag := fmt.Sprintf("pocketdock-test/go-roundtrip-%d", os.Getpid())
	t.Cleanup(func() { _ = testClient.RemoveImage(ctx, tag, true) })
	var mu sync.Mutex
	var lines []string
	id, err := testClient.BuildProfile(ctx, "minimal-python", BuildOptions{
		ContextDir: contextDir(t, "FROM "+smallBase()+"\nLABEL go=test\n"),
		Tag:        tag,
		Progress: func(l string) {
			mu.Lock()
			lines = append(lines, l)
			mu.Unlock()
		},
	})
	if err != nil || id == "" {
		t.Fatalf("Build: %q %v", id, err)
	}
	mu.Lock()
	n := len(lines)
	mu.Unlock()
	if n == 0 {
		t.Fatal("no progress lines")
	}
	if ok, err := testClient.ImageExists(ctx, tag); !ok || err != nil {
		t.Fatalf("exists after build: %v %v", ok, err)
	}
	file := filepath.Join(t.TempDir(), "img.tar.gz")
	if err := testClient.ExportImages(ctx, []string{tag}, file); err != nil {
		t.Fatal(err)
	}
	if err := testClient.RemoveImage(ctx, tag, true); err != nil {
		t.Fatal(err)
	}
	if ok, _ := testClient.ImageExists(ctx, tag); ok {
		t.Fatal("still there after RemoveImage")
	}
	names, err := testClient.ImportImages(ctx, file)
	if err != nil || len(names) == 0 || !strings.Contains(strings.Join(names, ","), tag) {
		t.Fatalf("ImportImages: %v %v", names, err)
	}
	if ok, _ := testClient.ImageExists(ctx, tag); !ok {
		t.Fatal("missing after import")
	}
	if liveCallbackHandles.Load() != 0 {
		t.Fatalf("%d callback handles not released", liveCallbackHandles.Load())
	}
}

func TestBuildFailureAndMissingImages(t *testing.T) {
	testEngine(t)
	ctx := testCtx(t)
	tag := fmt.Sprintf("pocketdock-test/go-fails-%d", os.Getpid())
	t.Cleanup(func() { _ = testClient.RemoveImage(ctx, tag, true) })
	_, err := testClient.BuildProfile(ctx, "minimal-python", BuildOptions{
		ContextDir: contextDir(t, "FROM "+smallBase()+"\nRUN /busybox false\n"),
		Tag:        tag,
	})
	if !errors.Is(err, ErrBuildFailed) {
		t.Fatalf("failing build: %v", err)
	}
	missing := "pocketdock-test/never-built:x"
	if err := testClient.ExportImages(ctx, []string{missing}, filepath.Join(t.TempDir(), "x.tar")); !errors.Is(err, ErrImageNotFound) {
		t.Fatalf("export missing: %v", err)
	}
	if err := testClient.RemoveImage(ctx, missing, false); !errors.Is(err, ErrImageNotFound) {
		t.Fatalf("remove missing: %v", err)
	}
	if _, err := testClient.ImportImages(ctx, "/nonexistent/x.tar"); !errors.Is(err, ErrFileNotFound) {
		t.Fatalf("import missing file: %v", err)
	}
	if _, err := testClient.BuildProfile(ctx, "gpu", BuildOptions{}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("unknown profile: %v", err)
	}
}
