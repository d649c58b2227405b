// hello: create a sandbox, run a Python snippet in it, print the result, shut it down.
// The same scenario as examples/c/hello.c.
//
//	go run .                       # engine found automatically (POCKETDOCK_SOCKET, then the usual sockets)
//	go run . -label team=docs      # extra engine labels on the sandbox (repeatable)
//
// Building needs cgo to find pocketdock.h and libpocketdock: see docs/go.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	pocketdock "github.com/pocketdock/pocketdock/bindings/go"
)

type labels []string

func (l *labels) String() string     { return strings.Join(*l, ",") }
func (l *labels) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var extra labels
	flag.Var(&extra, "label", "add an engine label `key=value` to the sandbox (repeatable)")
	flag.Parse()
	os.Exit(run(extra))
}

func run(extra labels) int {
	fmt.Printf("pocketdock %s (ABI %d)\n", pocketdock.Version(), pocketdock.LibraryABIVersion())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var opts []pocketdock.Option
	for _, kv := range extra {
		k, v, _ := strings.Cut(kv, "=")
		opts = append(opts, pocketdock.WithLabel(k, v))
	}
	box, err := pocketdock.Create(ctx, opts...)
	if err != nil {
		return fail("create", err)
	}
	defer box.Close() // safety net; the explicit Shutdown below reports its error
	fmt.Printf("sandbox %s is running\n", box.Name())

	res, err := box.Run(ctx, "import sys; print('hello from python', sys.version.split()[0])",
		pocketdock.WithLang(pocketdock.LangPython))
	if err != nil {
		return fail("run", err)
	}
	fmt.Printf("exit %d in %d ms: %s", res.ExitCode, res.DurationMs, res.Stdout)

	if err := box.Shutdown(ctx); err != nil {
		return fail("shutdown", err)
	}
	fmt.Println("sandbox removed")
	if res.ExitCode != 0 {
		return 1
	}
	return 0
}

func fail(what string, err error) int {
	fmt.Fprintf(os.Stderr, "%s failed: %v\n", what, err)
	if errors.Is(err, pocketdock.ErrImageNotFound) {
		fmt.Fprintln(os.Stderr, "hint: build the images first (scripts/build-images)")
	}
	return 1
}
