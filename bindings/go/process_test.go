package pocketdock

import (
	"errors"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestSpawnReadWaitKill(t *testing.T) {
	box := newBox(t)
	ctx := testCtx(t)
	p, err := box.Spawn(ctx, "echo one; echo e1 >&2; sleep 0.5; echo two; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.ID() == 0 {
		t.Error("process id 0")
	}
	if p.BufferSize() != 1<<20 {
		t.Errorf("BufferSize %d, want the 1 MiB default", p.BufferSize())
	}
	running, err := p.Running(ctx)
	if err != nil || !running {
		t.Errorf("Running right after Spawn: %v, %v", running, err)
	}
	time.Sleep(200 * time.Millisecond)
	peek, err := p.Peek(ctx)
	if err != nil || string(peek.Stdout) != "one\n" || string(peek.Stderr) != "e1\n" {
		t.Errorf("Peek: %+v, %v", peek, err)
	}
	read, err := p.Read(ctx)
	if err != nil || string(read.Stdout) != "one\n" {
		t.Errorf("Read: %+v, %v", read, err)
	}
	res, err := p.Wait(ctx)
	if err != nil || res.ExitCode != 3 || string(res.Stdout) != "two\n" {
		t.Errorf("Wait: %+v, %v (want exit 3 and only the unread output)", res, err)
	}
	if running, err := p.Running(ctx); err != nil || running {
		t.Errorf("Running after the end: %v, %v", running, err)
	}
	if p.BufferOverflow() {
		t.Error("overflow with a few bytes of output")
	}

	long, err := box.SpawnArgv(ctx, []string{"sleep", "43"}, WithBufferSize(4096))
	if err != nil {
		t.Fatal(err)
	}
	defer long.Close()
	if long.BufferSize() != 4096 {
		t.Errorf("BufferSize %d, want 4096", long.BufferSize())
	}
	if _, err := long.WaitTimeout(200 * time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Errorf("WaitTimeout on a running process: %v, want ErrTimeout", err)
	}
	list, err := box.Processes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[uint32]ProcessInfo{}
	for _, pi := range list {
		byID[pi.ID] = pi
	}
	if pi := byID[p.ID()]; pi.Running || pi.ExitCode != 3 || pi.PID == 0 {
		t.Errorf("listed finished process: %+v (list %+v)", pi, list)
	}
	if pi := byID[long.ID()]; !pi.Running || pi.ExitCode != -1 {
		t.Errorf("listed running process: %+v (list %+v)", pi, list)
	}
	if err := long.Kill(ctx, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	res, err = long.Wait(ctx)
	if err != nil || res.Signal != 9 {
		t.Errorf("Wait after SIGKILL: %+v, %v", res, err)
	}
	if err := long.Kill(ctx, syscall.SIGTERM); err != nil {
		t.Errorf("signalling a finished process: %v", err)
	}
	if err := long.Kill(ctx, syscall.Signal(99)); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("signal 99: %v, want ErrInvalidArgument", err)
	}
}

func TestWaitHonoursContext(t *testing.T) {
	box := newBox(t)
	p, err := box.Spawn(testCtx(t), "sleep 44")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	defer p.Kill(testCtx(t), syscall.SIGKILL)
	ctx, cancel := contextWithTimeout(700 * time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := p.Wait(ctx); !errors.Is(err, errDeadline) {
		t.Errorf("Wait past the deadline: %v", err)
	}
	if d := time.Since(start); d < 600*time.Millisecond || d > 5*time.Second {
		t.Errorf("Wait returned after %v with a 700 ms deadline", d)
	}
	if running, err := p.Running(testCtx(t)); err != nil || !running {
		t.Errorf("the process should keep running after Wait gave up: %v, %v", running, err)
	}
}

func TestAttachAndOpen(t *testing.T) {
	box := newBox(t)
	ctx := testCtx(t)
	p, err := box.Spawn(ctx, "echo hello from $$; sleep 45")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	defer p.Kill(ctx, syscall.SIGKILL)

	// Another handle on the same container, found by name, as another program would.
	other, err := testClient.OpenContainer(ctx, box.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Release() // not Close: that would shut the shared container down
	if other.ID() != box.ID() || other.Name() != box.Name() {
		t.Errorf("Open found %s/%s, want %s/%s", other.Name(), other.ID(), box.Name(), box.ID())
	}
	byID, err := testClient.OpenContainer(ctx, box.ID())
	if err != nil {
		t.Fatal(err)
	}
	byID.Release()
	byID.Release()
	if _, err := byID.Run(ctx, "true"); !errors.Is(err, ErrInvalidState) {
		t.Errorf("Run after Release: %v", err)
	}

	a, err := other.AttachProcess(ctx, p.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	time.Sleep(200 * time.Millisecond)
	out, err := a.Read(ctx)
	if err != nil || !strings.HasPrefix(string(out.Stdout), "hello from ") {
		t.Errorf("attached Read: %+v, %v", out, err)
	}
	if res := mustRun(t, other, "echo via the opened handle"); string(res.Stdout) != "via the opened handle\n" {
		t.Errorf("run through Open: %q", res.Stdout)
	}
	if _, err := other.AttachProcess(ctx, 999999); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("attaching to a missing process: %v", err)
	}
	if _, err := testClient.OpenContainer(ctx, "pd-no-such-container-go"); !errors.Is(err, ErrContainerNotFound) {
		t.Errorf("Open of a missing container: %v, want ErrContainerNotFound", err)
	}
	// The container still runs after Release of the other handles.
	if res := mustRun(t, box, "echo alive"); string(res.Stdout) != "alive\n" {
		t.Errorf("after Release: %q", res.Stdout)
	}
}

type event struct {
	kind string
	data string
}

type recorder struct {
	mu     sync.Mutex
	events []event
	exited chan *Result
}

func newRecorder() *recorder { return &recorder{exited: make(chan *Result, 1)} }

func (r *recorder) output(k StreamKind, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, event{k.String(), string(b)})
}

func (r *recorder) exit(res *Result) { r.exited <- res }

func (r *recorder) text(kind string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, e := range r.events {
		if e.kind == kind {
			b.WriteString(e.data)
		}
	}
	return b.String()
}

func TestProcessCallbacks(t *testing.T) {
	box := newBox(t)
	ctx := testCtx(t)
	p, err := box.Spawn(ctx, "echo a; echo b >&2; sleep 0.3; echo c; exit 4")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	rec := newRecorder()
	if err := p.SetCallbacks(rec.output, rec.exit); err != nil {
		t.Fatal(err)
	}
	select {
	case res := <-rec.exited:
		if res.ExitCode != 4 {
			t.Errorf("exit callback: %+v", res)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit callback")
	}
	if got := rec.text("stdout"); got != "a\nc\n" {
		t.Errorf("stdout through the callback %q", got)
	}
	if got := rec.text("stderr"); got != "b\n" {
		t.Errorf("stderr through the callback %q", got)
	}

	// Container-wide callbacks reach every process spawned afterwards.
	all := newRecorder()
	if err := box.SetProcessCallbacks(all.output, all.exit); err != nil {
		t.Fatal(err)
	}
	q, err := box.Spawn(ctx, "echo from q")
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	select {
	case <-all.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("no exit callback from the container-wide callbacks")
	}
	if got := all.text("stdout"); got != "from q\n" {
		t.Errorf("container-wide stdout %q", got)
	}
	if err := box.SetProcessCallbacks(nil, nil); err != nil {
		t.Fatal(err)
	}
	// Only an exit callback, and a callback that calls back into the library.
	onlyExit := make(chan string, 1)
	r, err := box.Spawn(ctx, "exit 0")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.SetCallbacks(nil, func(res *Result) {
		more, err := box.Run(testCtx(t), "echo inside")
		if err != nil {
			onlyExit <- err.Error()
			return
		}
		onlyExit <- string(more.Stdout)
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-onlyExit:
		if got != "inside\n" {
			t.Errorf("a run from inside a callback: %q", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit callback")
	}
}

// The cgo.Handles behind callbacks are all released once the library is done with them.
func TestCallbackHandlesReleased(t *testing.T) {
	box := newBox(t)
	ctx := testCtx(t)
	base := liveCallbackHandles.Load()
	for i := 0; i < 3; i++ {
		p, err := box.Spawn(ctx, "echo x")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		if err := p.SetCallbacks(nil, func(*Result) { close(done) }); err != nil {
			t.Fatal(err)
		}
		<-done
		p.Close()
	}
	if err := box.SetProcessCallbacks(func(StreamKind, []byte) {}, nil); err != nil {
		t.Fatal(err)
	}
	if got := liveCallbackHandles.Load() - base; got < 1 {
		t.Errorf("%d live callback handles while container callbacks are set", got)
	}
	if err := box.SetProcessCallbacks(nil, nil); err != nil {
		t.Fatal(err)
	}
	// A handle whose process is closed before it ends, and callbacks on a closed handle.
	p, err := box.Spawn(ctx, "sleep 0.3")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetCallbacks(func(StreamKind, []byte) {}, nil); err != nil {
		t.Fatal(err)
	}
	p.Close()
	if err := p.SetCallbacks(nil, func(*Result) {}); !errors.Is(err, ErrInvalidState) {
		t.Errorf("SetCallbacks on a closed process: %v", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for liveCallbackHandles.Load() != base && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := liveCallbackHandles.Load() - base; got != 0 {
		t.Errorf("%d callback handle(s) never released by the library", got)
	}
}
