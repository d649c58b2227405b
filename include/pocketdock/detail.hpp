// pocketdock C++ API: errors, owners and argument types shared by the other headers.
// Include <pocketdock.hpp>, not this file. C++17, header-only over the C ABI (pocketdock.h).
#ifndef POCKETDOCK_DETAIL_HPP
#define POCKETDOCK_DETAIL_HPP

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "../pocketdock.h"

namespace pocketdock {

// The one timeout rule of the C ABI (docs/ffi-conventions.md): > 0 a limit, 0 "just look"
// where that means something, and no_timeout for no limit.
using milliseconds = std::chrono::milliseconds;
inline constexpr milliseconds no_timeout{PD_NO_TIMEOUT};

// pd_status: what a call returned. The numbers are the C ABI's, fixed forever.
enum class Status : std::int32_t {
    ok = PD_OK,
    invalid_argument = PD_ERR_INVALID_ARGUMENT,
    engine_not_found = PD_ERR_ENGINE_NOT_FOUND,
    container_not_found = PD_ERR_CONTAINER_NOT_FOUND,
    container_not_running = PD_ERR_CONTAINER_NOT_RUNNING,
    container_gone = PD_ERR_CONTAINER_GONE,
    image_not_found = PD_ERR_IMAGE_NOT_FOUND,
    name_conflict = PD_ERR_NAME_CONFLICT,
    timeout = PD_ERR_TIMEOUT,
    io = PD_ERR_IO,
    engine = PD_ERR_ENGINE,
    internal = PD_ERR_INTERNAL,
    panic = PD_ERR_PANIC,
    invalid_state = PD_ERR_INVALID_STATE,
    file_not_found = PD_ERR_FILE_NOT_FOUND,
    build_failed = PD_ERR_BUILD_FAILED,
    stream_end = PD_STREAM_END,
};

// A failed call: its status, the library's message (what()), and the engine's HTTP status
// when the engine refused (else 0).
class Error : public std::runtime_error {
public:
    Error(Status status, const std::string& message, int32_t engine_status = 0)
        : std::runtime_error(message), status_(status), engine_status_(engine_status) {}
    Status status() const noexcept { return status_; }
    int32_t engine_status() const noexcept { return engine_status_; }

private:
    Status status_;
    int32_t engine_status_;
};

// Bytes borrowed for a call or from the object that returned them. Range-for works, and in
// C++20 it converts to std::span<const std::uint8_t>.
class bytes_view {
public:
    constexpr bytes_view() noexcept = default;
    constexpr bytes_view(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}
    bytes_view(const void* data, std::size_t size) noexcept
        : data_(static_cast<const std::uint8_t*>(data)), size_(size) {}
    bytes_view(std::string_view s) noexcept : bytes_view(s.data(), s.size()) {}
    bytes_view(const std::string& s) noexcept : bytes_view(s.data(), s.size()) {}
    bytes_view(const char* s) : bytes_view(std::string_view(s)) {}
    bytes_view(const std::vector<std::uint8_t>& v) noexcept : data_(v.data()), size_(v.size()) {}
    constexpr const std::uint8_t* data() const noexcept { return data_; }
    constexpr std::size_t size() const noexcept { return size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }
    constexpr const std::uint8_t* begin() const noexcept { return data_; }
    constexpr const std::uint8_t* end() const noexcept { return data_ + size_; }
    // The same bytes as characters (not checked for UTF-8).
    std::string_view str() const noexcept {
        return std::string_view(reinterpret_cast<const char*>(data_), size_);
    }
    std::vector<std::uint8_t> to_vector() const { return std::vector<std::uint8_t>(begin(), end()); }

private:
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

// Which output a piece of output came from (the C ABI's 1 and 2).
enum class Pipe : std::int32_t { out = 1, err = 2 };

// Callbacks run on the library's callback thread (`pocketdock-callbacks`), one at a time, in
// order; never on the caller's thread. Guard what they share with your other threads. They
// may call pocketdock, blocking calls included. An exception escaping one terminates the
// program (it would otherwise unwind through the C library).
class ResultView;
using OutputCallback = std::function<void(Pipe, bytes_view)>;
using ExitCallback = std::function<void(const ResultView&)>;

namespace detail {

template <class T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const noexcept { Free(p); }
};
// The owner of one C handle, freed with its own _free.
template <class T, void (*Free)(T*)>
using Owner = std::unique_ptr<T, Deleter<T, Free>>;

// The Error a failed call's pd_error (borrowed; may be NULL) describes.
inline Error make_error(pd_status status, const pd_error* err) {
    if (!err) return Error(static_cast<Status>(status), "pocketdock call failed without detail");
    const char* msg = pd_error_message(err);
    return Error(static_cast<Status>(pd_error_code(err)), msg ? msg : "", pd_error_engine_status(err));
}

[[noreturn]] inline void throw_error(pd_status status, pd_error* err) {
    Owner<pd_error, pd_error_free> owned(err);
    throw make_error(status, owned.get());
}

// Calls `f(&err)` (a C call taking err_out last) and throws Error unless it returned PD_OK.
template <class F>
void call(F&& f) {
    pd_error* err = nullptr;
    const pd_status status = f(&err);
    if (status != PD_OK) throw_error(status, err);
}

// Takes a string the library allocated: copied, then freed with pd_string_free.
inline std::string take(char* s) {
    Owner<char, pd_string_free> owned(s);
    return owned ? std::string(owned.get()) : std::string();
}

inline std::string_view view(const char* s) noexcept { return s ? std::string_view(s) : std::string_view(); }

// The heap state behind a callback's user_data; free_user_data deletes it.
template <class State>
void free_state(void* user_data) noexcept {
    delete static_cast<State*>(user_data);
}

struct ProcessCallbacks {
    OutputCallback on_output;
    ExitCallback on_exit;
};

}  // namespace detail

// A NUL-terminated string argument: a literal, const char*, std::string or std::string_view
// (copied, since a view need not end in NUL). nullptr where the C call allows NULL.
class cstr {
public:
    cstr(std::nullptr_t) noexcept {}
    cstr(const char* s) noexcept : ptr_(s) {}
    cstr(const std::string& s) noexcept : ptr_(s.c_str()) {}
    cstr(std::string_view s) : copy_(s), ptr_(copy_.c_str()) {}
    cstr(const cstr&) = delete;
    cstr& operator=(const cstr&) = delete;
    const char* get() const noexcept { return ptr_; }

private:
    std::string copy_;
    const char* ptr_ = nullptr;
};

// Non-throwing use: attempt([&] { return box.run("true"); }) gives an Expected<ExecResult>
// holding the value or the pocketdock::Error (other exceptions still propagate).
template <class T>
class Expected {
public:
    Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Expected(Error error) : v_(std::in_place_index<1>, std::move(error)) {}
    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }
    T& value() & { return ok() ? std::get<0>(v_) : throw std::get<1>(v_); }
    T&& value() && { return ok() ? std::move(std::get<0>(v_)) : throw std::get<1>(v_); }
    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

template <>
class Expected<void> {
public:
    Expected() = default;
    Expected(Error error) : error_(std::move(error)) {}
    bool ok() const noexcept { return !error_; }
    explicit operator bool() const noexcept { return ok(); }
    void value() const {
        if (error_) throw *error_;
    }
    const Error& error() const { return *error_; }

private:
    std::optional<Error> error_;
};

// An async run's outcome (Container::run_async), on the callback thread: the result
// (borrowed, valid for the call only) or the Error the run failed with.
using ResultCallback = std::function<void(Expected<ResultView>)>;

template <class F>
auto attempt(F&& f) -> Expected<std::invoke_result_t<F>> {
    using T = std::invoke_result_t<F>;
    try {
        if constexpr (std::is_void_v<T>) {
            std::forward<F>(f)();
            return Expected<void>();
        } else {
            return Expected<T>(std::forward<F>(f)());
        }
    } catch (const Error& e) {
        return Expected<T>(e);
    }
}

}  // namespace pocketdock

#endif  // POCKETDOCK_DETAIL_HPP
