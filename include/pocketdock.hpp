// pocketdock: container sandboxes as a library. C++17 API, header-only over the C ABI
// (pocketdock.h; link libpocketdock). docs/c-cpp.md is the guide.
//
//   auto client = pocketdock::Client::open();
//   auto box = client.create(pocketdock::ContainerOptions().profile("minimal-python"));
//   pocketdock::ShutdownGuard removed(box);
//   auto r = box.run("print('hi')", pocketdock::RunOptions().lang("python"));
//   std::cout << r.stdout_text();
//
// Every handle is an RAII owner (move-only) with get() for the C handle. A failed call
// throws pocketdock::Error (status(), what(), engine_status()); pocketdock::attempt(f)
// returns an Expected instead. Callbacks run on the library's callback thread (detail.hpp).
#ifndef POCKETDOCK_HPP
#define POCKETDOCK_HPP

#if !defined(__cplusplus) || (__cplusplus < 201703L && (!defined(_MSVC_LANG) || _MSVC_LANG < 201703L))
#error "pocketdock.hpp needs C++17 or later (the C header pocketdock.h works from C89 and C++11)"
#endif

#include "pocketdock/client.hpp"
#include "pocketdock/pool.hpp"

static_assert(PD_ABI_VERSION == 2, "pocketdock.hpp is written for ABI 2");

#endif  // POCKETDOCK_HPP
