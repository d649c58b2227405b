// pocketdock C++ API: a pool of pre-warmed sandboxes (pd_pool; docs/pool.md) and its options,
// and engine sets for plain creates (pd_engine_set).
// Include <pocketdock.hpp>.
#ifndef POCKETDOCK_POOL_HPP
#define POCKETDOCK_POOL_HPP

#include "client.hpp"

namespace pocketdock {

// Defaults: default sandboxes, 2 idle, at most 8, 2 creates at once, no warm-up, release
// destroys, idle members checked every 5 s. Setters chain; a bad value throws Error.
class PoolOptions {
public:
    PoolOptions() : o_(detail::must(pd_pool_opts_new())) {}
    // Every member's options, copied (no name, not persistent: else Pool::open refuses).
    PoolOptions& container_opts(const ContainerOptions& v) { return set(pd_pool_opts_set_container_opts, v.get()); }
    PoolOptions& min_idle(std::size_t v) { return set(pd_pool_opts_set_min_idle, v); }
    PoolOptions& max_size(std::size_t v) { return set(pd_pool_opts_set_max_size, v); }
    PoolOptions& parallel(std::size_t v) { return set(pd_pool_opts_set_parallel, v); }
    // A shell command run in each new member before it counts as ready (nullptr: none).
    PoolOptions& warmup(cstr command) { return set(pd_pool_opts_set_warmup, command.get()); }
    // true: release kills the member's processes and hands it out again (files are NOT reset).
    PoolOptions& recycle(bool v) { return set(pd_pool_opts_set_recycle, v); }
    // no_timeout: idle members are checked only at acquire.
    PoolOptions& health_interval(milliseconds v) { return set(pd_pool_opts_set_health_interval_ms, v.count()); }
    // One more engine of the set (the options hold the client): its share of the members
    // relative to the others (>= 1) and its most members at once (0: only max_size).
    PoolOptions& add_engine(const Client& client, std::uint32_t weight = 1, std::size_t limit = 0) {
        return set(pd_pool_opts_add_engine, static_cast<const pd_client*>(client.get()), weight, limit);
    }
    const pd_pool_opts* get() const noexcept { return o_.get(); }

private:
    template <class F, class... A>
    PoolOptions& set(F f, A... args) {
        detail::call([&](pd_error** e) { return f(o_.get(), args..., e); });
        return *this;
    }
    detail::Owner<pd_pool_opts, pd_pool_opts_free> o_;
};

// pd_pool_stats: a pool's counters.
struct PoolStats {
    std::uint64_t idle, in_use, creating, created, failed, engines_down;
    std::chrono::microseconds acquire_p50, acquire_p95;  // of the last (up to 1024) acquires
};

// A pool (pd_pool): min_idle members are created in the background from open() on.
// Destroying it without shutdown() shuts it down in the background, without waiting.
class Pool {
public:
    // On `client`'s engine (the first of the set, if the options add engines too).
    static Pool open(const Client& client, Opt<PoolOptions> opts = {}) { return open(client.get(), opts.get()); }
    // On the engines the options added.
    static Pool open(const PoolOptions& opts) { return open(nullptr, opts.get()); }
    explicit Pool(pd_pool* p) noexcept : p_(p) {}

    // The value of its members' pocketdock.pool label; owned by the pool.
    std::string_view id() const noexcept { return detail::view(pd_pool_id(p_.get())); }
    // A ready sandbox, checked alive; waits up to `timeout` (0: not at all) for one when none
    // is idle. Status::timeout when none came; Status::invalid_state after shutdown().
    Container acquire(milliseconds timeout = no_timeout) const {
        pd_container* c = nullptr;
        detail::call([&](pd_error** e) { return pd_pool_acquire(p_.get(), timeout.count(), &c, e); });
        return Container(c);
    }
    // Gives a member back (destroyed and replaced, or recycled); do not use it afterwards.
    void release(const Container& member) const {
        detail::call([&](pd_error** e) { return pd_pool_release(p_.get(), member.get(), e); });
    }
    PoolStats stats() const {
        pd_pool_stats s{};
        detail::call([&](pd_error** e) { return pd_pool_get_stats(p_.get(), &s, e); });
        using us = std::chrono::microseconds;
        return {s.idle,
                s.in_use,
                s.creating,
                s.created,
                s.failed,
                s.engines_down,
                us(static_cast<us::rep>(s.acquire_p50_us)),
                us(static_cast<us::rep>(s.acquire_p95_us))};
    }
    // Removes every member, idle or handed out; idempotent; blocks until done.
    void shutdown() const {
        detail::call([&](pd_error** e) { return pd_pool_shutdown(p_.get(), e); });
    }
    pd_pool* get() const noexcept { return p_.get(); }

private:
    static Pool open(const pd_client* client, const pd_pool_opts* opts) {
        pd_pool* p = nullptr;
        detail::call([&](pd_error** e) { return pd_pool_new(client, opts, &p, e); });
        return Pool(p);
    }
    detail::Owner<pd_pool, pd_pool_free> p_;
};

// Several engines to create single sandboxes on (pd_engine_set): create() goes to the least
// loaded engine that answers (the fewest running pocketdock containers per unit of weight,
// among those under their limit). Add engines before sharing it between threads.
class EngineSet {
public:
    EngineSet() : s_(detail::must(pd_engine_set_new())) {}
    // One more engine (the set holds the client): its share of the sandboxes relative to
    // the others (>= 1) and its most running pocketdock containers (0: no limit). Engines
    // are numbered from 0 in the order they are added.
    EngineSet& add(const Client& client, std::uint32_t weight = 1, std::size_t limit = 0) {
        detail::call([&](pd_error** e) { return pd_engine_set_add(s_.get(), client.get(), weight, limit, e); });
        return *this;
    }
    // A sandbox on the least loaded engine; `engine_index` (if given) receives its number.
    Container create(Opt<ContainerOptions> opts = {}, std::size_t* engine_index = nullptr) const {
        pd_container* c = nullptr;
        detail::call([&](pd_error** e) { return pd_engine_set_create(s_.get(), opts.get(), &c, engine_index, e); });
        return Container(c);
    }
    const pd_engine_set* get() const noexcept { return s_.get(); }

private:
    detail::Owner<pd_engine_set, pd_engine_set_free> s_;
};

// Releases an acquired member when the scope ends (errors are ignored there: call
// Pool::release yourself to see them; then call dismiss()).
class ReleaseGuard {
public:
    ReleaseGuard(const Pool& pool, const Container& member) noexcept : pool_(pool), member_(&member) {}
    ReleaseGuard(const ReleaseGuard&) = delete;
    ReleaseGuard& operator=(const ReleaseGuard&) = delete;
    void dismiss() noexcept { member_ = nullptr; }
    ~ReleaseGuard() {
        if (member_) pd_pool_release(pool_.get(), member_->get(), nullptr);
    }

private:
    const Pool& pool_;
    const Container* member_;
};

}  // namespace pocketdock

#endif  // POCKETDOCK_POOL_HPP
