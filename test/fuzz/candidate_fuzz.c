/* Fuzz target: the ICE candidate parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "proto/candidate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lcc_candidate c;
  lcc_why why;
  lcc_candidate_parse((const char *)data, size, &c, &why);
  return 0;
}
