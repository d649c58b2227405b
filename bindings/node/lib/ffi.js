'use strict';
// The ONE file that knows the C ABI: it loads libpocketdock through Koffi and declares every
// `pd_` function of include/pocketdock.h, mirroring the header's order and comments.
// Everything else in the package goes through `lib` below (scripts/check-parity-node checks
// that every function of the header is named here and used by the wrappers).
//
// Conventions kept here so the wrappers do not have to think about them:
// - Handles are opaque pointers; Koffi 3 hands them to JS as BigInt (null for NULL).
// - `_Out_ T **` parameters take a one-element array ([null]) and receive the pointer.
// - Functions marked BLOCKING in the header are called only through `.async` (see call.js).

const { libraryCandidates, PKG_DIR } = require('./locate');
const koffi = requireKoffi();

/** Koffi, or an error that says why it is missing and what to type. */
function requireKoffi() {
    try {
        return require('koffi');
    } catch (e) {
        if (/** @type {any} */ (e)?.code !== 'MODULE_NOT_FOUND' || !String(/** @type {any} */ (e).message).includes("'koffi'")) throw e;
        throw new Error(
            `pocketdock: cannot find its dependency koffi from ${PKG_DIR}. \`npm install <folder>\` links ` +
                `the folder, and npm installs no dependencies inside a linked folder: run \`npm ci --omit=dev\` ` +
                `in ${PKG_DIR} once, or install a copy instead (\`npm install --install-links <folder>\`, or ` +
                `the tarball \`npm pack\` makes there).`,
            { cause: e },
        );
    }
}

// The ABI version this binding was written for (PD_ABI_VERSION in include/pocketdock.h).
const ABI_VERSION = 2;

// Koffi runs every native call on a stack of its own; for `.async` calls it is 128 KiB by
// default. Blocking pocketdock calls poll tokio futures on that stack (block_on), which works
// in 64 KiB today but has no margin for deeper futures; give it what a Rust thread assumes
// (2 MiB). The memory is mmap'ed: only touched pages cost anything. Must happen before any
// koffi.load() in the process: if another module loaded a library first, we warn below.
const ASYNC_STACK = 2 << 20;
try {
    koffi.config({ async_stack_size: ASYNC_STACK });
} catch {
    if (koffi.config().async_stack_size < ASYNC_STACK) {
        process.emitWarning(
            `pocketdock: Koffi was configured before pocketdock loaded; async stack is ` +
                `${koffi.config().async_stack_size} bytes (wanted ${ASYNC_STACK}). Load pocketdock ` +
                `first or call koffi.config({ async_stack_size: ${ASYNC_STACK} }) yourself.`,
            'PocketdockWarning',
        );
    }
}

/** Loads the first candidate of lib/locate.js that dlopen accepts; the error lists them all. */
function loadLibrary() {
    const { candidates, skipped } = libraryCandidates(ABI_VERSION);
    const tried = [];
    for (const { file, how } of candidates) {
        try {
            return { native: koffi.load(file), libPath: file };
        } catch (e) {
            tried.push(`${how}: ${file}: ${e instanceof Error ? e.message : String(e)}`);
        }
    }
    throw new Error(
        `pocketdock: cannot load libpocketdock. Looked in:\n  - ${[...skipped, ...tried].join('\n  - ')}\n` +
            `Install it (docs/node.md, "Install"), put its pkg-config file on PKG_CONFIG_PATH, or set ` +
            `POCKETDOCK_LIB to the full path of libpocketdock.so.`,
    );
}
const { native, libPath } = loadLibrary();

// Opaque types: only ever seen through pointers.
for (const name of [
    'pd_error', 'pd_client_opts', 'pd_client', 'pd_container_opts', 'pd_container', 'pd_run_opts', 'pd_exec_result',
    'pd_stream', 'pd_chunk', 'pd_process', 'pd_output', 'pd_process_list', 'pd_bytes',
    'pd_file_listing', 'pd_session', 'pd_container_listing', 'pd_build_opts',
]) {
    koffi.opaque(name);
}
koffi.alias('pd_status', 'int32_t');
koffi.alias('pd_file_kind', 'int32_t');
koffi.alias('pd_engine_kind', 'int32_t');
// What pd_client_engine_info writes: the strings are owned by the client; Koffi copies them
// into JS strings when it decodes the struct, so nothing here outlives the call.
koffi.struct('pd_engine_info', {
    kind: 'pd_engine_kind',
    version: 'const char *',
    api_version: 'const char *',
    socket: 'const char *',
});
// Callback types of pd_process_set_callbacks / pd_container_set_callbacks (see there).
koffi.proto('void pd_output_cb(void *user_data, int32_t stream, const uint8_t *data, size_t len)');
koffi.proto('void pd_exit_cb(void *user_data, const pd_exec_result *result)');
koffi.proto('void pd_free_cb(void *user_data)');
// pd_run_async's end: `result` and `err` are valid for the call only (lib/push.js).
koffi.proto('void pd_result_cb(void *user_data, pd_status status, const pd_exec_result *result, const pd_error *err)');
koffi.proto('void pd_line_cb(void *user_data, const char *line)');
// pd_set_log_callback's record callback. Called on the library's "pocketdock-callbacks"
// thread: Koffi relays such calls to the JS thread and blocks the caller until JS ran it
// (lib/log.js).
koffi.proto('void pd_log_cb(void *user_data, int32_t level, const char *target, const char *message)');

const f = (proto) => native.func(proto);

// Version first: refuse a library built for another ABI before declaring anything else, so
// a renamed or missing symbol shows up as the ABI message rather than a lookup failure.
let pd_version, pd_abi_version;
try {
    pd_version = f('const char *pd_version(void)');
    pd_abi_version = f('uint32_t pd_abi_version(void)');
} catch (e) {
    throw new Error(`pocketdock: ${libPath} is not libpocketdock (${e.message})`);
}

function checkAbi(actual, expected = ABI_VERSION, path = libPath) {
    if (actual !== expected) {
        throw new Error(
            `pocketdock: ${path} has C ABI version ${actual}, but this Node binding was written ` +
                `for ABI version ${expected}; use a matching libpocketdock (POCKETDOCK_LIB) or ` +
                `binding version`,
        );
    }
}
checkAbi(pd_abi_version());

const pd_string_free = f('void pd_string_free(char *s)');
// A `char *` the caller owns: Koffi decodes it to a JS string, then calls pd_string_free.
koffi.disposable('pd_owned_str', 'str', pd_string_free);

// Pools (lib/pool.js): opaque handles and the counters pd_pool_get_stats writes.
koffi.opaque('pd_pool_opts');
koffi.opaque('pd_pool');
// Engine sets for plain creates (lib/engine_set.js).
koffi.opaque('pd_engine_set');
koffi.struct('pd_pool_stats', {
    idle: 'uint64_t',
    in_use: 'uint64_t',
    creating: 'uint64_t',
    created: 'uint64_t',
    failed: 'uint64_t',
    engines_down: 'uint64_t',
    acquire_p50_us: 'uint64_t',
    acquire_p95_us: 'uint64_t',
});

const lib = {
    // Strings.
    pd_string_free,

    // Clients. BLOCKING: pd_client_open (ping + /version, retried within the connect timeout).
    pd_client_opts_new: f('pd_client_opts *pd_client_opts_new(void)'),
    pd_client_opts_free: f('void pd_client_opts_free(pd_client_opts *opts)'),
    pd_client_opts_set_socket: f(
        'pd_status pd_client_opts_set_socket(pd_client_opts *opts, const char *socket, _Out_ pd_error **err_out)',
    ),
    pd_client_opts_set_connect_timeout_ms: f(
        'pd_status pd_client_opts_set_connect_timeout_ms(pd_client_opts *opts, int64_t timeout_ms, _Out_ pd_error **err_out)',
    ),
    pd_client_opts_set_request_timeout_ms: f(
        'pd_status pd_client_opts_set_request_timeout_ms(pd_client_opts *opts, int64_t timeout_ms, _Out_ pd_error **err_out)',
    ),
    pd_client_opts_set_project_dir: f(
        'pd_status pd_client_opts_set_project_dir(pd_client_opts *opts, const char *dir, _Out_ pd_error **err_out)',
    ),
    // Remote engines (lib/remote.js).
    pd_client_opts_set_host: f(
        'pd_status pd_client_opts_set_host(pd_client_opts *opts, const char *address, _Out_ pd_error **err_out)',
    ),
    pd_client_opts_set_tls_dir: f(
        'pd_status pd_client_opts_set_tls_dir(pd_client_opts *opts, const char *dir, _Out_ pd_error **err_out)',
    ),
    pd_client_opts_set_tls_files: f(
        'pd_status pd_client_opts_set_tls_files(pd_client_opts *opts, const char *ca, const char *cert, const char *key, _Out_ pd_error **err_out)',
    ),
    pd_client_opts_set_ssh_identity: f(
        'pd_status pd_client_opts_set_ssh_identity(pd_client_opts *opts, const char *path, _Out_ pd_error **err_out)',
    ),
    pd_client_opts_set_ssh_known_hosts: f(
        'pd_status pd_client_opts_set_ssh_known_hosts(pd_client_opts *opts, const char *path, _Out_ pd_error **err_out)',
    ),
    pd_client_open: f(
        'pd_status pd_client_open(const pd_client_opts *opts, _Out_ pd_client **client_out, _Out_ pd_error **err_out)',
    ),
    pd_client_engine_info: f(
        'pd_status pd_client_engine_info(const pd_client *client, _Out_ pd_engine_info *info_out, _Out_ pd_error **err_out)',
    ),
    pd_client_free: f('void pd_client_free(pd_client *client)'),

    // Container options (builder; create calls borrow it).
    pd_container_opts_new: f('pd_container_opts *pd_container_opts_new(void)'),
    pd_container_opts_free: f('void pd_container_opts_free(pd_container_opts *opts)'),
    pd_container_opts_set_image: f(
        'pd_status pd_container_opts_set_image(pd_container_opts *opts, const char *image, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_set_name: f(
        'pd_status pd_container_opts_set_name(pd_container_opts *opts, const char *name, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_set_timeout_ms: f(
        'pd_status pd_container_opts_set_timeout_ms(pd_container_opts *opts, int64_t timeout_ms, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_set_mem_limit: f(
        'pd_status pd_container_opts_set_mem_limit(pd_container_opts *opts, const char *mem_limit, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_set_cpu_percent: f(
        'pd_status pd_container_opts_set_cpu_percent(pd_container_opts *opts, uint32_t cpu_percent, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_set_network: f(
        'pd_status pd_container_opts_set_network(pd_container_opts *opts, bool enabled, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_set_agent: f(
        'pd_status pd_container_opts_set_agent(pd_container_opts *opts, bool enabled, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_set_read_only: f(
        'pd_status pd_container_opts_set_read_only(pd_container_opts *opts, bool read_only, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_use_strict: f('pd_status pd_container_opts_use_strict(pd_container_opts *opts, _Out_ pd_error **err_out)'),
    pd_container_opts_set_cap_drop_all: f(
        'pd_status pd_container_opts_set_cap_drop_all(pd_container_opts *opts, bool drop_all, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_set_no_new_privileges: f(
        'pd_status pd_container_opts_set_no_new_privileges(pd_container_opts *opts, bool enabled, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_set_pids_limit: f(
        'pd_status pd_container_opts_set_pids_limit(pd_container_opts *opts, int64_t pids_limit, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_set_user: f(
        'pd_status pd_container_opts_set_user(pd_container_opts *opts, const char *user, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_add_tmpfs: f(
        'pd_status pd_container_opts_add_tmpfs(pd_container_opts *opts, const char *path, const char *options, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_set_persist: f(
        'pd_status pd_container_opts_set_persist(pd_container_opts *opts, bool persist, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_set_workdir: f(
        'pd_status pd_container_opts_set_workdir(pd_container_opts *opts, const char *workdir, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_set_project: f(
        'pd_status pd_container_opts_set_project(pd_container_opts *opts, const char *project, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_add_env: f(
        'pd_status pd_container_opts_add_env(pd_container_opts *opts, const char *key, const char *value, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_add_label: f(
        'pd_status pd_container_opts_add_label(pd_container_opts *opts, const char *key, const char *value, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_add_volume: f(
        'pd_status pd_container_opts_add_volume(pd_container_opts *opts, const char *host_path, const char *container_path, bool read_only, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_add_port: f(
        'pd_status pd_container_opts_add_port(pd_container_opts *opts, uint16_t host_port, uint16_t container_port, const char *protocol, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_add_device: f(
        'pd_status pd_container_opts_add_device(pd_container_opts *opts, const char *device, _Out_ pd_error **err_out)',
    ),

    // Containers. BLOCKING: pd_container_create, pd_container_open, pd_container_shutdown,
    // pd_container_kill_all.
    pd_container_create: f(
        'pd_status pd_container_create(const pd_client *client, const pd_container_opts *opts, _Out_ pd_container **container_out, _Out_ pd_error **err_out)',
    ),
    pd_container_open: f(
        'pd_status pd_container_open(const pd_client *client, const char *name_or_id, _Out_ pd_container **container_out, _Out_ pd_error **err_out)',
    ),
    pd_container_name: f('const char *pd_container_name(const pd_container *container)'),
    pd_container_id: f('const char *pd_container_id(const pd_container *container)'),
    pd_container_uses_agent: f('bool pd_container_uses_agent(const pd_container *container)'),
    pd_container_timeout_ms: f('int64_t pd_container_timeout_ms(const pd_container *container)'),
    pd_container_shutdown: f('pd_status pd_container_shutdown(pd_container *container, _Out_ pd_error **err_out)'),
    pd_container_kill_all: f('pd_status pd_container_kill_all(pd_container *container, _Out_ uint32_t *killed_out, _Out_ pd_error **err_out)'),
    pd_container_free: f('void pd_container_free(pd_container *container)'),
    // BLOCKING (~250 ms for a running container). `json_out` receives a char* for
    // pd_string_free (read with koffi.decode; see container.js).
    pd_container_info_json: f(
        'pd_status pd_container_info_json(pd_container *container, _Out_ void **json_out, _Out_ pd_error **err_out)',
    ),

    // Errors.
    pd_error_code: f('pd_status pd_error_code(const pd_error *err)'),
    pd_error_message: f('const char *pd_error_message(const pd_error *err)'),
    pd_error_engine_status: f('int32_t pd_error_engine_status(const pd_error *err)'),
    pd_error_free: f('void pd_error_free(pd_error *err)'),

    // Runs. BLOCKING: pd_run, pd_run_argv (declared, not used: Container#run uses
    // pd_run_async / pd_run_argv_async, which hold no thread while the command runs).
    pd_run_opts_new: f('pd_run_opts *pd_run_opts_new(void)'),
    pd_run_opts_free: f('void pd_run_opts_free(pd_run_opts *opts)'),
    pd_run_opts_set_timeout_ms: f(
        'pd_status pd_run_opts_set_timeout_ms(pd_run_opts *opts, int64_t timeout_ms, _Out_ pd_error **err_out)',
    ),
    pd_run_opts_set_max_output: f(
        'pd_status pd_run_opts_set_max_output(pd_run_opts *opts, size_t max_output, _Out_ pd_error **err_out)',
    ),
    pd_run_opts_set_lang: f(
        'pd_status pd_run_opts_set_lang(pd_run_opts *opts, const char *lang, _Out_ pd_error **err_out)',
    ),
    pd_run_opts_add_env: f(
        'pd_status pd_run_opts_add_env(pd_run_opts *opts, const char *key, const char *value, _Out_ pd_error **err_out)',
    ),
    pd_run_opts_set_workdir: f(
        'pd_status pd_run_opts_set_workdir(pd_run_opts *opts, const char *workdir, _Out_ pd_error **err_out)',
    ),
    pd_run_opts_set_user: f(
        'pd_status pd_run_opts_set_user(pd_run_opts *opts, const char *user, _Out_ pd_error **err_out)',
    ),
    // `data` is a Buffer/Uint8Array (Koffi passes its memory; the C side copies it).
    pd_run_opts_set_stdin: f(
        'pd_status pd_run_opts_set_stdin(pd_run_opts *opts, const uint8_t *data, size_t len, _Out_ pd_error **err_out)',
    ),
    pd_run_opts_set_buffer_size: f(
        'pd_status pd_run_opts_set_buffer_size(pd_run_opts *opts, size_t buffer_size, _Out_ pd_error **err_out)',
    ),
    pd_run: f(
        'pd_status pd_run(pd_container *container, const char *command, const pd_run_opts *opts, _Out_ pd_exec_result **result_out, _Out_ pd_error **err_out)',
    ),

    // `argv` is a JS array of strings: Koffi builds the `const char *[]` for the call.
    pd_run_argv: f(
        'pd_status pd_run_argv(pd_container *container, const char **argv, size_t argc, const pd_run_opts *opts, _Out_ pd_exec_result **result_out, _Out_ pd_error **err_out)',
    ),
    // Not blocking: they start the run and return; the end comes to pd_result_cb on the
    // library's callback thread, relayed by Koffi to the JS thread (lib/push.js).
    pd_run_async: f(
        'pd_status pd_run_async(pd_container *container, const char *command, const pd_run_opts *opts, pd_result_cb *on_done, void *user_data, pd_free_cb *free_user_data, _Out_ pd_error **err_out)',
    ),
    pd_run_argv_async: f(
        'pd_status pd_run_argv_async(pd_container *container, const char **argv, size_t argc, const pd_run_opts *opts, pd_result_cb *on_done, void *user_data, pd_free_cb *free_user_data, _Out_ pd_error **err_out)',
    ),

    // Results.
    pd_exec_result_exit_code: f('int32_t pd_exec_result_exit_code(const pd_exec_result *result)'),
    // Bytes owned by the result: returned as a pointer, copied out with koffi.view (see call.js).
    pd_exec_result_stdout: f('const void *pd_exec_result_stdout(const pd_exec_result *result, _Out_ size_t *len_out)'),
    pd_exec_result_stderr: f('const void *pd_exec_result_stderr(const pd_exec_result *result, _Out_ size_t *len_out)'),
    pd_exec_result_stdout_text: f('pd_owned_str pd_exec_result_stdout_text(const pd_exec_result *result)'),
    pd_exec_result_stderr_text: f('pd_owned_str pd_exec_result_stderr_text(const pd_exec_result *result)'),
    pd_exec_result_duration_ms: f('uint64_t pd_exec_result_duration_ms(const pd_exec_result *result)'),
    pd_exec_result_timed_out: f('bool pd_exec_result_timed_out(const pd_exec_result *result)'),
    pd_exec_result_truncated: f('bool pd_exec_result_truncated(const pd_exec_result *result)'),
    pd_exec_result_signal: f('int32_t pd_exec_result_signal(const pd_exec_result *result)'),
    pd_exec_result_oom_killed: f('bool pd_exec_result_oom_killed(const pd_exec_result *result)'),
    pd_exec_result_cpu_user_us: f('int64_t pd_exec_result_cpu_user_us(const pd_exec_result *result)'),
    pd_exec_result_cpu_sys_us: f('int64_t pd_exec_result_cpu_sys_us(const pd_exec_result *result)'),
    pd_exec_result_peak_rss_bytes: f('int64_t pd_exec_result_peak_rss_bytes(const pd_exec_result *result)'),
    pd_exec_result_free: f('void pd_exec_result_free(pd_exec_result *result)'),

    // Detached processes. BLOCKING (agent round trips): spawn, spawn_argv, attach, is_running,
    // wait (up to its timeout), kill, read, peek, pd_container_list_processes.
    pd_process_spawn: f(
        'pd_status pd_process_spawn(pd_container *container, const char *command, const pd_run_opts *opts, _Out_ pd_process **process_out, _Out_ pd_error **err_out)',
    ),
    pd_process_spawn_argv: f(
        'pd_status pd_process_spawn_argv(pd_container *container, const char **argv, size_t argc, const pd_run_opts *opts, _Out_ pd_process **process_out, _Out_ pd_error **err_out)',
    ),
    pd_process_attach: f(
        'pd_status pd_process_attach(pd_container *container, uint32_t id, _Out_ pd_process **process_out, _Out_ pd_error **err_out)',
    ),
    pd_process_id: f('uint32_t pd_process_id(const pd_process *process)'),
    pd_process_is_running: f(
        'pd_status pd_process_is_running(pd_process *process, _Out_ bool *running_out, _Out_ pd_error **err_out)',
    ),
    pd_process_wait: f(
        'pd_status pd_process_wait(pd_process *process, int64_t timeout_ms, _Out_ pd_exec_result **result_out, _Out_ pd_error **err_out)',
    ),
    pd_process_kill: f('pd_status pd_process_kill(pd_process *process, int32_t signal, _Out_ pd_error **err_out)'),
    pd_process_read: f('pd_status pd_process_read(pd_process *process, _Out_ pd_output **output_out, _Out_ pd_error **err_out)'),
    pd_process_peek: f('pd_status pd_process_peek(pd_process *process, _Out_ pd_output **output_out, _Out_ pd_error **err_out)'),
    pd_process_buffer_overflow: f('bool pd_process_buffer_overflow(const pd_process *process)'),
    pd_process_buffer_size: f('size_t pd_process_buffer_size(const pd_process *process)'),
    pd_process_free: f('void pd_process_free(pd_process *process)'),
    pd_output_stdout: f('const void *pd_output_stdout(const pd_output *output, _Out_ size_t *len_out)'),
    pd_output_stderr: f('const void *pd_output_stderr(const pd_output *output, _Out_ size_t *len_out)'),
    pd_output_free: f('void pd_output_free(pd_output *output)'),
    pd_container_list_processes: f(
        'pd_status pd_container_list_processes(pd_container *container, _Out_ pd_process_list **list_out, _Out_ pd_error **err_out)',
    ),
    pd_process_list_len: f('size_t pd_process_list_len(const pd_process_list *list)'),
    pd_process_list_id: f('uint32_t pd_process_list_id(const pd_process_list *list, size_t i)'),
    pd_process_list_pid: f('uint32_t pd_process_list_pid(const pd_process_list *list, size_t i)'),
    pd_process_list_running: f('bool pd_process_list_running(const pd_process_list *list, size_t i)'),
    pd_process_list_exit_code: f('int32_t pd_process_list_exit_code(const pd_process_list *list, size_t i)'),
    pd_process_list_free: f('void pd_process_list_free(pd_process_list *list)'),
    // C callbacks run on the library's dispatcher thread. The binding does NOT use them: a JS
    // function called from a foreign thread makes Koffi park that thread until the main loop
    // runs it (deadlock-prone, and `data` is only valid during the call). Process events are
    // built on the pull API instead (lib/process.js). Declared so the declarations stay
    // complete; scripts/check-parity-node lists them as deliberately not wrapped.
    pd_process_set_callbacks: f(
        'pd_status pd_process_set_callbacks(pd_process *process, pd_output_cb *on_output, pd_exit_cb *on_exit, void *user_data, pd_free_cb *free_user_data, _Out_ pd_error **err_out)',
    ),
    pd_container_set_callbacks: f(
        'pd_status pd_container_set_callbacks(pd_container *container, pd_output_cb *on_output, pd_exit_cb *on_exit, void *user_data, pd_free_cb *free_user_data, _Out_ pd_error **err_out)',
    ),

    // Sessions (persistent shells). BLOCKING: open, send, send_and_wait (up to its timeout),
    // read, close. pd_session_set_callbacks: not wrapped, as for processes (see above).
    pd_session_open: f(
        'pd_status pd_session_open(pd_container *container, const pd_run_opts *opts, _Out_ pd_session **session_out, _Out_ pd_error **err_out)',
    ),
    pd_session_send: f('pd_status pd_session_send(pd_session *session, const char *input, _Out_ pd_error **err_out)'),
    pd_session_send_and_wait: f(
        'pd_status pd_session_send_and_wait(pd_session *session, const char *command, int64_t timeout_ms, _Out_ pd_exec_result **result_out, _Out_ pd_error **err_out)',
    ),
    pd_session_read: f('pd_status pd_session_read(pd_session *session, _Out_ pd_output **output_out, _Out_ pd_error **err_out)'),
    pd_session_set_callbacks: f(
        'pd_status pd_session_set_callbacks(pd_session *session, pd_output_cb *on_output, pd_exit_cb *on_exit, void *user_data, pd_free_cb *free_user_data, _Out_ pd_error **err_out)',
    ),
    pd_session_close: f('pd_status pd_session_close(pd_session *session, _Out_ pd_error **err_out)'),
    pd_session_free: f('void pd_session_free(pd_session *session)'),

    // Streaming runs. BLOCKING: pd_run_stream(_argv) (to start), pd_stream_next (up to its
    // timeout). pd_stream_cancel is thread-safe. Every stream of this binding hands its
    // output to pd_stream_set_callbacks (lib/push.js), so pd_stream_next and the pd_chunk_
    // functions are declared but not used (scripts/check-parity-node lists them).
    pd_run_stream: f(
        'pd_status pd_run_stream(pd_container *container, const char *command, const pd_run_opts *opts, _Out_ pd_stream **stream_out, _Out_ pd_error **err_out)',
    ),
    pd_run_stream_argv: f(
        'pd_status pd_run_stream_argv(pd_container *container, const char **argv, size_t argc, const pd_run_opts *opts, _Out_ pd_stream **stream_out, _Out_ pd_error **err_out)',
    ),
    pd_stream_next: f(
        'pd_status pd_stream_next(pd_stream *stream, int64_t timeout_ms, _Out_ pd_chunk **chunk_out, _Out_ pd_error **err_out)',
    ),
    pd_stream_cancel: f('void pd_stream_cancel(pd_stream *stream)'),
    // Not blocking. The callbacks run on the library's callback thread; Koffi relays them to
    // the JS thread that registered the trampolines (lib/push.js).
    pd_stream_set_callbacks: f(
        'pd_status pd_stream_set_callbacks(pd_stream *stream, pd_output_cb *on_output, pd_exit_cb *on_exit, void *user_data, pd_free_cb *free_user_data, _Out_ pd_error **err_out)',
    ),
    pd_stream_result: f(
        'pd_status pd_stream_result(pd_stream *stream, _Out_ pd_exec_result **result_out, _Out_ pd_error **err_out)',
    ),
    pd_stream_free: f('void pd_stream_free(pd_stream *stream)'),
    pd_chunk_stream: f('int32_t pd_chunk_stream(const pd_chunk *chunk)'),
    pd_chunk_data: f('const void *pd_chunk_data(const pd_chunk *chunk, _Out_ size_t *len_out)'),
    pd_chunk_free: f('void pd_chunk_free(pd_chunk *chunk)'),

    // Files. BLOCKING: write, read, list, push, pull.
    pd_file_write: f(
        'pd_status pd_file_write(pd_container *container, const char *path, const uint8_t *data, size_t len, _Out_ pd_error **err_out)',
    ),
    pd_file_read: f(
        'pd_status pd_file_read(pd_container *container, const char *path, _Out_ pd_bytes **bytes_out, _Out_ pd_error **err_out)',
    ),
    pd_bytes_data: f('const void *pd_bytes_data(const pd_bytes *bytes, size_t *len_out)'),
    pd_bytes_len: f('size_t pd_bytes_len(const pd_bytes *bytes)'),
    pd_bytes_free: f('void pd_bytes_free(pd_bytes *bytes)'),
    pd_file_list: f(
        'pd_status pd_file_list(pd_container *container, const char *path, _Out_ pd_file_listing **list_out, _Out_ pd_error **err_out)',
    ),
    pd_file_list_len: f('size_t pd_file_list_len(const pd_file_listing *list)'),
    pd_file_list_name: f('const char *pd_file_list_name(const pd_file_listing *list, size_t index)'),
    pd_file_list_kind: f('pd_file_kind pd_file_list_kind(const pd_file_listing *list, size_t index)'),
    pd_file_list_size: f('uint64_t pd_file_list_size(const pd_file_listing *list, size_t index)'),
    pd_file_list_mode: f('uint32_t pd_file_list_mode(const pd_file_listing *list, size_t index)'),
    pd_file_list_free: f('void pd_file_list_free(pd_file_listing *list)'),
    pd_file_push: f(
        'pd_status pd_file_push(pd_container *container, const char *host_src, const char *dest, _Out_ pd_error **err_out)',
    ),
    pd_file_pull: f(
        'pd_status pd_file_pull(pd_container *container, const char *src, const char *host_dest, _Out_ pd_error **err_out)',
    ),

    // ---- Persistence (lib/persist.js) ------------------------------------------------------
    // BLOCKING: all but the pd_container_list_* accessors and pd_container_list_free.
    pd_container_resume: f(
        'pd_status pd_container_resume(const pd_client *client, const char *name, _Out_ pd_container **container_out, _Out_ pd_error **err_out)',
    ),
    pd_container_stop_by_name: f(
        'pd_status pd_container_stop_by_name(const pd_client *client, const char *name, _Out_ pd_error **err_out)',
    ),
    pd_container_destroy: f(
        'pd_status pd_container_destroy(const pd_client *client, const char *name, _Out_ pd_error **err_out)',
    ),
    pd_container_list: f(
        'pd_status pd_container_list(const pd_client *client, const char *project, _Out_ pd_container_listing **list_out, _Out_ pd_error **err_out)',
    ),
    pd_container_list_len: f('size_t pd_container_list_len(const pd_container_listing *list)'),
    pd_container_list_name: f('const char *pd_container_list_name(const pd_container_listing *list, size_t index)'),
    pd_container_list_id: f('const char *pd_container_list_id(const pd_container_listing *list, size_t index)'),
    pd_container_list_image: f('const char *pd_container_list_image(const pd_container_listing *list, size_t index)'),
    pd_container_list_status: f('const char *pd_container_list_status(const pd_container_listing *list, size_t index)'),
    pd_container_list_persist: f('bool pd_container_list_persist(const pd_container_listing *list, size_t index)'),
    pd_container_list_project: f('const char *pd_container_list_project(const pd_container_listing *list, size_t index)'),
    pd_container_list_created_at: f(
        'const char *pd_container_list_created_at(const pd_container_listing *list, size_t index)',
    ),
    pd_container_list_free: f('void pd_container_list_free(pd_container_listing *list)'),
    pd_prune: f(
        'pd_status pd_prune(const pd_client *client, const char *project, _Out_ size_t *count_out, _Out_ pd_error **err_out)',
    ),
    pd_container_reboot: f('pd_status pd_container_reboot(pd_container *container, bool fresh, _Out_ pd_error **err_out)'),
    pd_container_snapshot: f(
        'pd_status pd_container_snapshot(pd_container *container, const char *reference, _Out_ void **image_id_out, _Out_ pd_error **err_out)',
    ),
    // ---- end of persistence -----------------------------------------------------------------
    // --- Projects (pocketdock projects, instance dirs, history, doctor) ----------------------
    // BLOCKING: pd_doctor. The others touch only the host filesystem.
    pd_container_opts_set_project_dir: f(
        'pd_status pd_container_opts_set_project_dir(pd_container_opts *opts, const char *dir, _Out_ pd_error **err_out)',
    ),
    pd_project_init: f(
        'pd_status pd_project_init(const char *path, const char *name, _Out_ void **root_out, _Out_ pd_error **err_out)',
    ),
    pd_project_find_root: f(
        'pd_status pd_project_find_root(const char *start, _Out_ void **root_out, _Out_ pd_error **err_out)',
    ),
    pd_project_config_json: f(
        'pd_status pd_project_config_json(const char *dir, _Out_ void **json_out, _Out_ pd_error **err_out)',
    ),
    pd_project_history_json: f(
        'pd_status pd_project_history_json(const char *dir, const char *instance, _Out_ void **json_out, _Out_ pd_error **err_out)',
    ),
    pd_container_instance_dir: f(
        'pd_status pd_container_instance_dir(const pd_container *container, _Out_ void **dir_out, _Out_ pd_error **err_out)',
    ),
    pd_container_opts_set_ttl_ms: f(
        'pd_status pd_container_opts_set_ttl_ms(pd_container_opts *opts, int64_t ttl_ms, _Out_ pd_error **err_out)',
    ),
    pd_doctor: f(
        'pd_status pd_doctor(const pd_client *client, const char *project_dir, bool fix, _Out_ void **report_out, _Out_ pd_error **err_out)',
    ),
    // --- end of projects ---------------------------------------------------------------------
    // ==== Profiles and images (src/ffi/profiles.rs) ====================================
    // BLOCKING: pd_profile_build, pd_image_export, pd_image_import, pd_image_remove,
    // pd_image_exists. pd_profile_build's progress callback is not wrapped (NULL is passed,
    // as for the process and session callbacks).
    pd_profile_count: f('size_t pd_profile_count(void)'),
    pd_profile_resolve: f('pd_status pd_profile_resolve(const char *name, _Out_ size_t *index_out, _Out_ pd_error **err_out)'),
    pd_profile_name: f('const char *pd_profile_name(size_t index)'),
    pd_profile_image: f('const char *pd_profile_image(size_t index)'),
    pd_profile_description: f('const char *pd_profile_description(size_t index)'),
    pd_profile_size: f('const char *pd_profile_size(size_t index)'),
    pd_profile_network: f('bool pd_profile_network(size_t index)'),
    pd_container_opts_set_profile: f(
        'pd_status pd_container_opts_set_profile(pd_container_opts *opts, const char *profile, _Out_ pd_error **err_out)',
    ),
    pd_build_opts_new: f('pd_build_opts *pd_build_opts_new(void)'),
    pd_build_opts_free: f('void pd_build_opts_free(pd_build_opts *opts)'),
    pd_build_opts_set_base: f('pd_status pd_build_opts_set_base(pd_build_opts *opts, const char *base, _Out_ pd_error **err_out)'),
    pd_build_opts_set_context_dir: f(
        'pd_status pd_build_opts_set_context_dir(pd_build_opts *opts, const char *dir, _Out_ pd_error **err_out)',
    ),
    pd_build_opts_set_tag: f('pd_status pd_build_opts_set_tag(pd_build_opts *opts, const char *tag, _Out_ pd_error **err_out)'),
    pd_build_opts_set_no_cache: f(
        'pd_status pd_build_opts_set_no_cache(pd_build_opts *opts, bool no_cache, _Out_ pd_error **err_out)',
    ),
    pd_profile_build: f(
        'pd_status pd_profile_build(const pd_client *client, const char *profile, const pd_build_opts *opts, pd_line_cb *on_progress, void *user_data, pd_free_cb *free_user_data, _Out_ void **image_id_out, _Out_ pd_error **err_out)',
    ),
    pd_image_export: f(
        'pd_status pd_image_export(const pd_client *client, const char **images, size_t n_images, const char *file, _Out_ pd_error **err_out)',
    ),
    pd_image_import: f(
        'pd_status pd_image_import(const pd_client *client, const char *file, _Out_ void **loaded_json_out, _Out_ pd_error **err_out)',
    ),
    pd_image_remove: f('pd_status pd_image_remove(const pd_client *client, const char *image, bool force, _Out_ pd_error **err_out)'),
    pd_image_exists: f(
        'pd_status pd_image_exists(const pd_client *client, const char *image, _Out_ bool *exists_out, _Out_ pd_error **err_out)',
    ),
    // ==== end of profiles and images ===================================================

    // ==== Pools (lib/pool.js) =========================================================
    // BLOCKING: pd_pool_acquire, pd_pool_release, pd_pool_shutdown (pd_pool_new returns at
    // once: members are created in the background).
    pd_pool_opts_new: f('pd_pool_opts *pd_pool_opts_new(void)'),
    pd_pool_opts_free: f('void pd_pool_opts_free(pd_pool_opts *opts)'),
    pd_pool_opts_set_container_opts: f(
        'pd_status pd_pool_opts_set_container_opts(pd_pool_opts *opts, const pd_container_opts *container_opts, _Out_ pd_error **err_out)',
    ),
    pd_pool_opts_set_min_idle: f('pd_status pd_pool_opts_set_min_idle(pd_pool_opts *opts, size_t min_idle, _Out_ pd_error **err_out)'),
    pd_pool_opts_set_max_size: f('pd_status pd_pool_opts_set_max_size(pd_pool_opts *opts, size_t max_size, _Out_ pd_error **err_out)'),
    pd_pool_opts_set_parallel: f('pd_status pd_pool_opts_set_parallel(pd_pool_opts *opts, size_t parallel, _Out_ pd_error **err_out)'),
    pd_pool_opts_set_warmup: f('pd_status pd_pool_opts_set_warmup(pd_pool_opts *opts, const char *command, _Out_ pd_error **err_out)'),
    pd_pool_opts_set_recycle: f('pd_status pd_pool_opts_set_recycle(pd_pool_opts *opts, bool recycle, _Out_ pd_error **err_out)'),
    pd_pool_opts_set_health_interval_ms: f(
        'pd_status pd_pool_opts_set_health_interval_ms(pd_pool_opts *opts, int64_t interval_ms, _Out_ pd_error **err_out)',
    ),
    pd_pool_opts_add_engine: f(
        'pd_status pd_pool_opts_add_engine(pd_pool_opts *opts, const pd_client *client, uint32_t weight, size_t limit, _Out_ pd_error **err_out)',
    ),
    pd_pool_new: f(
        'pd_status pd_pool_new(const pd_client *client, const pd_pool_opts *opts, _Out_ pd_pool **pool_out, _Out_ pd_error **err_out)',
    ),
    pd_pool_id: f('const char *pd_pool_id(const pd_pool *pool)'),
    pd_pool_acquire: f(
        'pd_status pd_pool_acquire(const pd_pool *pool, int64_t timeout_ms, _Out_ pd_container **container_out, _Out_ pd_error **err_out)',
    ),
    pd_pool_release: f('pd_status pd_pool_release(const pd_pool *pool, const pd_container *container, _Out_ pd_error **err_out)'),
    pd_pool_get_stats: f('pd_status pd_pool_get_stats(const pd_pool *pool, _Out_ pd_pool_stats *stats_out, _Out_ pd_error **err_out)'),
    pd_pool_shutdown: f('pd_status pd_pool_shutdown(const pd_pool *pool, _Out_ pd_error **err_out)'),
    pd_pool_free: f('void pd_pool_free(pd_pool *pool)'),
    // ==== end of pools =================================================================
    // Callbacks on this thread's event loop (lib/push.js): a pipe to watch and the call that
    // runs what waits. Non-blocking.
    pd_callbacks_to_fd: f('pd_status pd_callbacks_to_fd(_Out_ int *fd_out, _Out_ pd_error **err_out)'),
    pd_callbacks_dispatch: f('size_t pd_callbacks_dispatch(void)'),
    // ==== Engine sets (lib/engine_set.js). BLOCKING: pd_engine_set_create ==============
    pd_engine_set_new: f('pd_engine_set *pd_engine_set_new(void)'),
    pd_engine_set_free: f('void pd_engine_set_free(pd_engine_set *set)'),
    pd_engine_set_add: f(
        'pd_status pd_engine_set_add(pd_engine_set *set, const pd_client *client, uint32_t weight, size_t limit, _Out_ pd_error **err_out)',
    ),
    pd_engine_set_create: f(
        'pd_status pd_engine_set_create(const pd_engine_set *set, const pd_container_opts *opts, _Out_ pd_container **container_out, _Out_ size_t *engine_index_out, _Out_ pd_error **err_out)',
    ),

    // Logs (lib/log.js). Process-global; records arrive on the callback thread.
    pd_set_log_callback: f(
        'pd_status pd_set_log_callback(int32_t level, pd_log_cb *cb, void *user_data, pd_free_cb *free_user_data, _Out_ pd_error **err_out)',
    ),

    // Versions.
    pd_version,
    pd_abi_version,
};

module.exports = { koffi, lib, libPath, ABI_VERSION, checkAbi };
