package pocketdock

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// persistProject is a project of this test's own, and a cleanup that removes every
// container of it (persistent and stopped ones too) when the test ends.
func persistProject(t *testing.T, tag string) (string, *engine) {
	t.Helper()
	eng := testEngine(t)
	project := uniqueName("pdtest-go-" + tag)
	t.Cleanup(func() {
		filters := url.QueryEscape(fmt.Sprintf(`{"label":["pocketdock.project=%s"]}`, project))
		code, body := eng.do(t, "GET", "/containers/json?all=true&filters="+filters)
		if code != http.StatusOK {
			t.Errorf("list %s: HTTP %d: %s", project, code, body)
			return
		}
		var listed []struct{ Id string }
		if err := json.Unmarshal(body, &listed); err != nil {
			t.Error(err)
		}
		for _, c := range listed {
			eng.remove(t, c.Id)
		}
	})
	return project, eng
}

func TestPersistShutdownResumeListRebootPrune(t *testing.T) {
	ctx := testCtx(t)
	project, eng := persistProject(t, "persist")
	c, err := createLabelled(t, WithPersist(true), WithProject(project))
	if err != nil {
		t.Fatal(err)
	}
	name := c.Name()
	mustRun(t, c, "echo kept > marker")
	if err := c.Close(); err != nil { // a persistent one is stopped and kept
		t.Fatal(err)
	}
	list, err := testClient.ListContainers(ctx, project)
	if err != nil || len(list) != 1 {
		t.Fatalf("ListContainers: %+v, %v", list, err)
	}
	s := list[0]
	if s.Name != name || !s.Stopped() || !s.Persist || s.Project != project ||
		s.Image != "pocketdock/minimal-python" || s.ID == "" || s.CreatedAt == "" {
		t.Errorf("listed: %+v", s)
	}

	r, err := testClient.ResumeContainer(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	if out := string(mustRun(t, r, "cat marker").Stdout); out != "kept\n" {
		t.Errorf("after resume: %q", out)
	}
	if err := r.Reboot(ctx, false); err != nil {
		t.Fatal(err)
	}
	if out := string(mustRun(t, r, "cat marker").Stdout); out != "kept\n" {
		t.Errorf("after an in-place reboot: %q", out)
	}
	oldID := r.ID()
	if err := r.Reboot(ctx, true); err != nil {
		t.Fatal(err)
	}
	if r.ID() == oldID || r.Name() != name {
		t.Errorf("fresh reboot: id %s (was %s), name %s", r.ID(), oldID, r.Name())
	}
	if in := eng.inspect(t, name); in == nil || !in.State.Running {
		t.Errorf("after a fresh reboot: %+v", in)
	}
	if out := string(mustRun(t, r, "cat marker 2>/dev/null || echo fresh").Stdout); out != "fresh\n" {
		t.Errorf("after a fresh reboot: %q", out)
	}

	if err := testClient.StopContainer(ctx, name); err != nil {
		t.Fatal(err)
	}
	if n, err := testClient.Prune(ctx, project); err != nil || n != 1 {
		t.Fatalf("Prune: %d, %v", n, err)
	}
	if eng.inspect(t, name) != nil {
		t.Error("pruned container still exists")
	}
	if err := testClient.DestroyContainer(ctx, name); !errors.Is(err, ErrContainerNotFound) {
		t.Errorf("destroy of a pruned container: %v", err)
	}
	if _, err := testClient.ResumeContainer(ctx, name[:len(name)-1]); !errors.Is(err, ErrContainerNotFound) {
		t.Errorf("resume by a prefix of the name: %v", err)
	}
}

func TestDestroyAndSnapshot(t *testing.T) {
	ctx := testCtx(t)
	project, eng := persistProject(t, "snap")
	c := newBox(t, WithProject(project))
	mustRun(t, c, "echo snapped > /home/sandbox/marker")
	ref := "localhost:5000/" + project + "/snap:v1"
	t.Cleanup(func() { eng.do(t, "DELETE", "/images/"+ref+"?force=true") })
	id, err := c.Snapshot(ctx, ref)
	if err != nil || id == "" {
		t.Fatalf("Snapshot: %q, %v", id, err)
	}
	n := newBox(t, WithImage(ref), WithProject(project))
	if out := string(mustRun(t, n, "cat /home/sandbox/marker").Stdout); out != "snapped\n" {
		t.Errorf("from the snapshot: %q", out)
	}
	if _, err := c.Snapshot(ctx, "Not/A Reference"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("bad reference: %v", err)
	}
	if err := testClient.DestroyContainer(ctx, n.Name()); err != nil {
		t.Fatal(err)
	}
	if eng.inspect(t, n.Name()) != nil {
		t.Error("destroyed container still exists")
	}
}

func TestPersistBadArguments(t *testing.T) {
	ctx := testCtx(t)
	if _, err := testClient.ResumeContainer(ctx, "a\x00b"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("NUL in a name: %v", err)
	}
	if _, err := testClient.ListContainers(ctx, "p\x00"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("NUL in a project: %v", err)
	}
}
