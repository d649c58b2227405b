package pocketdock

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// Run takes two paths: one pd_run call for a context that cannot be cancelled, a stream
// for one that can. Both must give the same results.
func TestRunPathsAgree(t *testing.T) {
	box := newBox(t)
	type scenario struct {
		name  string
		argv  []string
		cmd   string
		opts  []RunOption
		check func(t *testing.T, r *Result)
	}
	scenarios := []scenario{
		{name: "echo", cmd: "echo hello; echo err >&2; exit 42", check: func(t *testing.T, r *Result) {
			if string(r.Stdout) != "hello\n" || string(r.Stderr) != "err\n" || r.ExitCode != 42 {
				t.Errorf("%+v", r)
			}
		}},
		{name: "python stdin", cmd: "import sys; print(sys.stdin.read()[::-1])",
			opts: []RunOption{WithLang(LangPython), WithStdin([]byte("abc"))}, check: func(t *testing.T, r *Result) {
				if string(r.Stdout) != "cba\n" || r.ExitCode != 0 {
					t.Errorf("%+v", r)
				}
			}},
		{name: "big output", cmd: "head -c 2000000 /dev/zero | tr '\\0' y", check: func(t *testing.T, r *Result) {
			if len(r.Stdout) != 2000000 || !bytes.Equal(r.Stdout[:3], []byte("yyy")) || r.Truncated {
				t.Errorf("%d bytes, truncated %v", len(r.Stdout), r.Truncated)
			}
		}},
		{name: "timeout", cmd: "echo part; sleep 46", opts: []RunOption{WithRunTimeout(time.Second)},
			check: func(t *testing.T, r *Result) {
				if !r.TimedOut || string(r.Stdout) != "part\n" {
					t.Errorf("%+v", r)
				}
			}},
		{name: "truncation", cmd: "yes", opts: []RunOption{WithMaxOutput(3000)}, check: func(t *testing.T, r *Result) {
			if !r.Truncated || len(r.Stdout) > 3000 {
				t.Errorf("truncated %v, %d bytes", r.Truncated, len(r.Stdout))
			}
		}},
		{name: "argv", argv: []string{"printf", "%s|", "a b", "$x"}, check: func(t *testing.T, r *Result) {
			if string(r.Stdout) != "a b|$x|" {
				t.Errorf("%q", r.Stdout)
			}
		}},
	}
	ctxs := map[string]func() (context.Context, context.CancelFunc){
		"pd_run":        func() (context.Context, context.CancelFunc) { return context.Background(), func() {} },
		"pd_run_stream": func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
	}
	for _, sc := range scenarios {
		for path, mk := range ctxs {
			t.Run(sc.name+"/"+path, func(t *testing.T) {
				ctx, cancel := mk()
				defer cancel()
				var r *Result
				var err error
				if sc.argv != nil {
					r, err = box.RunArgv(ctx, sc.argv, sc.opts...)
				} else {
					r, err = box.Run(ctx, sc.cmd, sc.opts...)
				}
				if err != nil {
					t.Fatal(err)
				}
				sc.check(t, r)
			})
		}
	}
}

// Cancelling the context of Run kills the command in the sandbox at once.
func TestRunCancelKills(t *testing.T) {
	box := newBox(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(time.Second, cancel)
	start := time.Now()
	res, err := box.Run(ctx, "echo before; sleep 47; echo after")
	elapsed := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if res == nil || string(res.Stdout) != "before\n" || res.ExitCode == 0 {
		t.Errorf("result %+v, want the partial output of a killed command", res)
	}
	if elapsed > 10*time.Second {
		t.Errorf("Run returned %v after its context was cancelled at 1 s", elapsed)
	}
	ps := mustRun(t, box, `n=0; for f in /proc/[0-9]*/cmdline; do
		tr '\0' ' ' < "$f" 2>/dev/null | grep -q '^sleep 47' && n=$((n+1)); done; echo $n`)
	if strings.TrimSpace(string(ps.Stdout)) != "0" {
		t.Errorf("the cancelled command still runs")
	}
	// RunRaw (pd_run) caps its timeout by the deadline.
	dctx, dcancel := context.WithTimeout(context.Background(), 1200*time.Millisecond)
	defer dcancel()
	raw, err := box.RunRaw(dctx, "echo x; sleep 48")
	if !errors.Is(err, context.DeadlineExceeded) || raw == nil || !raw.TimedOut() || raw.StdoutText() != "x\n" {
		t.Errorf("RunRaw past its deadline: %v, %v", raw, err)
	}
	if raw != nil {
		raw.Close()
	}
}
