'use strict';
// docs/api.md and js/index.d.ts are written by hand: this test holds them to
// the code. The error codes come from the C table itself (through the add-on)
// plus the codes only JS raises; the SRTP profile names from the table that
// getStats() takes them from (csrc/core/transport/dtls.c, lcc_srtp_profile_name).

const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { MESSAGES } = require('../../../js/api/errors');
const { loadNative } = require('../../../js/api/native');

const root = path.resolve(__dirname, '..', '..', '..');
const read = (rel) => fs.readFileSync(path.join(root, rel), 'utf8');

/** The rows of docs/api.md's error table: code -> default message. */
function documentedErrors(md) {
  const start = md.indexOf('## LccError and error codes');
  assert.ok(start >= 0, "docs/api.md has no '## LccError and error codes' section");
  const end = md.indexOf('\n## ', start + 1);
  const section = md.slice(start, end < 0 ? undefined : end);
  const rows = new Map();
  for (const m of section.matchAll(/^\| `(ERR_[A-Z_]+)` \| ([^|]+) \|/gm)) rows.set(m[1], m[2].trim());
  return rows;
}

/** The members of `export type ErrorCode = | 'A' | 'B' ...;` in index.d.ts. */
function declaredErrorCodes(dts) {
  const m = dts.match(/export type ErrorCode =([^;]+);/);
  assert.ok(m, 'js/index.d.ts declares no ErrorCode type');
  return [...m[1].matchAll(/'([^']+)'/g)].map((x) => x[1]);
}

/** The names lcc_srtp_profile_name() returns: the third field of each dtls_profiles[] row. */
function codeSrtpProfiles() {
  const src = read('csrc/core/transport/dtls.c');
  const table = src.match(/static const dtls_profile dtls_profiles\[\] = \{([\s\S]*?)\n\};/);
  assert.ok(table, 'dtls_profiles[] not found in csrc/core/transport/dtls.c');
  return [...table[1].matchAll(/\{LCC_SRTP_\w+,\s*"[^"]*",\s*"([^"]+)"/g)].map((x) => x[1]);
}

const sorted = (xs) => [...new Set(xs)].sort();

describe('docs and declarations match the code', () => {
  const cTable = loadNative().errors(); // npm test builds the add-on first: a missing build fails here
  const cCodes = cTable.map((e) => e.code);
  const jsOnly = Object.keys(MESSAGES).filter((c) => !cCodes.includes(c));
  const allCodes = sorted([...cCodes, ...jsOnly]);

  it('js/api/errors.js knows every C code and adds only the JS-only ones', () => {
    assert.ok(cCodes.length >= 20, `the C table has ${cCodes.length} codes`);
    assert.deepStrictEqual(jsOnly.sort(), ['ERR_ADDON_NOT_BUILT', 'ERR_ICE_SERVER_UNRESOLVED']);
  });

  it('docs/api.md documents exactly those codes, with the C default messages', () => {
    const documented = documentedErrors(read('docs/api.md'));
    assert.deepStrictEqual(sorted(documented.keys()), allCodes);
    for (const { code, message } of cTable) assert.strictEqual(documented.get(code), message, `docs/api.md message of ${code}`);
  });

  it("js/index.d.ts's ErrorCode union lists exactly those codes", () => {
    assert.deepStrictEqual(sorted(declaredErrorCodes(read('js/index.d.ts'))), allCodes);
  });

  it('docs/api.md and js/index.d.ts name the SRTP profiles as getStats() reports them', () => {
    const profiles = sorted(codeSrtpProfiles());
    assert.deepStrictEqual(profiles, ['AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80']);
    // Any profile-like token in the API docs must be one the code reports, and each must appear.
    const tokenRe = /\b(?:SRTP_[A-Z0-9_]+|AEAD_AES_\w+|AES_CM_\w+|AES128_\w+)\b/g;
    const docTokens = sorted(read('docs/api.md').match(tokenRe) || []);
    assert.deepStrictEqual(docTokens, profiles, 'SRTP profile names in docs/api.md');
    const dts = read('js/index.d.ts');
    const decl = dts.match(/export type SrtpProfile =([^;]+);/);
    assert.ok(decl, 'js/index.d.ts declares no SrtpProfile type');
    assert.deepStrictEqual(sorted([...decl[1].matchAll(/'([^']+)'/g)].map((x) => x[1])), profiles);
    assert.match(dts, /srtpProfile: SrtpProfile \| null;/);
  });
});
