#include "clock.h"

#include <glib.h>

uint64_t lcc_now_us(void) { return (uint64_t)g_get_monotonic_time(); }
uint64_t lcc_wall_us(void) { return (uint64_t)g_get_real_time(); }
