/* JS Errors from core errors: the only place where (lcc_err, why) becomes an
 * Error with a `code` property. JS (js/api/errors.js) re-wraps them as
 * LccError; the codes come from the one table in csrc/core/err.h.
 * Thread: JS. */
#include <string.h>

#include "glue.h"

napi_value lcc_napi_error(napi_env env, const char *code, const char *msg) {
  napi_value js_code, js_msg, error;
  if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &js_code) != napi_ok ||
      napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &js_msg) != napi_ok ||
      napi_create_error(env, js_code, js_msg, &error) != napi_ok)
    return NULL;
  return error; /* napi_create_error sets error.code */
}

void lcc_napi_throw(napi_env env, const char *code, const char *msg) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) != napi_ok || pending) return;
  napi_value error = lcc_napi_error(env, code, msg);
  if (error) napi_throw(env, error);
}

void lcc_napi_throw_err(napi_env env, lcc_err err, const char *why) {
  const char *msg = (why && why[0]) ? why : lcc_err_message(err);
  lcc_napi_throw(env, lcc_err_code(err), msg);
}

/* The C table as data, so a JS test can check that js/api/errors.js knows
 * every code the core can return. */
napi_value lcc_napi_errors(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value list;
  LCC_NAPI_CALL(env, napi_create_array(env, &list));
  uint32_t i = 0;
  for (int e = (int)LCC_ERR_FIRST_ + 1; e < (int)LCC_ERR_LAST_; e++) {
    napi_value row, code, msg;
    LCC_NAPI_CALL(env, napi_create_object(env, &row));
    LCC_NAPI_CALL(env, napi_create_string_utf8(env, lcc_err_code((lcc_err)e), NAPI_AUTO_LENGTH, &code));
    LCC_NAPI_CALL(env, napi_create_string_utf8(env, lcc_err_message((lcc_err)e), NAPI_AUTO_LENGTH, &msg));
    LCC_NAPI_CALL(env, napi_set_named_property(env, row, "code", code));
    LCC_NAPI_CALL(env, napi_set_named_property(env, row, "message", msg));
    LCC_NAPI_CALL(env, napi_set_element(env, list, i++, row));
  }
  return list;
}
