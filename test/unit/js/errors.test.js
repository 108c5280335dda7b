'use strict';

const assert = require('assert');
const { LccError, errorCodes } = require('../../../js');
const { MESSAGES } = require('../../../js/api/errors');
const { loadNative } = require('../../../js/api/native');

describe('LccError', () => {
  it('new LccError(code) is an Error with the code and its default message', () => {
    const err = new LccError('ERR_CALL_ENDED');
    assert.ok(err instanceof Error);
    assert.strictEqual(err.name, 'LccError');
    assert.strictEqual(err.code, 'ERR_CALL_ENDED');
    assert.strictEqual(err.message, 'the call has ended');
    assert.match(String(err.stack), /^LccError: the call has ended/);
  });

  it('errorCodes maps every code to itself', () => {
    for (const [k, v] of Object.entries(errorCodes)) assert.strictEqual(k, v);
    assert.ok(Object.isFrozen(errorCodes));
  });

  it('errorCodes lists every code the C table (csrc/core/base/err.h) can return, with the same message', function () {
    const table = loadNative().errors(); // npm test builds the add-on first: a missing build fails here

    assert.ok(table.length >= 19);
    for (const { code, message } of table) {
      assert.ok(code in errorCodes, `${code} from the C table is missing in js/api/errors.js`);
      assert.strictEqual(MESSAGES[code], message, `message of ${code}`);
    }
  });
});
