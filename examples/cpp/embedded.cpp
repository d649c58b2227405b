// embedded.cpp: cross-compiles a small C file for a Cortex-M4 inside a pocketdock sandbox of
// the embedded profile, with the C++ API (pocketdock.hpp), and pulls the object file out.
//
//   cmake -S examples/cpp -B build && cmake --build build   (CMakeLists.txt beside this file)
//   ./build/embedded [-label key=value] blink.o
//
// Steps: options from the "embedded" profile (network off: a compile needs none), create,
// write blink.c into the sandbox, compile it with arm-none-eabi-gcc while its output streams
// back, read the object file into memory and check its ELF header (32-bit, little-endian,
// ARM), pull it to the host path given, and remove the sandbox (ShutdownGuard), also on an
// error. The engine is the one POCKETDOCK_SOCKET names, else the first found.
#include <cstring>
#include <iostream>
#include <string>

#include "pocketdock.hpp"

namespace pd = pocketdock;
using namespace std::chrono_literals;

static const char* const blink_c = R"(#include <stdint.h>
#define GPIOA_ODR (*(volatile uint32_t *)0x40020014u)

/* Toggles PA5 (the LED of an STM32F4 board) n times. */
void blink(uint32_t n) {
    while (n--) GPIOA_ODR ^= 1u << 5;
}
)";

// True for a 32-bit little-endian ELF relocatable object for ARM (e_machine 40).
static bool arm_object(pd::bytes_view elf) {
    const std::uint8_t* h = elf.data();
    if (elf.size() < 20 || std::memcmp(h, "\x7f" "ELF", 4) != 0) return false;
    const unsigned type = h[16] | h[17] << 8, machine = h[18] | h[19] << 8;
    return h[4] == 1 && h[5] == 1 && type == 1 && machine == 40;
}

int main(int argc, char** argv) {
    std::string label;
    if (argc > 2 && std::string(argv[1]) == "-label") {
        label = argv[2];
        argc -= 2;
        argv += 2;
    }
    if (argc != 2 || (!label.empty() && label.find('=') == std::string::npos)) {
        std::cerr << "usage: embedded [-label key=value] OUT.o\n";
        return 2;
    }
    try {
        pd::ContainerOptions opts;
        opts.profile("embedded").network(false);
        if (!label.empty()) opts.label(label.substr(0, label.find('=')), label.substr(label.find('=') + 1));
        auto box = pd::Client::open().create(opts);  // the sandbox outlives the client handle
        pd::ShutdownGuard removed(box);
        std::cout << "sandbox " << box.name() << " (profile embedded)\n";

        box.write_file("/home/sandbox/blink/blink.c", blink_c);
        auto build = box.stream(
            "arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -Os -Wall -Wextra -c blink.c -o blink.o"
            " && arm-none-eabi-size blink.o",
            pd::RunOptions().workdir("/home/sandbox/blink").timeout(120s));
        while (auto chunk = build.next()) (chunk->pipe() == pd::Pipe::out ? std::cout : std::cerr) << chunk->data().str();
        if (int code = build.result().exit_code(); code != 0) {
            std::cerr << "the cross-compile failed (exit " << code << ")\n";
            return 1;
        }
        auto object = box.read_file("/home/sandbox/blink/blink.o");
        if (!arm_object(object.view())) {
            std::cerr << "blink.o is not a 32-bit little-endian ARM object\n";
            return 1;
        }
        box.pull("/home/sandbox/blink/blink.o", argv[1]);
        box.shutdown();
        std::cout << "pulled " << argv[1] << " (" << object.size() << " bytes, ELF32 ARM); sandbox removed\n";
        return 0;
    } catch (const pd::Error& e) {
        std::cerr << "pocketdock: " << e.what() << " (status " << static_cast<int>(e.status()) << ")\n";
        return 1;
    }
}
