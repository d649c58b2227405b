/* A tiny bare-metal program: blinks an LED on GPIO port A pin 5 (the register addresses of
 * an STM32F4) with a busy-wait delay, and keeps a message built with newlib's string
 * functions in RAM, so the link pulls code from newlib too. */
#include <stdint.h>
#include <string.h>

#define RCC_AHB1ENR (*(volatile uint32_t *)0x40023830u)
#define GPIOA_MODER (*(volatile uint32_t *)0x40020000u)
#define GPIOA_ODR (*(volatile uint32_t *)0x40020014u)

static char banner[32];
static volatile uint32_t blinks;

static void delay(uint32_t n) {
    while (n--) __asm__ volatile("nop");
}

int main(void) {
    strcpy(banner, "pocketdock blinky");
    blinks = (uint32_t)strlen(banner);
    RCC_AHB1ENR |= 1u << 0;              /* clock for GPIOA */
    GPIOA_MODER = (GPIOA_MODER & ~(3u << 10)) | (1u << 10); /* PA5 output */
    for (;;) {
        GPIOA_ODR ^= 1u << 5;
        blinks++;
        delay(400000);
    }
}
