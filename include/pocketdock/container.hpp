// pocketdock C++ API: a sandbox and what runs in it (streams, detached processes, shell
// sessions). Include <pocketdock.hpp>.
#ifndef POCKETDOCK_CONTAINER_HPP
#define POCKETDOCK_CONTAINER_HPP

#include "options.hpp"
#include "results.hpp"

namespace pocketdock {

namespace detail {

inline void output_trampoline(void* user_data, int32_t stream, const uint8_t* data, size_t len) noexcept {
    auto* cbs = static_cast<ProcessCallbacks*>(user_data);
    if (cbs->on_output) cbs->on_output(static_cast<Pipe>(stream), bytes_view(data, len));
}

inline void exit_trampoline(void* user_data, const pd_exec_result* result) noexcept {
    auto* cbs = static_cast<ProcessCallbacks*>(user_data);
    if (cbs->on_exit) cbs->on_exit(ResultView(result));
}

// Hands the callbacks to a pd_*_set_callbacks call, which owns them from then on (it frees
// them, through free_state, after their last call, even when it fails).
template <class Set>
void set_callbacks(Set set, OutputCallback on_output, ExitCallback on_exit) {
    const bool out = static_cast<bool>(on_output), exit = static_cast<bool>(on_exit);
    auto* state = (out || exit) ? new ProcessCallbacks{std::move(on_output), std::move(on_exit)} : nullptr;
    call([&](pd_error** e) {
        return set(out ? output_trampoline : nullptr, exit ? exit_trampoline : nullptr, state,
                   state ? free_state<ProcessCallbacks> : nullptr, e);
    });
}

inline void result_trampoline(void* user_data, pd_status status, const pd_exec_result* result,
                              const pd_error* err) noexcept {
    auto& cb = *static_cast<ResultCallback*>(user_data);
    if (status == PD_OK) {
        cb(Expected<ResultView>(ResultView(result)));
    } else {
        cb(Expected<ResultView>(make_error(status, err)));
    }
}

// argv as the C calls take it: pointers into the caller's strings.
inline std::vector<const char*> argv(const std::vector<std::string>& args) {
    std::vector<const char*> out;
    out.reserve(args.size());
    for (const auto& a : args) out.push_back(a.c_str());
    return out;
}

}  // namespace detail

// A streamed run (pd_stream): output as it comes, then the result. Destroying it kills a
// command still running.
class Stream {
public:
    explicit Stream(pd_stream* s) noexcept : s_(s) {}
    enum class Poll { chunk, timeout, end };
    // Waits up to `timeout` (no_timeout: no limit; 0: just look) for the next piece of output.
    Poll poll(Chunk& out, milliseconds timeout) {
        pd_chunk* c = nullptr;
        pd_error* err = nullptr;
        const pd_status st = pd_stream_next(s_.get(), timeout.count(), &c, &err);
        if (st == PD_OK) {
            out = Chunk(c);
            return Poll::chunk;
        }
        if (st == PD_STREAM_END) return Poll::end;
        if (st == PD_ERR_TIMEOUT) {
            pd_error_free(err);
            return Poll::timeout;
        }
        detail::throw_error(st, err);
    }
    // The next piece of output, or nullopt once the command is over.
    std::optional<Chunk> next() {
        Chunk c;
        if (poll(c, no_timeout) == Poll::end) return std::nullopt;
        return c;
    }
    // Kills the command; thread-safe, also while another thread waits in poll()/next().
    void cancel() noexcept { pd_stream_cancel(s_.get()); }
    // After the end: exit code and figures (its stdout/stderr are empty: they came as chunks).
    ExecResult result() {
        pd_exec_result* r = nullptr;
        detail::call([&](pd_error** e) { return pd_stream_result(s_.get(), &r, e); });
        return ExecResult(r);
    }
    // Output and the end go to callbacks on the callback thread (see detail.hpp) instead of
    // next()/poll(), which then throw Status::invalid_state. on_exit gets the result, or a
    // ResultView whose get() is nullptr when the stream failed (result() throws the error).
    // cancel() and result() work as before; destroying the Stream cancels (on_exit still comes).
    void set_callbacks(OutputCallback on_output, ExitCallback on_exit) {
        detail::set_callbacks(
            [&](pd_output_cb o, pd_exit_cb x, void* u, pd_free_cb f, pd_error** e) {
                return pd_stream_set_callbacks(s_.get(), o, x, u, f, e);
            },
            std::move(on_output), std::move(on_exit));
    }
    pd_stream* get() const noexcept { return s_.get(); }

private:
    detail::Owner<pd_stream, pd_stream_free> s_;
};

// A detached process (pd_process). Destroying the handle leaves the process running.
class Process {
public:
    explicit Process(pd_process* p) noexcept : p_(p) {}
    std::uint32_t id() const noexcept { return pd_process_id(p_.get()); }
    bool is_running() {
        bool running = false;
        detail::call([&](pd_error** e) { return pd_process_is_running(p_.get(), &running, e); });
        return running;
    }
    // The result once it ends, or nullopt if it still runs after `timeout` (0: just look).
    std::optional<ExecResult> wait(milliseconds timeout = no_timeout) {
        pd_exec_result* r = nullptr;
        pd_error* err = nullptr;
        const pd_status st = pd_process_wait(p_.get(), timeout.count(), &r, &err);
        if (st == PD_OK) return ExecResult(r);
        if (st == PD_ERR_TIMEOUT) {
            pd_error_free(err);
            return std::nullopt;
        }
        detail::throw_error(st, err);
    }
    void kill(std::int32_t signal = 9) {
        detail::call([&](pd_error** e) { return pd_process_kill(p_.get(), signal, e); });
    }
    // Output not read yet through this handle, marked read (peek() leaves it unread).
    Output read() { return output(pd_process_read); }
    Output peek() { return output(pd_process_peek); }
    bool buffer_overflow() const noexcept { return pd_process_buffer_overflow(p_.get()); }
    std::size_t buffer_size() const noexcept { return pd_process_buffer_size(p_.get()); }
    // Output (from the oldest byte kept) and the exit, on the callback thread (see detail.hpp).
    void set_callbacks(OutputCallback on_output, ExitCallback on_exit) {
        detail::set_callbacks(
            [&](pd_output_cb o, pd_exit_cb x, void* u, pd_free_cb f, pd_error** e) {
                return pd_process_set_callbacks(p_.get(), o, x, u, f, e);
            },
            std::move(on_output), std::move(on_exit));
    }
    pd_process* get() const noexcept { return p_.get(); }

private:
    Output output(pd_status (*f)(pd_process*, pd_output**, pd_error**)) {
        pd_output* o = nullptr;
        detail::call([&](pd_error** e) { return f(p_.get(), &o, e); });
        return Output(o);
    }
    detail::Owner<pd_process, pd_process_free> p_;
};

// A persistent shell in a sandbox (pd_session): cwd and variables persist between commands.
class Session {
public:
    explicit Session(pd_session* s) noexcept : s_(s) {}
    // Writes `input` and a newline without waiting; its output goes to read().
    void send(cstr input) {
        detail::call([&](pd_error** e) { return pd_session_send(s_.get(), input.get(), e); });
    }
    ExecResult send_and_wait(cstr command, milliseconds timeout = no_timeout) {
        pd_exec_result* r = nullptr;
        detail::call([&](pd_error** e) {
            return pd_session_send_and_wait(s_.get(), command.get(), timeout.count(), &r, e);
        });
        return ExecResult(r);
    }
    Output read() {
        pd_output* o = nullptr;
        detail::call([&](pd_error** e) { return pd_session_read(s_.get(), &o, e); });
        return Output(o);
    }
    void set_callbacks(OutputCallback on_output, ExitCallback on_exit) {
        detail::set_callbacks(
            [&](pd_output_cb o, pd_exit_cb x, void* u, pd_free_cb f, pd_error** e) {
                return pd_session_set_callbacks(s_.get(), o, x, u, f, e);
            },
            std::move(on_output), std::move(on_exit));
    }
    // Ends the shell (the handle stays valid until destroyed).
    void close() {
        detail::call([&](pd_error** e) { return pd_session_close(s_.get(), e); });
    }
    pd_session* get() const noexcept { return s_.get(); }

private:
    detail::Owner<pd_session, pd_session_free> s_;
};

// A sandbox (pd_container). Destroying the handle does NOT remove the sandbox: call
// shutdown() (idempotent), or hold a ShutdownGuard.
class Container {
public:
    explicit Container(pd_container* c) noexcept : c_(c) {}
    // Owned by the handle. After a fresh reboot() id() is the new container's.
    std::string_view name() const noexcept { return detail::view(pd_container_name(c_.get())); }
    std::string_view id() const noexcept { return detail::view(pd_container_id(c_.get())); }
    bool uses_agent() const noexcept { return pd_container_uses_agent(c_.get()); }
    // The default run timeout recorded at create.
    milliseconds timeout() const noexcept { return milliseconds(pd_container_timeout_ms(c_.get())); }

    ExecResult run(cstr command, Opt<RunOptions> opts = {}) {
        pd_exec_result* r = nullptr;
        detail::call([&](pd_error** e) { return pd_run(c_.get(), command.get(), opts.get(), &r, e); });
        return ExecResult(r);
    }
    // No shell: argv[0] is the program.
    ExecResult run(const std::vector<std::string>& argv, Opt<RunOptions> opts = {}) {
        auto args = detail::argv(argv);
        pd_exec_result* r = nullptr;
        detail::call([&](pd_error** e) {
            return pd_run_argv(c_.get(), args.data(), args.size(), opts.get(), &r, e);
        });
        return ExecResult(r);
    }

    // run() without waiting: returns once the command started; on_done gets the result or
    // the Error, once, on the callback thread (see detail.hpp). A refused call throws here
    // and on_done is never called. The Container may be destroyed before the end.
    void run_async(cstr command, ResultCallback on_done, Opt<RunOptions> opts = {}) {
        async([&](void* u, pd_free_cb f, pd_error** e) {
            return pd_run_async(c_.get(), command.get(), opts.get(), detail::result_trampoline, u, f, e);
        }, std::move(on_done));
    }
    void run_async(const std::vector<std::string>& argv, ResultCallback on_done, Opt<RunOptions> opts = {}) {
        auto args = detail::argv(argv);
        async([&](void* u, pd_free_cb f, pd_error** e) {
            return pd_run_argv_async(c_.get(), args.data(), args.size(), opts.get(), detail::result_trampoline, u,
                                     f, e);
        }, std::move(on_done));
    }

    Stream stream(cstr command, Opt<RunOptions> opts = {}) {
        pd_stream* s = nullptr;
        detail::call([&](pd_error** e) {
            return pd_run_stream(c_.get(), command.get(), opts.get(), &s, e);
        });
        return Stream(s);
    }
    Stream stream(const std::vector<std::string>& argv, Opt<RunOptions> opts = {}) {
        auto args = detail::argv(argv);
        pd_stream* s = nullptr;
        detail::call([&](pd_error** e) {
            return pd_run_stream_argv(c_.get(), args.data(), args.size(), opts.get(), &s, e);
        });
        return Stream(s);
    }

    Process spawn(cstr command, Opt<RunOptions> opts = {}) {
        pd_process* p = nullptr;
        detail::call([&](pd_error** e) {
            return pd_process_spawn(c_.get(), command.get(), opts.get(), &p, e);
        });
        return Process(p);
    }
    Process spawn(const std::vector<std::string>& argv, Opt<RunOptions> opts = {}) {
        auto args = detail::argv(argv);
        pd_process* p = nullptr;
        detail::call([&](pd_error** e) {
            return pd_process_spawn_argv(c_.get(), args.data(), args.size(), opts.get(), &p, e);
        });
        return Process(p);
    }
    // A new handle on detached process `id` (e.g. after a resume).
    Process attach(std::uint32_t id) {
        pd_process* p = nullptr;
        detail::call([&](pd_error** e) { return pd_process_attach(c_.get(), id, &p, e); });
        return Process(p);
    }
    std::vector<ProcessEntry> processes() {
        pd_process_list* l = nullptr;
        detail::call([&](pd_error** e) { return pd_container_list_processes(c_.get(), &l, e); });
        return detail::entries(l);
    }
    // Callbacks for every process spawned through this handle from now on; two empty
    // functions remove them.
    void set_callbacks(OutputCallback on_output, ExitCallback on_exit) {
        detail::set_callbacks(
            [&](pd_output_cb o, pd_exit_cb x, void* u, pd_free_cb f, pd_error** e) {
                return pd_container_set_callbacks(c_.get(), o, x, u, f, e);
            },
            std::move(on_output), std::move(on_exit));
    }
    Session session(Opt<RunOptions> opts = {}) {
        pd_session* s = nullptr;
        detail::call([&](pd_error** e) { return pd_session_open(c_.get(), opts.get(), &s, e); });
        return Session(s);
    }

    void write_file(cstr path, bytes_view data) {
        detail::call([&](pd_error** e) {
            return pd_file_write(c_.get(), path.get(), data.data(), data.size(), e);
        });
    }
    Bytes read_file(cstr path) {
        pd_bytes* b = nullptr;
        detail::call([&](pd_error** e) { return pd_file_read(c_.get(), path.get(), &b, e); });
        return Bytes(b);
    }
    std::vector<FileEntry> list_files(cstr path) {
        pd_file_listing* l = nullptr;
        detail::call([&](pd_error** e) { return pd_file_list(c_.get(), path.get(), &l, e); });
        return detail::entries(l);
    }
    // Host file or directory into the sandbox, and back.
    void push(cstr host_src, cstr dest) {
        detail::call([&](pd_error** e) { return pd_file_push(c_.get(), host_src.get(), dest.get(), e); });
    }
    void pull(cstr src, cstr host_dest) {
        detail::call([&](pd_error** e) { return pd_file_pull(c_.get(), src.get(), host_dest.get(), e); });
    }

    // JSON object: status, memory, cpu, ports, processes... (blocks ~250 ms when running).
    std::string info_json() {
        char* json = nullptr;
        detail::call([&](pd_error** e) { return pd_container_info_json(c_.get(), &json, e); });
        return detail::take(json);
    }
    void reboot(bool fresh = false) {
        detail::call([&](pd_error** e) { return pd_container_reboot(c_.get(), fresh, e); });
    }
    // Commits the sandbox as image `reference`; returns the image id.
    std::string snapshot(cstr reference) {
        char* id = nullptr;
        detail::call([&](pd_error** e) { return pd_container_snapshot(c_.get(), reference.get(), &id, e); });
        return detail::take(id);
    }
    std::string instance_dir() const {
        char* dir = nullptr;
        detail::call([&](pd_error** e) { return pd_container_instance_dir(c_.get(), &dir, e); });
        return detail::take(dir);
    }
    // SIGKILLs every process in the sandbox but its init (runs, detached processes and
    // sessions end as killed); returns how many it killed. Works under a fork bomb too.
    std::uint32_t kill_all() {
        std::uint32_t killed = 0;
        detail::call([&](pd_error** e) { return pd_container_kill_all(c_.get(), &killed, e); });
        return killed;
    }
    void shutdown() {
        detail::call([&](pd_error** e) { return pd_container_shutdown(c_.get(), e); });
    }
    pd_container* get() const noexcept { return c_.get(); }

private:
    // The callback goes to the C call, which owns it from then on (freed after its one call,
    // or at once when the call fails).
    template <class Start>
    static void async(Start start, ResultCallback on_done) {
        if (!on_done) throw Error(Status::invalid_argument, "run_async needs a callback");
        auto* state = new ResultCallback(std::move(on_done));
        detail::call([&](pd_error** e) { return start(state, detail::free_state<ResultCallback>, e); });
    }
    detail::Owner<pd_container, pd_container_free> c_;
};

// Shuts the sandbox down when the scope ends, however it ends (errors are ignored there:
// call shutdown() yourself to see them).
class ShutdownGuard {
public:
    explicit ShutdownGuard(Container& c) noexcept : c_(c) {}
    ShutdownGuard(const ShutdownGuard&) = delete;
    ShutdownGuard& operator=(const ShutdownGuard&) = delete;
    ~ShutdownGuard() { pd_container_shutdown(c_.get(), nullptr); }

private:
    Container& c_;
};

}  // namespace pocketdock

#endif  // POCKETDOCK_CONTAINER_HPP
