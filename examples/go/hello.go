// hello: connect to an engine, create a sandbox, run a Python snippet in it, print the
// result, shut it down. The same scenario as examples/c/hello.c.
//
//	go run .                       # engine: POCKETDOCK_SOCKET, else the usual sockets
//	go run . -socket /run/podman/podman.sock   # this engine and no other
//	go run . -label team=docs      # extra engine labels on the sandbox (repeatable)
//	go run . -v                    # the library's debug log on stderr
//
// Building needs pkg-config to find pocketdock (PKG_CONFIG_PATH=$REPO/target/pkgconfig after
// scripts/build-c, or an installed library): see docs/go.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
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
	socket := flag.String("socket", "", "use the engine on this Unix `socket` only")
	verbose := flag.Bool("v", false, "log the library's debug records to stderr")
	flag.Parse()
	if *verbose {
		logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		if err := pocketdock.SetLogger(logger); err != nil {
			os.Exit(fail("logging", err))
		}
	}
	os.Exit(run(*socket, extra))
}

func run(socket string, extra labels) int {
	fmt.Printf("pocketdock %s (ABI %d)\n", pocketdock.Version(), pocketdock.LibraryABIVersion())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	client, err := pocketdock.Connect(ctx, pocketdock.WithSocket(socket))
	if err != nil {
		return fail("connect", err)
	}
	defer client.Close()
	info := client.EngineInfo()
	fmt.Printf("engine %s %s (API %s) on %s\n", info.Kind, info.Version, info.APIVersion, info.Socket)

	var opts []pocketdock.Option
	for _, kv := range extra {
		k, v, _ := strings.Cut(kv, "=")
		opts = append(opts, pocketdock.WithLabel(k, v))
	}
	box, err := client.CreateContainer(ctx, opts...)
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
	switch {
	case errors.Is(err, pocketdock.ErrImageNotFound):
		fmt.Fprintln(os.Stderr, "hint: build the images first (scripts/build-images)")
	case errors.Is(err, pocketdock.ErrEngineNotFound):
		fmt.Fprintln(os.Stderr, "hint: start Podman or Docker (scripts/engine-up), or name its socket with -socket")
	}
	return 1
}
