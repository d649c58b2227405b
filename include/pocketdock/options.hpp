// pocketdock C++ API: option builders (client, container, run, profile build; the pool's
// is in pool.hpp). Each setter
// returns the builder, so calls chain; a bad value throws Error (PD_ERR_INVALID_ARGUMENT).
// Include <pocketdock.hpp>.
#ifndef POCKETDOCK_OPTIONS_HPP
#define POCKETDOCK_OPTIONS_HPP

#include "detail.hpp"

namespace pocketdock {

namespace detail {
// Builders are never NULL: pd_*_new returns NULL only when memory is exhausted.
template <class T>
T* must(T* p) {
    if (!p) throw std::bad_alloc();
    return p;
}
}  // namespace detail

class ClientOptions {
public:
    ClientOptions() : o_(detail::must(pd_client_opts_new())) {}
    // This engine and no other (a path or unix://PATH); nullptr restores the default.
    ClientOptions& socket(cstr path) {
        detail::call([&](pd_error** e) { return pd_client_opts_set_socket(o_.get(), path.get(), e); });
        return *this;
    }
    ClientOptions& connect_timeout(milliseconds t) {
        detail::call([&](pd_error** e) { return pd_client_opts_set_connect_timeout_ms(o_.get(), t.count(), e); });
        return *this;
    }
    // How long the engine may stay silent on one request once connected (default 120 s);
    // a request that runs out throws Status::timeout naming it. Negative: no limit.
    ClientOptions& request_timeout(milliseconds t) {
        detail::call([&](pd_error** e) { return pd_client_opts_set_request_timeout_ms(o_.get(), t.count(), e); });
        return *this;
    }
    ClientOptions& project_dir(cstr dir) { return set(pd_client_opts_set_project_dir, dir.get()); }
    // A remote engine (docs/engines.md): a socket, tcp://HOST[:PORT] (plain only on loopback,
    // else TLS) or ssh://[USER@]HOST[:PORT][/SOCKET]. A bad address throws here; plain TCP off
    // loopback is refused by Client::open (both Status::invalid_argument).
    ClientOptions& host(cstr address) { return set(pd_client_opts_set_host, address.get()); }
    // TLS for tcp://: a DOCKER_CERT_PATH-style directory, or the files one by one (cert and
    // key both or neither). nullptr clears it.
    ClientOptions& tls_dir(cstr dir) { return set(pd_client_opts_set_tls_dir, dir.get()); }
    ClientOptions& tls_files(cstr ca, cstr cert = nullptr, cstr key = nullptr) {
        return set(pd_client_opts_set_tls_files, ca.get(), cert.get(), key.get());
    }
    // For ssh://: the key offered, and the known-hosts file checked strictly.
    ClientOptions& ssh_identity(cstr path) { return set(pd_client_opts_set_ssh_identity, path.get()); }
    ClientOptions& ssh_known_hosts(cstr path) { return set(pd_client_opts_set_ssh_known_hosts, path.get()); }
    const pd_client_opts* get() const noexcept { return o_.get(); }

private:
    template <class F, class... A>
    ClientOptions& set(F f, A... args) {
        detail::call([&](pd_error** e) { return f(o_.get(), args..., e); });
        return *this;
    }
    detail::Owner<pd_client_opts, pd_client_opts_free> o_;
};

class ContainerOptions {
public:
    ContainerOptions() : o_(detail::must(pd_container_opts_new())) {}
    ContainerOptions& image(cstr v) { return set(pd_container_opts_set_image, v.get()); }
    ContainerOptions& profile(cstr v) { return set(pd_container_opts_set_profile, v.get()); }
    ContainerOptions& name(cstr v) { return set(pd_container_opts_set_name, v.get()); }
    ContainerOptions& timeout(milliseconds v) { return set(pd_container_opts_set_timeout_ms, v.count()); }
    ContainerOptions& ttl(milliseconds v) { return set(pd_container_opts_set_ttl_ms, v.count()); }
    ContainerOptions& mem_limit(cstr v) { return set(pd_container_opts_set_mem_limit, v.get()); }
    ContainerOptions& cpu_percent(std::uint32_t v) { return set(pd_container_opts_set_cpu_percent, v); }
    ContainerOptions& network(bool v) { return set(pd_container_opts_set_network, v); }
    ContainerOptions& agent(bool v) { return set(pd_container_opts_set_agent, v); }
    ContainerOptions& read_only(bool v) { return set(pd_container_opts_set_read_only, v); }
    ContainerOptions& strict() {
        detail::call([&](pd_error** e) { return pd_container_opts_use_strict(o_.get(), e); });
        return *this;
    }
    ContainerOptions& cap_drop_all(bool v) { return set(pd_container_opts_set_cap_drop_all, v); }
    ContainerOptions& no_new_privileges(bool v) { return set(pd_container_opts_set_no_new_privileges, v); }
    ContainerOptions& pids_limit(std::int64_t v) { return set(pd_container_opts_set_pids_limit, v); }
    ContainerOptions& user(cstr v) { return set(pd_container_opts_set_user, v.get()); }
    ContainerOptions& tmpfs(cstr path, cstr options = nullptr) {
        return set(pd_container_opts_add_tmpfs, path.get(), options.get());
    }
    ContainerOptions& persist(bool v) { return set(pd_container_opts_set_persist, v); }
    ContainerOptions& workdir(cstr v) { return set(pd_container_opts_set_workdir, v.get()); }
    ContainerOptions& project(cstr v) { return set(pd_container_opts_set_project, v.get()); }
    ContainerOptions& project_dir(cstr v) { return set(pd_container_opts_set_project_dir, v.get()); }
    ContainerOptions& env(cstr key, cstr value) { return set(pd_container_opts_add_env, key.get(), value.get()); }
    ContainerOptions& label(cstr key, cstr value) {
        return set(pd_container_opts_add_label, key.get(), value.get());
    }
    ContainerOptions& volume(cstr host_path, cstr container_path, bool read_only = false) {
        return set(pd_container_opts_add_volume, host_path.get(), container_path.get(), read_only);
    }
    // protocol: "tcp" (nullptr) or "udp".
    ContainerOptions& port(std::uint16_t host_port, std::uint16_t container_port, cstr protocol = nullptr) {
        return set(pd_container_opts_add_port, host_port, container_port, protocol.get());
    }
    ContainerOptions& device(cstr v) { return set(pd_container_opts_add_device, v.get()); }
    const pd_container_opts* get() const noexcept { return o_.get(); }

private:
    template <class F, class... A>
    ContainerOptions& set(F f, A... args) {
        detail::call([&](pd_error** e) { return f(o_.get(), args..., e); });
        return *this;
    }
    detail::Owner<pd_container_opts, pd_container_opts_free> o_;
};

class RunOptions {
public:
    RunOptions() : o_(detail::must(pd_run_opts_new())) {}
    RunOptions& timeout(milliseconds v) { return set(pd_run_opts_set_timeout_ms, v.count()); }
    RunOptions& max_output(std::size_t v) { return set(pd_run_opts_set_max_output, v); }
    // "sh" (the default), "bash", "python" or "node".
    RunOptions& lang(cstr v) { return set(pd_run_opts_set_lang, v.get()); }
    RunOptions& env(cstr key, cstr value) { return set(pd_run_opts_add_env, key.get(), value.get()); }
    RunOptions& workdir(cstr v) { return set(pd_run_opts_set_workdir, v.get()); }
    RunOptions& user(cstr v) { return set(pd_run_opts_set_user, v.get()); }
    // Copied into the builder.
    RunOptions& stdin_data(bytes_view v) { return set(pd_run_opts_set_stdin, v.data(), v.size()); }
    // A detached process's output buffer, in bytes.
    RunOptions& buffer_size(std::size_t v) { return set(pd_run_opts_set_buffer_size, v); }
    const pd_run_opts* get() const noexcept { return o_.get(); }

private:
    template <class F, class... A>
    RunOptions& set(F f, A... args) {
        detail::call([&](pd_error** e) { return f(o_.get(), args..., e); });
        return *this;
    }
    detail::Owner<pd_run_opts, pd_run_opts_free> o_;
};

class BuildOptions {
public:
    BuildOptions() : o_(detail::must(pd_build_opts_new())) {}
    BuildOptions& base(cstr v) { return set(pd_build_opts_set_base, v.get()); }
    BuildOptions& context_dir(cstr v) { return set(pd_build_opts_set_context_dir, v.get()); }
    BuildOptions& tag(cstr v) { return set(pd_build_opts_set_tag, v.get()); }
    BuildOptions& no_cache(bool v) { return set(pd_build_opts_set_no_cache, v); }
    const pd_build_opts* get() const noexcept { return o_.get(); }

private:
    template <class F, class... A>
    BuildOptions& set(F f, A... args) {
        detail::call([&](pd_error** e) { return f(o_.get(), args..., e); });
        return *this;
    }
    detail::Owner<pd_build_opts, pd_build_opts_free> o_;
};

// An options argument that may be left out: a builder (borrowed for the call) or nothing
// (the defaults).
template <class O>
class Opt {
public:
    Opt() noexcept = default;
    Opt(std::nullptr_t) noexcept {}
    Opt(const O& o) noexcept : p_(o.get()) {}
    auto get() const noexcept { return p_; }

private:
    decltype(std::declval<const O&>().get()) p_ = nullptr;
};

}  // namespace pocketdock

#endif  // POCKETDOCK_OPTIONS_HPP
