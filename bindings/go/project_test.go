package pocketdock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// newProject makes a project in a temp dir with a unique name, on the engine under test.
func newProject(t *testing.T) (string, string) {
	t.Helper()
	name := fmt.Sprintf("go proj \"%d\" ü", time.Now().UnixNano())
	root, err := InitProject(t.TempDir(), name)
	if err != nil {
		t.Fatalf("InitProject: %v", err)
	}
	if sock := os.Getenv("POCKETDOCK_SOCKET"); sock != "" {
		cfg := fmt.Sprintf("project_name: %q\nsocket: %q\nlogging:\n  max_run_logs: 2\n", name, sock)
		if err := os.WriteFile(filepath.Join(root, ".pocketdock/pocketdock.yaml"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root, name
}

func TestProjectInitFindConfigAndErrors(t *testing.T) {
	root, name := newProject(t)
	sub := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := FindProjectRoot(sub)
	if err != nil || got != root {
		t.Fatalf("FindProjectRoot = %q, %v; want %q", got, err, root)
	}
	cfg, err := LoadProjectConfig(sub)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ProjectName != name || !cfg.Logging.History {
		t.Fatalf("config %+v", cfg)
	}
	if _, err := FindProjectRoot(t.TempDir()); !errors.Is(err, ErrFileNotFound) {
		t.Fatalf("no project: %v", err)
	}
	if _, err := ProjectHistory(root, "pd-none"); !errors.Is(err, ErrFileNotFound) {
		t.Fatalf("no instance: %v", err)
	}
	if _, err := InitProject("bad\x00path", ""); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("NUL in path: %v", err)
	}
	if _, err := testClient.CreateContainer(context.Background(), WithProjectDir(t.TempDir())); !errors.Is(err, ErrFileNotFound) {
		t.Fatalf("WithProjectDir without a project: %v", err)
	}
	if _, err := testClient.CreateContainer(context.Background(), WithTTL(-time.Second)); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("negative TTL: %v", err)
	}
}

func TestProjectSandboxDataHistoryAndDoctor(t *testing.T) {
	eng := testEngine(t) // skips without POCKETDOCK_SOCKET
	root, name := newProject(t)
	c := newBox(t, WithProjectDir(root), WithTTL(time.Hour))
	labels := eng.inspect(t, c.Name()).Config.Labels
	if labels["pocketdock.project"] != name || labels["pocketdock.expires-at"] == "" || labels["pocketdock.owner-pid"] != fmt.Sprint(os.Getpid()) {
		t.Fatalf("labels %v", labels)
	}
	dir, err := c.InstanceDir()
	if err != nil || dir != filepath.Join(root, ".pocketdock", "instances", c.Name()) {
		t.Fatalf("InstanceDir = %q, %v", dir, err)
	}
	mustRun(t, c, "echo from-go > /data/go.txt")
	data, err := os.ReadFile(filepath.Join(dir, "data", "go.txt"))
	if err != nil || string(data) != "from-go\n" {
		t.Fatalf("host sees %q, %v", data, err)
	}
	for i := 0; i < 3; i++ {
		mustRun(t, c, fmt.Sprintf("echo %d", i))
	}
	h, err := ProjectHistory(root, c.Name())
	if err != nil || len(h) != 4 {
		t.Fatalf("history %+v, %v", h, err)
	}
	last := h[3]
	// Run may go through the library's blocking run or its stream (for cancellation).
	if (last.Kind != "run" && last.Kind != "stream") || last.ExitCode == nil || *last.ExitCode != 0 || !strings.Contains(last.Command, "echo 2") {
		t.Fatalf("last entry %+v", last)
	}
	runs, _ := os.ReadDir(filepath.Join(dir, "logs", "runs"))
	if len(runs) != 2 {
		t.Fatalf("%d run logs kept, want max_run_logs = 2", len(runs))
	}
	r, err := testClient.Doctor(testCtx(t), root, false)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Healthy() || r.ProjectName == nil || *r.ProjectName != name || r.Socket != os.Getenv("POCKETDOCK_SOCKET") {
		t.Fatalf("doctor %+v", r)
	}
	if r.EngineKind != "docker" && r.EngineKind != "podman" {
		t.Fatalf("engine kind %q", r.EngineKind)
	}
}
