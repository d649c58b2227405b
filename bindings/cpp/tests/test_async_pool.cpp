// Tests of the C++ API's callback forms (run_async, Stream::set_callbacks), kill_all, the
// pool, the engine set's plain create and the remote client options, against a real engine (POCKETDOCK_SOCKET).
// scripts/test-c builds it as test_pocketdock.cpp is built.
#include "harness.hpp"

// What a callback hands to the test's thread: set once, waited for with a limit.
template <class T>
class Mailbox {
public:
    void put(T v) {
        std::lock_guard<std::mutex> lock(m_);
        value_ = std::move(v);
        from_ = std::this_thread::get_id();
        cv_.notify_all();
    }
    // The value, or nullopt if none came within `limit`.
    std::optional<T> wait(std::chrono::seconds limit) {
        std::unique_lock<std::mutex> lock(m_);
        cv_.wait_for(lock, limit, [&] { return value_.has_value(); });
        return value_;
    }
    std::thread::id from() {
        std::lock_guard<std::mutex> lock(m_);
        return from_;
    }

private:
    std::mutex m_;
    std::condition_variable cv_;
    std::optional<T> value_;
    std::thread::id from_;
};

// The outcome of a run as a callback saw it (its ResultView is valid for the call only).
struct Outcome {
    pd::Status status;
    int32_t exit_code;
    std::string out;
};

static pd::ResultCallback to(Mailbox<Outcome>& box) {
    return [&box](pd::Expected<pd::ResultView> r) {
        if (r) {
            box.put({pd::Status::ok, r.value().exit_code(), r.value().stdout_text()});
        } else {
            box.put({r.error().status(), -1, r.error().what()});
        }
    };
}

static int test_run_async() {
    auto box = client->create(test_opts());
    pd::ShutdownGuard removed(box);
    Mailbox<Outcome> done;
    box.run_async("echo async; exit 4", to(done));
    auto got = done.wait(30s);
    CHECK(got && got->status == pd::Status::ok && got->exit_code == 4 && got->out == "async\n");
    CHECK(done.from() != std::this_thread::get_id());

    Mailbox<Outcome> argv;
    box.run_async({"printf", "%s|", "a b"}, to(argv), pd::RunOptions().timeout(10s));
    auto a = argv.wait(30s);
    CHECK(a && a->status == pd::Status::ok && a->out == "a b|");

    // A run that ends by its timeout is a result, not an error.
    Mailbox<Outcome> slow;
    box.run_async("sleep 5", to(slow), pd::RunOptions().timeout(300ms));
    auto s = slow.wait(30s);
    CHECK(s && s->status == pd::Status::ok && s->exit_code == -1);

    // A refused call throws here and never calls back.
    std::atomic<int> calls{0};
    auto refused = pd::attempt([&] {
        box.run_async(std::vector<std::string>{}, [&](pd::Expected<pd::ResultView>) { calls++; });
    });
    CHECK(!refused && refused.error().status() == pd::Status::invalid_argument);
    auto no_cb = pd::attempt([&] { box.run_async("true", pd::ResultCallback{}); });
    CHECK(!no_cb && no_cb.error().status() == pd::Status::invalid_argument);

    // The error of a run that fails reaches the callback.
    box.shutdown();
    Mailbox<Outcome> gone;
    auto started = pd::attempt([&] { box.run_async("true", to(gone)); });
    if (started) {
        auto g = gone.wait(30s);
        CHECK(g && g->status != pd::Status::ok && !g->out.empty());
    } else {
        CHECK(started.error().status() != pd::Status::ok);
    }
    CHECK(calls == 0);
    return 0;
}

static int test_stream_callbacks() {
    auto box = client->create(test_opts());
    pd::ShutdownGuard removed(box);
    auto s = box.stream("for i in 1 2 3; do echo $i; sleep 0.05; done; echo e >&2; exit 2");
    std::mutex m;
    std::string out, err;
    Mailbox<int32_t> exited;
    s.set_callbacks(
        [&](pd::Pipe pipe, pd::bytes_view data) {
            std::lock_guard<std::mutex> lock(m);
            (pipe == pd::Pipe::out ? out : err) += data.str();
        },
        [&](const pd::ResultView& r) { exited.put(r.get() ? r.exit_code() : -100); });
    auto code = exited.wait(30s);
    CHECK(code && *code == 2);
    CHECK(exited.from() != std::this_thread::get_id());
    {
        std::lock_guard<std::mutex> lock(m);
        CHECK(out == "1\n2\n3\n" && err == "e\n");
    }
    CHECK(s.result().exit_code() == 2);
    // The stream is the callbacks' now, and only once.
    auto next = pd::attempt([&] { return s.next().has_value(); });
    CHECK(!next && next.error().status() == pd::Status::invalid_state);
    auto again = pd::attempt([&] { s.set_callbacks({}, {}); });
    CHECK(!again && again.error().status() == pd::Status::invalid_state);

    // Cancelling a command handed to callbacks still ends it with on_exit.
    auto long_one = box.stream(std::vector<std::string>{"sleep", "30"});
    Mailbox<int32_t> cancelled;
    long_one.set_callbacks({}, [&](const pd::ResultView& r) { cancelled.put(r.get() ? r.exit_code() : -100); });
    long_one.cancel();
    CHECK(cancelled.wait(30s).has_value());
    return 0;
}

static int test_kill_all() {
    auto box = client->create(test_opts());
    pd::ShutdownGuard removed(box);
    auto p = box.spawn("sleep 300");
    auto q = box.spawn({"sleep", "301"});
    CHECK(p.is_running() && q.is_running());
    const std::uint32_t killed = box.kill_all();
    CHECK(killed >= 2);
    auto r = p.wait(20s);
    CHECK(r && r->signal() == 9);
    auto r2 = q.wait(20s);
    CHECK(r2 && r2->signal() == 9);
    // The sandbox itself lives on.
    CHECK(box.run("echo alive").stdout_text() == "alive\n");
    box.shutdown();
    auto gone = pd::attempt([&] { return box.kill_all(); });
    CHECK(!gone && gone.error().status() != pd::Status::ok);
    return 0;
}

static int test_pool() {
    auto bad = pd::attempt([] { pd::PoolOptions().health_interval(0ms); });
    CHECK(!bad && bad.error().status() == pd::Status::invalid_argument);
    auto too_small = pd::attempt([] { return pd::Pool::open(*client, pd::PoolOptions().max_size(0)); });
    CHECK(!too_small && too_small.error().status() == pd::Status::invalid_argument);
    auto no_engine = pd::attempt([] { return pd::Pool::open(pd::PoolOptions()); });
    CHECK(!no_engine && no_engine.error().status() == pd::Status::invalid_argument);

    auto pool = pd::Pool::open(*client, pd::PoolOptions()
                                            .container_opts(test_opts())
                                            .min_idle(1)
                                            .max_size(1)
                                            .warmup("echo warm > /tmp/warm"));
    CHECK(pool.id().substr(0, 5) == "pool-");
    // Pre-warmed: a member becomes idle without anyone asking.
    bool warmed = false;
    for (int i = 0; i < 600 && !warmed; ++i) {
        warmed = pool.stats().idle == 1;
        if (!warmed) std::this_thread::sleep_for(100ms);
    }
    CHECK(warmed);
    {
        auto box = pool.acquire(60s);
        pd::ReleaseGuard back(pool, box);
        CHECK(box.run("cat /tmp/warm").stdout_text() == "warm\n");
        auto none = pd::attempt([&] { return pool.acquire(0ms); });
        CHECK(!none && none.error().status() == pd::Status::timeout);
        auto s = pool.stats();
        CHECK(s.in_use == 1 && s.idle == 0 && s.created >= 1 && s.acquire_p50.count() > 0);
    }  // released by the guard
    auto s = pool.stats();
    CHECK(s.in_use == 0);

    auto box = pool.acquire(60s);
    pool.release(box);
    auto twice = pd::attempt([&] { pool.release(box); });
    CHECK(!twice && twice.error().status() == pd::Status::invalid_argument);
    auto held = pool.acquire(60s);
    pool.shutdown();
    pool.shutdown();  // idempotent
    auto removed = pd::attempt([&] { return held.run("true"); });
    CHECK(!removed && removed.error().status() == pd::Status::container_not_found);
    auto closed = pd::attempt([&] { return pool.acquire(0ms); });
    CHECK(!closed && closed.error().status() == pd::Status::invalid_state);
    return 0;
}

static int test_pool_engine_set() {
    auto pool = pd::Pool::open(pd::PoolOptions().container_opts(test_opts()).min_idle(1).max_size(1).add_engine(
        *client, 2, 1));
    auto box = pool.acquire(60s);
    CHECK(box.run("echo set").stdout_text() == "set\n");
    pool.release(box);
    pool.shutdown();
    auto bad = pd::attempt([] { pd::PoolOptions().add_engine(*client, 0); });
    CHECK(!bad && bad.error().status() == pd::Status::invalid_argument);
    return 0;
}

// A plain create on a set of this engine and the other one (POCKETDOCK_OTHER_SOCKET, else
// the other of scripts/engine-up's two): it lands on one of them and runs there.
static int test_engine_set_create() {
    const char* env_other = std::getenv("POCKETDOCK_OTHER_SOCKET");
    const char* mine = std::getenv("POCKETDOCK_SOCKET");
    std::string other = env_other && *env_other ? env_other
                        : (mine && std::string(mine) == "/run/podman/podman.sock") ? "/run/pocketdock-docker.sock"
                                                                                    : "/run/podman/podman.sock";
    auto second = pd::Client::open(pd::ClientOptions().socket(other.c_str()));
    pd::EngineSet set;
    set.add(*client).add(second, 1, 0);
    std::size_t where = 9;
    auto box = set.create(test_opts(), &where);
    CHECK(where == 0 || where == 1);
    CHECK(box.run("echo placed").stdout_text() == "placed\n");
    box.shutdown();
    auto bad = pd::attempt([&] { pd::EngineSet().add(*client, 0); });
    CHECK(!bad && bad.error().status() == pd::Status::invalid_argument);
    auto empty = pd::attempt([] { return pd::EngineSet().create(test_opts()); });
    CHECK(!empty && empty.error().status() == pd::Status::invalid_argument);
    return 0;
}

static int test_remote_options() {
    for (const char* addr : {"gopher://h", "tcp://h:0", "ssh://-oProxyCommand=x"}) {
        auto r = pd::attempt([&] { pd::ClientOptions().host(addr); });
        CHECK(!r && r.error().status() == pd::Status::invalid_argument);
        CHECK(std::string(r.error().what()).find("engine address") != std::string::npos);
    }
    // socket() stays Unix-only; host() takes the same address.
    auto sock = pd::attempt([] { pd::ClientOptions().socket("tcp://127.0.0.1:1"); });
    CHECK(!sock && sock.error().status() == pd::Status::invalid_argument);
    // A certificate without its key; TLS for an ssh:// host.
    auto half = pd::attempt([] { pd::ClientOptions().tls_files("/ca.pem", "/cert.pem"); });
    CHECK(!half && half.error().status() == pd::Status::invalid_argument);
    auto ssh_tls = pd::attempt([] { pd::ClientOptions().tls_files("/ca.pem").host("ssh://h"); });
    CHECK(!ssh_tls && ssh_tls.error().status() == pd::Status::invalid_argument);
    pd::ClientOptions ssh;
    ssh.host("ssh://h").ssh_identity("/k").ssh_known_hosts("/kh").tls_dir(nullptr);
    // Plain TCP off loopback is refused by open, before anything is dialed (TEST-NET-1).
    auto plain = pd::attempt([] { return pd::Client::open(pd::ClientOptions().host("tcp://192.0.2.1:2375")); });
    CHECK(!plain && plain.error().status() == pd::Status::invalid_argument);
    CHECK(std::string(plain.error().what()).find("only on loopback") != std::string::npos);
    return 0;
}

int main() {
    if (!open_client()) return 1;
    RUN(test_run_async);
    RUN(test_stream_callbacks);
    RUN(test_kill_all);
    RUN(test_pool);
    RUN(test_pool_engine_set);
    RUN(test_engine_set_create);
    RUN(test_remote_options);
    return finish("C++ async/pool");
}
