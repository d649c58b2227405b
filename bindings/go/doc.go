// Package pocketdock is the Go binding of pocketdock: disposable or persistent container
// sandboxes on a local Docker or Podman engine, driven through the engine's HTTP API by a
// Rust core behind a C ABI (libpocketdock + pocketdock.h). This package is a thin cgo layer
// over that ABI; it adds Go idioms (contexts, functional options, errors.Is, cleanups) and
// no behaviour of its own.
//
// # Building
//
// cgo must find pocketdock.h and libpocketdock.so. From a checkout, after
// `cargo build --release` at the repository root:
//
//	export CGO_CFLAGS="-I$REPO/include"
//	export CGO_LDFLAGS="-L$REPO/target/release -Wl,-rpath,$REPO/target/release"
//
// (or `eval "$(scripts/test-go --print-env)"`). With an installed library and a
// pocketdock.pc on PKG_CONFIG_PATH, use `CGO_CFLAGS=$(pkg-config --cflags pocketdock)` and
// `CGO_LDFLAGS=$(pkg-config --libs pocketdock)`. See docs/go.md.
//
// # Usage
//
//	box, err := pocketdock.Create(ctx, pocketdock.WithMemLimit("256m"))
//	if err != nil { ... }
//	defer box.Close() // shuts the sandbox down and frees the handle
//	res, err := box.Run(ctx, "print(6*7)", pocketdock.WithLang(pocketdock.LangPython))
//	if err != nil { ... }
//	fmt.Printf("exit %d: %s", res.ExitCode, res.Stdout)
//
// # Blocking, contexts and threads
//
// Every call that talks to the engine blocks its goroutine (and the OS thread under it)
// inside C until the engine answers. A context is checked before the call starts; a
// context deadline also caps the run's timeout, so the command is killed inside the
// sandbox when the deadline passes. Cancelling a context does not interrupt a run that
// is already in flight: it ends when the command does, or at its timeout (30 s by
// default), whichever comes first.
//
// A *Container is safe for concurrent use: many goroutines may Run on one container at
// once. Close waits for runs in flight on that container before freeing the handle.
//
// # Errors
//
// Failures from the library are *Error values carrying the pd_status Code, the message and,
// for engine failures, the engine's HTTP status. Branch with errors.Is against the
// sentinels (ErrImageNotFound, ErrNameConflict, ErrContainerNotFound, ...), or errors.As
// to read the fields.
//
// # ABI version
//
// The binding is written for one C ABI version (ABIVersion). The first call that needs
// the library compares it with pd_abi_version() and fails with ErrABIMismatch if they
// differ; a header with another PD_ABI_VERSION does not compile.
package pocketdock
