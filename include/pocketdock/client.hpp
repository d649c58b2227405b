// pocketdock C++ API: the client (one engine connection) and the process-wide calls
// (version, logs, profiles, projects). Include <pocketdock.hpp>.
#ifndef POCKETDOCK_CLIENT_HPP
#define POCKETDOCK_CLIENT_HPP

#include "container.hpp"

namespace pocketdock {

enum class EngineKind : std::int32_t { docker = PD_ENGINE_DOCKER, podman = PD_ENGINE_PODMAN };

// What the engine said about itself; the strings are owned by the client.
struct EngineInfo {
    EngineKind kind;
    std::string_view version, api_version, socket;
};

// Progress lines of a profile build, on the callback thread (see detail.hpp).
using LineCallback = std::function<void(std::string_view line)>;

namespace detail {
inline void line_trampoline(void* user_data, const char* line) noexcept {
    (*static_cast<LineCallback*>(user_data))(view(line));
}
}  // namespace detail

// A connection to one engine (pd_client). Containers made from it hold what they need, so it
// may be destroyed first.
class Client {
public:
    // The socket the options name, else POCKETDOCK_SOCKET, else discovery (docs/engines.md).
    static Client open(Opt<ClientOptions> opts = {}) {
        pd_client* c = nullptr;
        detail::call([&](pd_error** e) { return pd_client_open(opts.get(), &c, e); });
        return Client(c);
    }
    explicit Client(pd_client* c) noexcept : c_(c) {}

    EngineInfo engine_info() const {
        pd_engine_info info{};
        detail::call([&](pd_error** e) { return pd_client_engine_info(c_.get(), &info, e); });
        return {static_cast<EngineKind>(info.kind), detail::view(info.version),
                detail::view(info.api_version), detail::view(info.socket)};
    }
    Container create(Opt<ContainerOptions> opts = {}) const {
        return container(pd_container_create, opts.get());
    }
    // A handle on an existing pocketdock sandbox (name or id), as it is.
    Container open_container(cstr name_or_id) const { return container(pd_container_open, name_or_id.get()); }
    // Starts a stopped persistent sandbox if needed and returns a handle on it.
    Container resume(cstr name) const { return container(pd_container_resume, name.get()); }
    void stop(cstr name) const {
        detail::call([&](pd_error** e) { return pd_container_stop_by_name(c_.get(), name.get(), e); });
    }
    void destroy(cstr name) const {
        detail::call([&](pd_error** e) { return pd_container_destroy(c_.get(), name.get(), e); });
    }
    // pocketdock's sandboxes on this engine; only `project`'s unless nullptr.
    std::vector<ContainerEntry> list(cstr project = nullptr) const {
        pd_container_listing* l = nullptr;
        detail::call([&](pd_error** e) { return pd_container_list(c_.get(), project.get(), &l, e); });
        return detail::entries(l);
    }
    // Removes stopped sandboxes (of `project` unless nullptr); returns how many.
    std::size_t prune(cstr project = nullptr) const {
        std::size_t n = 0;
        detail::call([&](pd_error** e) { return pd_prune(c_.get(), project.get(), &n, e); });
        return n;
    }
    std::string doctor(cstr project_dir = nullptr, bool fix = false) const {
        char* report = nullptr;
        detail::call([&](pd_error** e) { return pd_doctor(c_.get(), project_dir.get(), fix, &report, e); });
        return detail::take(report);
    }
    // Builds a profile's image; returns its id. Every callback has run when this returns.
    std::string build_profile(cstr profile, Opt<BuildOptions> opts = {}, LineCallback on_progress = {}) const {
        char* id = nullptr;
        auto* state = on_progress ? new LineCallback(std::move(on_progress)) : nullptr;
        detail::call([&](pd_error** e) {
            return pd_profile_build(c_.get(), profile.get(), opts.get(), state ? detail::line_trampoline : nullptr,
                                    state, state ? detail::free_state<LineCallback> : nullptr, &id, e);
        });
        return detail::take(id);
    }
    void export_images(const std::vector<std::string>& images, cstr file) const {
        auto names = detail::argv(images);
        detail::call([&](pd_error** e) {
            return pd_image_export(c_.get(), names.data(), names.size(), file.get(), e);
        });
    }
    // Returns a JSON array of the loaded image names.
    std::string import_images(cstr file) const {
        char* json = nullptr;
        detail::call([&](pd_error** e) { return pd_image_import(c_.get(), file.get(), &json, e); });
        return detail::take(json);
    }
    void remove_image(cstr image, bool force = false) const {
        detail::call([&](pd_error** e) { return pd_image_remove(c_.get(), image.get(), force, e); });
    }
    bool image_exists(cstr image) const {
        bool exists = false;
        detail::call([&](pd_error** e) { return pd_image_exists(c_.get(), image.get(), &exists, e); });
        return exists;
    }
    pd_client* get() const noexcept { return c_.get(); }

private:
    template <class F, class A>
    Container container(F f, A arg) const {
        pd_container* c = nullptr;
        detail::call([&](pd_error** e) { return f(c_.get(), arg, &c, e); });
        return Container(c);
    }
    detail::Owner<pd_client, pd_client_free> c_;
};

// The library's version ("0.1.0") and ABI version (PD_ABI_VERSION for this header).
inline std::string_view version() noexcept { return detail::view(pd_version()); }
inline std::uint32_t abi_version() noexcept { return pd_abi_version(); }

enum class LogLevel : std::int32_t {
    off = PD_LOG_OFF,
    error = PD_LOG_ERROR,
    warn = PD_LOG_WARN,
    info = PD_LOG_INFO,
    debug = PD_LOG_DEBUG,
    trace = PD_LOG_TRACE,
};
using LogCallback = std::function<void(LogLevel, std::string_view target, std::string_view message)>;

namespace detail {
inline void log_trampoline(void* user_data, int32_t level, const char* target, const char* message) noexcept {
    (*static_cast<LogCallback*>(user_data))(static_cast<LogLevel>(level), view(target), view(message));
}
}  // namespace detail

// Process-wide: the library's log records at `level` and more severe go to `cb` on the
// callback thread, in order; LogLevel::off or an empty cb silences it again.
inline void set_log_callback(LogLevel level, LogCallback cb) {
    auto* state = (cb && level != LogLevel::off) ? new LogCallback(std::move(cb)) : nullptr;
    detail::call([&](pd_error** e) {
        return pd_set_log_callback(static_cast<std::int32_t>(level), state ? detail::log_trampoline : nullptr,
                                   state, state ? detail::free_state<LogCallback> : nullptr, e);
    });
}

// The image profiles (minimal-python, minimal-node, dev, agent, embedded; docs/profiles.md).
struct Profile {
    std::string_view name, image, description, size;
    bool network;  // the profile's network default
};

// Moves every callback of the library (run ends, stream output, logs, free_user_data) from its
// own thread to the caller's event loop (pd_callbacks_to_fd): returns a descriptor (owned by
// the library) that becomes readable when callbacks wait; call dispatch_callbacks() from that
// loop then. Process-wide, for the rest of the process; call it before registering callbacks.
inline int callbacks_fd() {
    int fd = -1;
    detail::call([&](pd_error** e) { return pd_callbacks_to_fd(&fd, e); });
    return fd;
}
// Runs the callbacks waiting on the calling thread; returns how many ran.
inline std::size_t dispatch_callbacks() noexcept { return pd_callbacks_dispatch(); }

inline Profile profile_at(std::size_t i) {
    return {detail::view(pd_profile_name(i)), detail::view(pd_profile_image(i)),
            detail::view(pd_profile_description(i)), detail::view(pd_profile_size(i)), pd_profile_network(i)};
}
inline std::vector<Profile> profiles() {
    std::vector<Profile> out;
    for (std::size_t i = 0, n = pd_profile_count(); i < n; ++i) out.push_back(profile_at(i));
    return out;
}
// A profile by name (PD_ERR_INVALID_ARGUMENT if there is none).
inline Profile profile(cstr name) {
    std::size_t i = 0;
    detail::call([&](pd_error** e) { return pd_profile_resolve(name.get(), &i, e); });
    return profile_at(i);
}

// .pocketdock/ projects (docs/projects.md). Each returns what the C call writes out.
inline std::string project_init(cstr path, cstr name = nullptr) {
    char* root = nullptr;
    detail::call([&](pd_error** e) { return pd_project_init(path.get(), name.get(), &root, e); });
    return detail::take(root);
}
inline std::string project_find_root(cstr start) {
    char* root = nullptr;
    detail::call([&](pd_error** e) { return pd_project_find_root(start.get(), &root, e); });
    return detail::take(root);
}
inline std::string project_config_json(cstr dir) {
    char* json = nullptr;
    detail::call([&](pd_error** e) { return pd_project_config_json(dir.get(), &json, e); });
    return detail::take(json);
}
inline std::string project_history_json(cstr dir, cstr instance) {
    char* json = nullptr;
    detail::call([&](pd_error** e) { return pd_project_history_json(dir.get(), instance.get(), &json, e); });
    return detail::take(json);
}

}  // namespace pocketdock

#endif  // POCKETDOCK_CLIENT_HPP
