/* Error table lookups and lcc_why formatting. Thread: any. */
#include "err.h"

#include <stdio.h>

typedef struct {
  const char *code;
  const char *msg;
} err_entry;

static const err_entry err_table[] = {
#define LCC_ERR_ROW_(name, code, msg) {code, msg},
    LCC_ERRORS(LCC_ERR_ROW_)
#undef LCC_ERR_ROW_
};

static const err_entry *err_lookup(lcc_err err) {
  int i = (int)err - (int)LCC_ERR_FIRST_ - 1;
  if (i < 0 || i >= (int)(sizeof err_table / sizeof err_table[0])) return NULL;
  return &err_table[i];
}

const char *lcc_err_code(lcc_err err) {
  if (err == LCC_OK) return "OK";
  const err_entry *e = err_lookup(err);
  return e ? e->code : "ERR_INTERNAL";
}

const char *lcc_err_message(lcc_err err) {
  if (err == LCC_OK) return "ok";
  const err_entry *e = err_lookup(err);
  return e ? e->msg : "internal error";
}

lcc_err lcc_fail(lcc_why *why, lcc_err err, const char *fmt, ...) {
  if (why) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why->msg, sizeof why->msg, fmt, ap);
    va_end(ap);
  }
  return err;
}
