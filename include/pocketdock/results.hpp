// pocketdock C++ API: what runs, reads and listings return. Include <pocketdock.hpp>.
#ifndef POCKETDOCK_RESULTS_HPP
#define POCKETDOCK_RESULTS_HPP

#include "detail.hpp"

namespace pocketdock {

// The result of a run, borrowed: what an exit callback receives (valid for the call only).
// ExecResult is the owning kind.
class ResultView {
public:
    explicit ResultView(const pd_exec_result* r) noexcept : r_(r) {}
    int32_t exit_code() const noexcept { return pd_exec_result_exit_code(r_); }
    // Raw output, borrowed from the result.
    bytes_view stdout_bytes() const noexcept {
        std::size_t len = 0;
        const std::uint8_t* data = pd_exec_result_stdout(r_, &len);
        return bytes_view(data, len);
    }
    bytes_view stderr_bytes() const noexcept {
        std::size_t len = 0;
        const std::uint8_t* data = pd_exec_result_stderr(r_, &len);
        return bytes_view(data, len);
    }
    // Output as UTF-8 text (invalid sequences replaced, as the C *_text calls do).
    std::string stdout_text() const { return detail::take(pd_exec_result_stdout_text(r_)); }
    std::string stderr_text() const { return detail::take(pd_exec_result_stderr_text(r_)); }
    milliseconds duration() const noexcept {
        return milliseconds(static_cast<milliseconds::rep>(pd_exec_result_duration_ms(r_)));
    }
    bool timed_out() const noexcept { return pd_exec_result_timed_out(r_); }
    bool truncated() const noexcept { return pd_exec_result_truncated(r_); }
    // The signal that ended the command, or 0.
    int32_t signal() const noexcept { return pd_exec_result_signal(r_); }
    bool oom_killed() const noexcept { return pd_exec_result_oom_killed(r_); }
    // CPU times in microseconds and peak memory in bytes; -1 when unknown (engine-exec runs).
    int64_t cpu_user_us() const noexcept { return pd_exec_result_cpu_user_us(r_); }
    int64_t cpu_sys_us() const noexcept { return pd_exec_result_cpu_sys_us(r_); }
    int64_t peak_rss_bytes() const noexcept { return pd_exec_result_peak_rss_bytes(r_); }
    const pd_exec_result* get() const noexcept { return r_; }

protected:
    const pd_exec_result* r_;
};

// An owned run result (pd_exec_result), freed with it. Move-only.
class ExecResult : public ResultView {
public:
    explicit ExecResult(pd_exec_result* r) noexcept : ResultView(r), owned_(r) {}
    ExecResult(ExecResult&& o) noexcept : ResultView(o.r_), owned_(std::move(o.owned_)) { o.r_ = nullptr; }
    ExecResult& operator=(ExecResult&& o) noexcept {
        owned_ = std::move(o.owned_);
        r_ = o.r_;
        o.r_ = nullptr;
        return *this;
    }

private:
    detail::Owner<pd_exec_result, pd_exec_result_free> owned_;
};

// Output collected by a detached process or session (pd_output): stdout and stderr apart.
class Output {
public:
    explicit Output(pd_output* o) noexcept : o_(o) {}
    bytes_view stdout_bytes() const noexcept {
        std::size_t len = 0;
        const std::uint8_t* data = pd_output_stdout(o_.get(), &len);
        return bytes_view(data, len);
    }
    bytes_view stderr_bytes() const noexcept {
        std::size_t len = 0;
        const std::uint8_t* data = pd_output_stderr(o_.get(), &len);
        return bytes_view(data, len);
    }
    pd_output* get() const noexcept { return o_.get(); }

private:
    detail::Owner<pd_output, pd_output_free> o_;
};

// One piece of a streamed run's output (pd_chunk).
class Chunk {
public:
    Chunk() noexcept = default;
    explicit Chunk(pd_chunk* c) noexcept : c_(c) {}
    Pipe pipe() const noexcept { return static_cast<Pipe>(pd_chunk_stream(c_.get())); }
    bytes_view data() const noexcept {
        std::size_t len = 0;
        const std::uint8_t* data = pd_chunk_data(c_.get(), &len);
        return bytes_view(data, len);
    }
    pd_chunk* get() const noexcept { return c_.get(); }

private:
    detail::Owner<pd_chunk, pd_chunk_free> c_;
};

// A file's contents (pd_bytes), read from a sandbox.
class Bytes {
public:
    explicit Bytes(pd_bytes* b) noexcept : b_(b) {}
    bytes_view view() const noexcept {
        std::size_t len = 0;
        const std::uint8_t* data = pd_bytes_data(b_.get(), &len);
        return bytes_view(data, len);
    }
    std::size_t size() const noexcept { return pd_bytes_len(b_.get()); }
    std::string_view str() const noexcept { return view().str(); }
    pd_bytes* get() const noexcept { return b_.get(); }

private:
    detail::Owner<pd_bytes, pd_bytes_free> b_;
};

enum class FileKind : std::int32_t {
    unknown = PD_FILE_KIND_UNKNOWN,
    file = PD_FILE_KIND_FILE,
    dir = PD_FILE_KIND_DIR,
    symlink = PD_FILE_KIND_SYMLINK,
    other = PD_FILE_KIND_OTHER,
};

// Listings are copied out of their C handles, which are freed at once.
struct FileEntry {
    std::string name;
    FileKind kind;
    std::uint64_t size;
    std::uint32_t mode;
};

struct ContainerEntry {
    std::string name, id, image, status;
    bool persist;
    std::string project;     // empty when none
    std::string created_at;  // RFC 3339 UTC
};

struct ProcessEntry {
    std::uint32_t id, pid;
    bool running;
    std::int32_t exit_code;  // -1 while it runs
};

namespace detail {

inline std::vector<FileEntry> entries(pd_file_listing* raw) {
    Owner<pd_file_listing, pd_file_list_free> list(raw);
    std::vector<FileEntry> out;
    for (std::size_t i = 0, n = pd_file_list_len(raw); i < n; ++i) {
        out.push_back({std::string(view(pd_file_list_name(raw, i))),
                       static_cast<FileKind>(pd_file_list_kind(raw, i)), pd_file_list_size(raw, i),
                       pd_file_list_mode(raw, i)});
    }
    return out;
}

inline std::vector<ContainerEntry> entries(pd_container_listing* raw) {
    Owner<pd_container_listing, pd_container_list_free> list(raw);
    std::vector<ContainerEntry> out;
    for (std::size_t i = 0, n = pd_container_list_len(raw); i < n; ++i) {
        out.push_back({std::string(view(pd_container_list_name(raw, i))),
                       std::string(view(pd_container_list_id(raw, i))),
                       std::string(view(pd_container_list_image(raw, i))),
                       std::string(view(pd_container_list_status(raw, i))),
                       pd_container_list_persist(raw, i),
                       std::string(view(pd_container_list_project(raw, i))),
                       std::string(view(pd_container_list_created_at(raw, i)))});
    }
    return out;
}

inline std::vector<ProcessEntry> entries(pd_process_list* raw) {
    Owner<pd_process_list, pd_process_list_free> list(raw);
    std::vector<ProcessEntry> out;
    for (std::size_t i = 0, n = pd_process_list_len(raw); i < n; ++i) {
        out.push_back({pd_process_list_id(raw, i), pd_process_list_pid(raw, i),
                       pd_process_list_running(raw, i), pd_process_list_exit_code(raw, i)});
    }
    return out;
}

}  // namespace detail
}  // namespace pocketdock

#endif  // POCKETDOCK_RESULTS_HPP
