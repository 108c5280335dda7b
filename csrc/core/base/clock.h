/* The two clocks the media path reads (GLib's, in microseconds). One place so
 * that the leg and the bridge read the same clocks without sharing internals. */
#ifndef LCC_CLOCK_H
#define LCC_CLOCK_H

#include <stdint.h>

uint64_t lcc_now_us(void);  /* monotonic */
uint64_t lcc_wall_us(void); /* since the Unix epoch */

#endif
