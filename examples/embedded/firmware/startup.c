/* Minimal Cortex-M startup: the vector table (initial stack pointer, then handlers) and a
 * reset handler that copies .data from flash, zeroes .bss and calls main. */
#include <stdint.h>

extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss;
int main(void);

void Reset_Handler(void) {
    uint32_t *src = &_sidata;
    for (uint32_t *dst = &_sdata; dst < &_edata;) *dst++ = *src++;
    for (uint32_t *dst = &_sbss; dst < &_ebss;) *dst++ = 0;
    main();
    for (;;) {
    }
}

static void Default_Handler(void) {
    for (;;) {
    }
}

void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));

__attribute__((section(".isr_vector"), used)) static const void *const vectors[16] = {
    &_estack,        /* initial stack pointer */
    Reset_Handler,   /* reset */
    Default_Handler, /* NMI */
    Default_Handler, /* hard fault */
    Default_Handler, /* memory management fault */
    Default_Handler, /* bus fault */
    Default_Handler, /* usage fault */
    0, 0, 0, 0,      /* reserved */
    Default_Handler, /* SVCall */
    Default_Handler, /* debug monitor */
    0,               /* reserved */
    Default_Handler, /* PendSV */
    SysTick_Handler, /* SysTick */
};
