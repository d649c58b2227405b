package pocketdock

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestErrorSentinels(t *testing.T) {
	sentinels := map[Code]error{
		CodeInvalidArgument: ErrInvalidArgument, CodeEngineNotFound: ErrEngineNotFound,
		CodeContainerNotFound: ErrContainerNotFound, CodeContainerNotRunning: ErrContainerNotRunning,
		CodeContainerGone: ErrContainerGone, CodeImageNotFound: ErrImageNotFound,
		CodeNameConflict: ErrNameConflict, CodeTimeout: ErrTimeout, CodeIO: ErrIO,
		CodeEngine: ErrEngine, CodeInternal: ErrInternal, CodePanic: ErrPanic,
		CodeInvalidState: ErrInvalidState, CodeFileNotFound: ErrFileNotFound,
		CodeBuildFailed: ErrBuildFailed,
	}
	if len(sentinels) != len(codeNames)-1 {
		t.Errorf("%d sentinels for %d failure codes", len(sentinels), len(codeNames)-1)
	}
	for code, sentinel := range sentinels {
		err := fmt.Errorf("wrapped: %w", &Error{Op: "op", Code: code, Message: "detail", EngineStatus: 500})
		for other, s := range sentinels {
			if got := errors.Is(err, s); got != (other == code) {
				t.Errorf("errors.Is(%v error, %v sentinel) = %v", code, other, got)
			}
		}
		if strings.HasPrefix(code.String(), "pd_status(") {
			t.Errorf("code %d has no name", code)
		}
		_ = sentinel
	}
	if ErrNotFound != ErrContainerNotFound {
		t.Error("ErrNotFound is not ErrContainerNotFound")
	}
	specific := &Error{Code: CodeIO, Message: "a"}
	if errors.Is(&Error{Code: CodeIO, Message: "b"}, specific) {
		t.Error("a target with a message must match only itself")
	}
	e := &Error{Op: "run", Code: CodeEngine, Message: "boom", EngineStatus: 500}
	if got := e.Error(); got != "pocketdock: run: boom (engine HTTP 500)" {
		t.Errorf("Error() = %q", got)
	}
	if got := ErrImageNotFound.Error(); got != "pocketdock: image not found" {
		t.Errorf("sentinel Error() = %q", got)
	}
	if got := Code(99).String(); got != "pd_status(99)" {
		t.Errorf("unknown code String() = %q", got)
	}
}

func asError(t *testing.T, err error) *Error {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *pocketdock.Error", err, err)
	}
	if pe.Message == "" {
		t.Errorf("error %v has no message", err)
	}
	return pe
}

func TestErrMissingImage(t *testing.T) {
	c, err := createLabelled(t, WithImage("pocketdock/no-such-image-for-go-tests:latest"))
	if c != nil {
		c.Close()
	}
	if !errors.Is(err, ErrImageNotFound) {
		t.Fatalf("Create with a missing image: %v, want ErrImageNotFound", err)
	}
	if pe := asError(t, err); pe.Op != "create" {
		t.Errorf("Op = %q", pe.Op)
	}
}

func TestErrNameConflict(t *testing.T) {
	name := uniqueName("pd-gotest-clash")
	first := newBox(t, WithName(name))
	if first.Name() != name {
		t.Errorf("Name() = %q, want %q", first.Name(), name)
	}
	c, err := createLabelled(t, WithName(name))
	if c != nil {
		t.Cleanup(func() { c.Close() })
	}
	if !errors.Is(err, ErrNameConflict) {
		t.Fatalf("second Create with name %q: %v, want ErrNameConflict", name, err)
	}
	asError(t, err)
	// The first container is untouched.
	if res := mustRun(t, first, "echo still here"); string(res.Stdout) != "still here\n" {
		t.Errorf("first container after the clash: %q", res.Stdout)
	}
}

func TestErrInvalidArguments(t *testing.T) {
	cases := []struct {
		name string
		opts []Option
		op   string
	}{
		{"mem_limit", []Option{WithMemLimit("lots")}, "create"},
		{"zero timeout", []Option{WithTimeout(0)}, "container option timeout"},
		{"nul in name", []Option{WithName("a\x00b")}, "container option name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := createLabelled(t, tc.opts...)
			if c != nil {
				c.Close()
			}
			if !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("CreateContainer: %v, want ErrInvalidArgument", err)
			}
			if pe := asError(t, err); pe.Op != tc.op {
				t.Errorf("Op = %q, want %q", pe.Op, tc.op)
			}
		})
	}

	box := newBox(t)
	runCases := []struct {
		name string
		cmd  string
		opts []RunOption
	}{
		{"zero timeout", "true", []RunOption{WithRunTimeout(0)}},
		{"lang", "true", []RunOption{WithLang("cobol")}},
		{"negative max_output", "true", []RunOption{WithMaxOutput(-1)}},
		{"nul in command", "echo a\x00b", nil},
	}
	for _, tc := range runCases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := box.Run(testCtx(t), tc.cmd, tc.opts...)
			if res != nil || !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("Run: %+v, %v; want nil, ErrInvalidArgument", res, err)
			}
			asError(t, err)
		})
	}
}

func TestRunAfterShutdown(t *testing.T) {
	box := newBox(t)
	if err := box.Shutdown(testCtx(t)); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	res, err := box.Run(testCtx(t), "echo too late")
	if res != nil || !(errors.Is(err, ErrContainerNotFound) || errors.Is(err, ErrContainerNotRunning)) {
		t.Fatalf("Run after Shutdown: %+v, %v; want ErrContainerNotFound or ErrContainerNotRunning", res, err)
	}
	asError(t, err)
	if box.Name() == "" || box.ID() == "" {
		t.Error("Name/ID lost after Shutdown")
	}
}

func TestShutdownAndCloseIdempotent(t *testing.T) {
	eng := testEngine(t)
	box := newBox(t)
	ctx := testCtx(t)
	if eng.inspect(t, box.ID()) == nil {
		t.Fatal("the engine does not know the new container")
	}
	for i := 0; i < 2; i++ {
		if err := box.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown #%d: %v", i+1, err)
		}
	}
	if eng.inspect(t, box.ID()) != nil {
		t.Error("the ephemeral container still exists after Shutdown")
	}
	for i := 0; i < 2; i++ {
		if err := box.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i+1, err)
		}
	}
	if err := box.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown after Close of a shut-down container: %v", err)
	}
	res, err := box.Run(ctx, "true")
	if res != nil || !errors.Is(err, ErrInvalidState) {
		t.Errorf("Run after Close: %+v, %v; want ErrInvalidState", res, err)
	}
	// Close alone (no Shutdown first) removes the container too.
	other := newBox(t)
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	if eng.inspect(t, other.ID()) != nil {
		t.Error("the container still exists after Close")
	}
}
