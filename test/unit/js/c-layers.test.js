'use strict';
// The C core's layers (docs/architecture.md, "Layers"): every `#include "..."`
// under csrc/ must point to the same folder or to a lower layer, never up or
// sideways, and a module's `<name>_internal.h` stays private to its `<name>*.c`.
// The checker is a pure function over a file list, so its own unit cases can
// show it fails on an upward include.

const assert = require('assert');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..', '..', '..');

// Lowest first. Folders in one entry are siblings: neither may include the other.
const LAYERS = [
  ['core/base'],                      // err, rd, vocab (party, leg state), clock, events
  ['core/proto'],                     // parsers and writers: sdp, rtp, rtcp, candidate, vp8
  ['core/transport', 'core/record'],  // ice, dtls, srtp | recorder thread, ring, mixer, ogg, webm
  ['core/relay'],                     // leg, bridge, call
  ['core/server'],                    // the media thread, commands in, events out
  ['napi'],                           // the only Node-facing code
];
// Where a quoted include is looked up after the including file's own folder
// (binding.gyp's and the Makefiles' -I).
const INCLUDE_ROOTS = ['core'];

const rankOf = new Map(LAYERS.flatMap((folders, rank) => folders.map((f) => [f, rank])));

/** Every `#include "x"` of one file's text: [{ line, target }]. */
function parseIncludes(text) {
  const out = [];
  text.split('\n').forEach((l, i) => {
    const m = /^\s*#\s*include\s*"([^"]+)"/.exec(l);
    if (m) out.push({ line: i + 1, target: m[1] });
  });
  return out;
}

/**
 * files: Map of path relative to csrc/ ('core/relay/bridge.c') -> text.
 * Returns one message per broken rule (empty when the layering holds).
 */
function checkLayers(files) {
  const problems = [];
  for (const [file, text] of files) {
    const folder = path.posix.dirname(file);
    if (!rankOf.has(folder)) {
      problems.push(`csrc/${file}: folder csrc/${folder} is in no layer (declare it in c-layers.test.js LAYERS)`);
      continue;
    }
    for (const { line, target } of parseIncludes(text)) {
      const where = `csrc/${file}:${line}: #include "${target}"`;
      const candidates = [path.posix.join(folder, target), ...INCLUDE_ROOTS.map((r) => path.posix.join(r, target))];
      const resolved = candidates.find((c) => files.has(c));
      if (!resolved) {
        problems.push(`${where} names no file under csrc/`);
        continue;
      }
      const to = path.posix.dirname(resolved);
      const internal = /^(.*)_internal\.h$/.exec(path.posix.basename(resolved));
      if (internal && (to !== folder || !path.posix.basename(file).startsWith(internal[1]))) {
        problems.push(`${where}: ${resolved} is private to ${to}/${internal[1]}*.c`);
      }
      if (to === folder) continue;
      const from = rankOf.get(folder);
      const at = rankOf.get(to);
      if (at === undefined) problems.push(`${where}: csrc/${to} is in no layer`);
      else if (at > from) problems.push(`${where} reaches up from ${folder} to ${to} (a higher layer)`);
      else if (at === from) problems.push(`${where} reaches sideways from ${folder} to ${to} (a sibling layer)`);
    }
  }
  return problems;
}

function readTree(dir, rel = '', out = new Map()) {
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) readTree(dir, r, out);
    else if (/\.[ch]$/.test(e.name)) out.set(r, fs.readFileSync(path.join(dir, r), 'utf8'));
  }
  return out;
}

describe('C layers (csrc/)', () => {
  it('no #include in csrc/ reaches a higher or sibling layer, nor another module\'s _internal.h', () => {
    const files = readTree(path.join(root, 'csrc'));
    assert.ok(files.size > 40, `found only ${files.size} C files under csrc/`);
    const problems = checkLayers(files);
    assert.ok(problems.length === 0, `includes that break the layering (docs/architecture.md, "Layers"):\n${problems.join('\n')}`);
  });

  it('every layer folder holds code (the declared order matches the tree)', () => {
    const files = readTree(path.join(root, 'csrc'));
    const used = new Set([...files.keys()].map((f) => path.posix.dirname(f)));
    assert.deepStrictEqual([...rankOf.keys()].filter((f) => !used.has(f)), []);
  });

  describe('the checker', () => {
    const tree = (extra) => new Map([
      ['core/base/err.h', ''],
      ['core/proto/rtp.h', '#include "base/err.h"\n'],
      ['core/transport/srtp.h', ''],
      ['core/record/ring.h', ''],
      ['core/relay/leg_internal.h', ''],
      ['core/relay/leg.c', '#include "leg_internal.h"\n'],
      ['core/server/server.h', '#include "proto/rtp.h"\n'],
      ...extra,
    ]);

    it('accepts same-folder and downward includes', () => {
      assert.deepStrictEqual(checkLayers(tree([])), []);
    });

    it('names file, line and include of an upward include', () => {
      const problems = checkLayers(tree([['core/relay/bridge.c', '// x\n#include "server/server.h"\n']]));
      assert.deepStrictEqual(problems, [
        'csrc/core/relay/bridge.c:2: #include "server/server.h" reaches up from core/relay to core/server (a higher layer)',
      ]);
    });

    it('refuses a parser including transport, and a sibling include', () => {
      const problems = checkLayers(tree([
        ['core/proto/sdp.c', '#include "transport/srtp.h"\n'],
        ['core/record/mixer.c', '#include "transport/srtp.h"\n'],
      ]));
      assert.strictEqual(problems.length, 2);
      assert.match(problems[0], /^csrc\/core\/proto\/sdp\.c:1: .* reaches up from core\/proto to core\/transport/);
      assert.match(problems[1], /^csrc\/core\/record\/mixer\.c:1: .* reaches sideways from core\/record to core\/transport/);
    });

    it('refuses another module\'s _internal.h, an unknown include and a folder in no layer', () => {
      const problems = checkLayers(tree([
        ['core/relay/bridge.c', '#include "leg_internal.h"\n#include "nope.h"\n'],
        ['core/misc/x.c', ''],
      ]));
      assert.deepStrictEqual(problems, [
        'csrc/core/relay/bridge.c:1: #include "leg_internal.h": core/relay/leg_internal.h is private to core/relay/leg*.c',
        'csrc/core/relay/bridge.c:2: #include "nope.h" names no file under csrc/',
        'csrc/core/misc/x.c: folder csrc/core/misc is in no layer (declare it in c-layers.test.js LAYERS)',
      ]);
    });
  });
});

module.exports = { checkLayers, parseIncludes, LAYERS };
