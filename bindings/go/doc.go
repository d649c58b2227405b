// Package pocketdock is the Go binding of pocketdock: disposable or persistent container
// sandboxes on a local Docker or Podman engine, driven through the engine's HTTP API by a
// Rust core behind a C ABI (libpocketdock + pocketdock.h). This package is a thin cgo layer
// over that ABI; it adds Go idioms (contexts, functional options, errors.Is, cleanups) and
// no behaviour of its own.
//
// # Building
//
// The package finds libpocketdock and pocketdock.h with pkg-config (`#cgo pkg-config:
// pocketdock`): with the library installed where pkg-config looks, `go build` needs
// nothing more; otherwise point PKG_CONFIG_PATH at the directory holding pocketdock.pc,
// e.g. a checkout's target/pkgconfig after scripts/build-c:
//
//	export PKG_CONFIG_PATH=$REPO/target/pkgconfig
//
// The module is not on the Go module proxy: use it through a replace directive (or a
// go.work) pointing at a checkout's bindings/go. See docs/go.md.
//
// # Usage
//
//	client, err := pocketdock.Connect(ctx) // POCKETDOCK_SOCKET, else discovery; or WithSocket
//	if err != nil { ... }                  // errors.Is(err, pocketdock.ErrEngineNotFound)
//	defer client.Close()
//	fmt.Println(client.EngineInfo().Kind)  // docker or podman
//
//	box, err := client.CreateContainer(ctx, pocketdock.WithMemLimit("256m"))
//	if err != nil { ... }
//	defer box.Close() // shuts the sandbox down and frees the handle
//	res, err := box.Run(ctx, "print(6*7)", pocketdock.WithLang(pocketdock.LangPython))
//	if err != nil { ... }
//	fmt.Printf("exit %d: %s", res.ExitCode, res.Stdout)
//
// A Client finds the engine once; every container, listing, build and image call goes
// through it (methods of *Client) to that engine and no other. An explicit socket that does
// not answer is ErrEngineNotFound, never a fallback to another engine.
//
// # Timeouts
//
// Every timeout follows one rule (NoTimeout): a positive duration is a limit, a negative one
// (NoTimeout) is no limit, and 0 means "just look" for a wait (Stream.NextTimeout,
// Process.WaitTimeout) and is refused (ErrInvalidArgument) for a limit something must run
// under (WithTimeout, WithRunTimeout, WithConnectTimeout).
//
// # Logs
//
// The library is silent by default. SetLogger or SetLogHandler sends its records to a
// log/slog handler.
//
// # Blocking, contexts and threads
//
// Every call that talks to the engine blocks its goroutine (and the OS thread under it)
// inside C until the engine answers. Contexts are honoured as follows:
//
//   - every call checks its context first: a done context fails the call before anything
//     starts;
//   - Run and RunArgv with a cancellable context run the command as a stream and cancel it
//     (killing the command in the sandbox) when the context ends; with
//     context.Background() they make one plain pd_run call;
//   - a context deadline sooner than a run's timeout becomes its timeout;
//   - RunStream's context kills the streamed command when it ends; the context given to
//     Stream.Next (or Chunks) and Process.Wait only stops that wait (the command keeps
//     running);
//   - Connect's deadline bounds its retries of a slow engine;
//   - other calls (Connect, CreateContainer, Shutdown, file transfers, RunRaw) cannot be
//     interrupted once started: they end when the engine answers, a run at the latest at
//     its timeout.
//
// A *Container is safe for concurrent use: many goroutines may Run on it at once. Close
// waits for calls in flight on that container before freeing the handle.
//
// # Errors
//
// Failures from the library are *Error values carrying the pd_status Code, the message and,
// for engine failures, the engine's HTTP status. Branch with errors.Is against the
// sentinels (ErrImageNotFound, ErrNameConflict, ErrContainerNotFound, ...), or errors.As
// to read the fields. They also match the standard errors that mean the same:
// fs.ErrNotExist for a missing file (ErrFileNotFound), os.ErrClosed for a method of a
// closed handle (ErrInvalidState); a context that ends a call gives ctx.Err()
// (context.Canceled, context.DeadlineExceeded).
//
// # io
//
// Every type holding a C handle (Client, Container, Stream, Process, Session,
// ExecResult) is an io.Closer. Files and stdin also take an io.Reader or io.Writer
// (WriteFileFrom, ReadFileTo, WithStdinFrom); a Stream's output is an iterator
// (Stream.Chunks, an iter.Seq2) or comes from Next(ctx).
//
// # ABI version
//
// The binding is written for one C ABI version (ABIVersion, 2). The first call that needs
// the library (Connect, SetLogHandler, ...) compares it with pd_abi_version() and fails
// with ErrABIMismatch if they differ; a header with another PD_ABI_VERSION does not compile.
package pocketdock
