'use strict';
// The built add-on holds no OpenSSL of its own: it links no libssl/libcrypto and
// runs with the OpenSSL that Node exports (docs/architecture.md).

const assert = require('assert');
const path = require('path');
const { execFileSync } = require('child_process');
const { loadNative } = require('../../../js/api/native');

const addon = path.join(__dirname, '..', '..', '..', 'build', 'Release', 'livechat_calls.node');

describe('the native build', function () {
  it('links no libssl or libcrypto (the symbols come from the node binary)', function () {
    const deps = execFileSync('ldd', [addon], { encoding: 'utf8' });
    assert.doesNotMatch(deps, /lib(ssl|crypto)\.so/, deps);
  });

  it('runs DTLS with the OpenSSL version Node reports (process.versions.openssl)', function () {
    const version = loadNative().opensslVersion();
    assert.ok(version.includes(process.versions.openssl.replace(/\+.*$/, '')), `${version} vs ${process.versions.openssl}`);
  });

  it('its OpenSSL symbols resolve against node, which exports them', function () {
    const undef = execFileSync('nm', ['-D', '--undefined-only', addon], { encoding: 'utf8' });
    const nodeSyms = execFileSync('nm', ['-D', '--defined-only', process.execPath], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    for (const sym of ['SSL_CTX_new', 'SSL_export_keying_material', 'EVP_PKEY_Q_keygen']) {
      assert.match(undef, new RegExp(`\\b${sym}\\b`), `${sym} is not imported by the add-on`);
      assert.match(nodeSyms, new RegExp(` T ${sym}\\b`), `node does not export ${sym}`);
    }
  });
});
