// Tests of the C++ API (include/pocketdock.hpp) against a real engine (POCKETDOCK_SOCKET).
// scripts/test-c builds it with -std=c++17 and c++20, plain and under ASan + UBSan.
#include "harness.hpp"

static int test_version_and_profiles() {
    CHECK(pd::abi_version() == PD_ABI_VERSION);
    CHECK(pd::version() == PD_VERSION);
    auto all = pd::profiles();
    CHECK(all.size() >= 5);
    auto embedded = pd::profile("embedded");
    CHECK(embedded.image == "pocketdock/embedded");
    CHECK(embedded.network);
    CHECK(!pd::profile("minimal-python").network);
    return 0;
}

static int test_errors_carry_status() {
    try {
        pd::RunOptions().timeout(0ms);  // a run's limit cannot be zero
        CHECK(false);
    } catch (const pd::Error& e) {
        CHECK(e.status() == pd::Status::invalid_argument);
        CHECK(std::string(e.what()).find("timeout") != std::string::npos);
    }
    auto r = pd::attempt([] { return pd::profile("no-such-profile"); });
    CHECK(!r.ok());
    CHECK(r.error().status() == pd::Status::invalid_argument);
    auto ok = pd::attempt([] { return pd::profile("dev"); });
    CHECK(ok && ok.value().name == "dev");
    auto v = pd::attempt([] { pd::RunOptions().lang("cobol"); });
    CHECK(!v.ok());
    auto missing = pd::attempt([] { return client->open_container("pd-cpp-no-such-box"); });
    CHECK(!missing && missing.error().status() == pd::Status::container_not_found);
    return 0;
}

static int test_engine_info() {
    auto info = client->engine_info();
    CHECK(info.kind == pd::EngineKind::docker || info.kind == pd::EngineKind::podman);
    CHECK(!info.version.empty() && !info.socket.empty());
    return 0;
}

static int test_runs() {
    auto box = client->create(test_opts());
    pd::ShutdownGuard removed(box);
    CHECK(box.name().substr(0, 3) == "pd-");
    CHECK(box.timeout() == 30000ms);
    auto r = box.run("echo hello; echo oops >&2; exit 3");
    CHECK(r.exit_code() == 3);
    CHECK(r.stdout_text() == "hello\n");
    CHECK(r.stderr_bytes().str() == "oops\n");
    pd::ExecResult moved = std::move(r);
    CHECK(moved.exit_code() == 3 && r.get() == nullptr);

    auto py = box.run("import sys; print(sys.stdin.read().upper())",
                      pd::RunOptions().lang("python").stdin_data("abc").env("X", "1"));
    CHECK(py.exit_code() == 0 && py.stdout_text() == "ABC\n");
    auto argv = box.run({"printf", "%s|", "a b", "c"});
    CHECK(argv.stdout_text() == "a b|c|");
    auto slow = box.run("sleep 5", pd::RunOptions().timeout(300ms));
    CHECK(slow.timed_out() && slow.exit_code() == -1);
    return 0;
}

static int test_stream() {
    auto box = client->create(test_opts());
    pd::ShutdownGuard removed(box);
    auto s = box.stream("for i in 1 2 3; do echo $i; sleep 0.05; done; echo e >&2");
    std::string out, err;
    while (auto chunk = s.next()) (chunk->pipe() == pd::Pipe::out ? out : err) += chunk->data().str();
    CHECK(out == "1\n2\n3\n" && err == "e\n");
    CHECK(s.result().exit_code() == 0);
    auto argv = box.stream(std::vector<std::string>{"sleep", "30"});
    pd::Chunk c;
    CHECK(argv.poll(c, 0ms) == pd::Stream::Poll::timeout);
    argv.cancel();
    CHECK(argv.poll(c, pd::no_timeout) == pd::Stream::Poll::end);
    return 0;
}

static int test_files() {
    auto box = client->create(test_opts());
    pd::ShutdownGuard removed(box);
    const std::vector<std::uint8_t> data{0, 1, 2, 255};
    box.write_file("/tmp/d/x.bin", data);
    CHECK(box.read_file("/tmp/d/x.bin").view().to_vector() == data);
    auto list = box.list_files("/tmp/d");
    CHECK(list.size() == 1 && list[0].name == "x.bin" && list[0].kind == pd::FileKind::file && list[0].size == 4);
    auto missing = pd::attempt([&] { return box.read_file("/nope"); });
    CHECK(!missing && missing.error().status() == pd::Status::file_not_found);
    return 0;
}

static int test_process_callbacks() {
    auto box = client->create(test_opts());
    pd::ShutdownGuard removed(box);
    std::mutex m;
    std::condition_variable cv;
    std::string seen;
    int exit_code = -100;
    std::thread::id caller = std::this_thread::get_id(), callback_thread;
    auto p = box.spawn("echo one; sleep 0.2; echo two");
    p.set_callbacks(
        [&](pd::Pipe pipe, pd::bytes_view data) {
            std::lock_guard<std::mutex> lock(m);
            if (pipe == pd::Pipe::out) seen += data.str();
        },
        [&](const pd::ResultView& r) {
            std::lock_guard<std::mutex> lock(m);
            exit_code = r.exit_code();
            callback_thread = std::this_thread::get_id();
            cv.notify_all();
        });
    {
        std::unique_lock<std::mutex> lock(m);
        CHECK(cv.wait_for(lock, 20s, [&] { return exit_code != -100; }));
        CHECK(exit_code == 0 && seen == "one\ntwo\n");
        CHECK(callback_thread != caller);
    }
    auto done = p.wait(5s);
    CHECK(done && done->exit_code() == 0);
    CHECK(!p.is_running());

    auto q = box.spawn({"sh", "-c", "echo started; sleep 30"}, pd::RunOptions().buffer_size(4096));
    CHECK(q.buffer_size() == 4096 && !q.buffer_overflow());
    CHECK(!q.wait(0ms).has_value());
    bool listed = false;
    for (const auto& e : box.processes()) listed = listed || (e.id == q.id() && e.running);
    CHECK(listed);
    auto again = box.attach(q.id());
    for (int i = 0; i < 100 && again.peek().stdout_bytes().empty(); ++i) std::this_thread::sleep_for(50ms);
    CHECK(again.read().stdout_bytes().str() == "started\n");
    again.kill(9);
    auto killed = q.wait(10s);
    CHECK(killed && killed->signal() == 9);
    box.set_callbacks({}, {});
    return 0;
}

static int test_session() {
    auto box = client->create(test_opts());
    pd::ShutdownGuard removed(box);
    auto s = box.session();
    s.send_and_wait("cd /tmp && X=42", 10s);
    auto r = s.send_and_wait("echo $X $PWD", 10s);
    CHECK(r.stdout_text() == "42 /tmp\n");
    s.close();
    return 0;
}

static int test_info_and_list() {
    auto box = client->create(test_opts());
    pd::ShutdownGuard removed(box);
    CHECK(box.info_json().find("\"running\":true") != std::string::npos);
    bool found = false;
    for (const auto& e : client->list()) found = found || e.name == box.name();
    CHECK(found);
    box.shutdown();
    box.shutdown();  // idempotent
    return 0;
}

static int test_persist_files_and_projects() {
    const std::string name = "pd-cpp-test-" + std::to_string(getpid());
    {
        auto box = client->create(test_opts().persist(true).name(name));
        char dir[] = "/tmp/pd-cpp-XXXXXX";
        CHECK(mkdtemp(dir) != nullptr);
        const std::string src = std::string(dir) + "/in.txt", back = std::string(dir) + "/out.txt";
        std::FILE* f = std::fopen(src.c_str(), "w");
        CHECK(f != nullptr);
        std::fputs("pushed\n", f);
        std::fclose(f);
        box.push(src, "/tmp/in.txt");
        CHECK(box.run("cat /tmp/in.txt").stdout_text() == "pushed\n");
        box.pull("/tmp/in.txt", back);
        CHECK(std::remove(back.c_str()) == 0 && std::remove(src.c_str()) == 0);

        auto root = pd::project_init(dir, "cpp-test");
        CHECK(pd::project_find_root(dir) == root);
        CHECK(pd::project_config_json(dir).find("cpp-test") != std::string::npos);
        auto history = pd::attempt([&] { return pd::project_history_json(dir, "no-such-instance"); });
        CHECK(!history && history.error().status() == pd::Status::file_not_found);
        CHECK(client->doctor(dir).find("cpp-test") != std::string::npos);
        CHECK(std::system(("rm -rf " + std::string(dir)).c_str()) == 0);
    }  // the handle goes; the persistent sandbox stays
    client->stop(name);
    auto again = client->resume(name);
    CHECK(again.run("echo back").stdout_text() == "back\n");
    again.reboot(false);
    CHECK(again.run("true").exit_code() == 0);
    client->destroy(name);
    auto gone = pd::attempt([&] { client->destroy(name); });
    CHECK(!gone && gone.error().status() == pd::Status::container_not_found);
    CHECK(client->image_exists("pocketdock/minimal-python"));
    CHECK(!client->image_exists("pocketdock/no-such-image"));
    return 0;
}

static int test_snapshot() {
    auto box = client->create(test_opts());
    pd::ShutdownGuard removed(box);
    box.write_file("/tmp/mark", "snap");
    const std::string image = "pocketdock-cpp-test:" + std::to_string(getpid());
    CHECK(!box.snapshot(image).empty());
    CHECK(client->image_exists(image));
    auto from = client->create(test_opts().image(image));
    pd::ShutdownGuard removed_too(from);
    CHECK(from.read_file("/tmp/mark").str() == "snap");
    from.shutdown();
    client->remove_image(image, true);
    CHECK(!client->image_exists(image));
    return 0;
}

static int test_log_callback() {
    std::atomic<int> records{0};
    pd::set_log_callback(pd::LogLevel::debug, [&](pd::LogLevel level, std::string_view target, std::string_view) {
        if (level >= pd::LogLevel::error && target.substr(0, 10) == "pocketdock") records++;
    });
    { auto second = pd::Client::open(); }
    pd::set_log_callback(pd::LogLevel::off, {});  // returns after the last record was handed over
    for (int i = 0; i < 100 && records == 0; ++i) std::this_thread::sleep_for(10ms);
    CHECK(records > 0);
    return 0;
}

int main() {
    if (!open_client()) return 1;
    RUN(test_version_and_profiles);
    RUN(test_errors_carry_status);
    RUN(test_engine_info);
    RUN(test_runs);
    RUN(test_stream);
    RUN(test_files);
    RUN(test_process_callbacks);
    RUN(test_session);
    RUN(test_info_and_list);
    RUN(test_persist_files_and_projects);
    RUN(test_snapshot);
    RUN(test_log_callback);
    return finish("C++");
}
