/* Module init: exports the native Server class (csrc/napi/server.c) and
 * errors(), the C error table as data. No module-wide state: each
 * MediaServer's state lives in its own Server object, so the add-on also
 * loads in worker threads. Thread: JS. */
#include "transport/dtls.h"
#include "glue.h"

/* opensslVersion(): the OpenSSL the add-on runs with (Node's own, see docs/architecture.md). */
static napi_value openssl_version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  LCC_NAPI_CALL(env, napi_create_string_utf8(env, lcc_dtls_openssl_version(), NAPI_AUTO_LENGTH, &v));
  return v;
}

NAPI_MODULE_INIT() {
  napi_value cls = lcc_napi_server_class(env);
  napi_value errors_fn, version_fn;
  if (!cls) return NULL;
  LCC_NAPI_CALL(env, napi_create_function(env, "errors", NAPI_AUTO_LENGTH, lcc_napi_errors, NULL, &errors_fn));
  LCC_NAPI_CALL(env, napi_set_named_property(env, exports, "Server", cls));
  LCC_NAPI_CALL(env, napi_set_named_property(env, exports, "errors", errors_fn));
  LCC_NAPI_CALL(env, napi_create_function(env, "opensslVersion", NAPI_AUTO_LENGTH, openssl_version, NULL, &version_fn));
  LCC_NAPI_CALL(env, napi_set_named_property(env, exports, "opensslVersion", version_fn));
  return exports;
}
