'use strict';
// What the service writes is not for other users of the machine
// (docs/security.md, "Files"): the data folder (the App secret, the call
// records) is 0700 and its files 0600; recordings are folders 0750 with media
// 0640 (a backup or an uploader may run as the group), as the process umask
// allows. The C tests check each writer's file mode; this checks the folders
// and the service's own files as `npm start` makes them.

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { configFromEnv } = require('../../../js/service/config');
const { CallStore } = require('../../../js/service/calls/call-store');
const { MediaServer } = require('../../../js');

function mode(p) {
  return fs.statSync(p).mode & 0o777;
}

/** The mode a file created with `wanted` has under this process's umask. */
function underUmask(wanted) {
  const mask = process.umask();
  return wanted & ~mask;
}

describe('files and folders the service creates', () => {
  let cwd;
  beforeEach(() => { cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-modes-')); });
  afterEach(() => fs.rmSync(cwd, { recursive: true, force: true }));

  it('the data folder is 0700 and its secret 0600; a folder an earlier version left 0755 is tightened', () => {
    configFromEnv({}, cwd);
    assert.strictEqual(mode(path.join(cwd, 'data')).toString(8), underUmask(0o700).toString(8));
    assert.strictEqual(mode(path.join(cwd, 'data', 'secret')).toString(8), underUmask(0o600).toString(8));

    const old = path.join(cwd, 'old');
    fs.mkdirSync(path.join(old, 'data'), { recursive: true, mode: 0o755 });
    fs.chmodSync(path.join(old, 'data'), 0o755);
    configFromEnv({}, old);
    assert.strictEqual(mode(path.join(old, 'data')).toString(8), '700');
  });

  it('call records: the calls folder 0700 (made with the data folder when LCC_SECRET is set) and each record 0600', async () => {
    const store = new CallStore({ dataDir: path.join(cwd, 'data') });
    await store.open();
    const call = await store.create({ roomId: 'r1' });
    await store.end(call.id, 'ended');
    await store.close();
    assert.strictEqual(mode(path.join(cwd, 'data')).toString(8), underUmask(0o700).toString(8));
    assert.strictEqual(mode(path.join(cwd, 'data', 'calls')).toString(8), underUmask(0o700).toString(8));
    const [file] = fs.readdirSync(path.join(cwd, 'data', 'calls'));
    assert.strictEqual(mode(path.join(cwd, 'data', 'calls', file)).toString(8), underUmask(0o600).toString(8));
  });

  it('a recording: the recordings folder and the recording folder 0750, recording.json 0640', async () => {
    const recordingsDir = path.join(cwd, 'recordings');
    const media = new MediaServer({ listenAddresses: ['127.0.0.1'], recordingsDir });
    try {
      const call = media.createCall({ id: 'modes', record: true });
      await call.ready;
      await call.end();
      await new Promise((resolve) => (call.recordings.length ? resolve() : call.once('recording', resolve)));
      const [folder] = fs.readdirSync(recordingsDir);
      assert.ok(folder, 'a recording folder was made');
      assert.strictEqual(mode(recordingsDir).toString(8), underUmask(0o750).toString(8));
      assert.strictEqual(mode(path.join(recordingsDir, folder)).toString(8), underUmask(0o750).toString(8));
      assert.strictEqual(mode(path.join(recordingsDir, folder, 'recording.json')).toString(8), underUmask(0o640).toString(8));
    } finally {
      await media.close();
    }
  });
});
