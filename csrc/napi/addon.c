/* Module init: exports the native Server class (csrc/napi/server.c) and
 * errors(), the C error table as data. No module-wide state: each
 * MediaServer's state lives in its own Server object, so the add-on also
 * loads in worker threads. Thread: JS. */
#include "glue.h"

NAPI_MODULE_INIT() {
  napi_value cls = lcc_napi_server_class(env);
  napi_value errors_fn;
  if (!cls) return NULL;
  LCC_NAPI_CALL(env, napi_create_function(env, "errors", NAPI_AUTO_LENGTH, lcc_napi_errors, NULL, &errors_fn));
  LCC_NAPI_CALL(env, napi_set_named_property(env, exports, "Server", cls));
  LCC_NAPI_CALL(env, napi_set_named_property(env, exports, "errors", errors_fn));
  return exports;
}
