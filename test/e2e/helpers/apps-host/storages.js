'use strict';

// In-memory implementations of the engine's three storage abstractions, plus
// the helpers (clone, ids) every other file of the host shares.

const crypto = require('node:crypto');
const {
  AppMetadataStorage,
  AppLogStorage,
  AppSourceStorage,
} = require('@rocket.chat/apps-engine/server/storage');
const { AppConsole } = require('@rocket.chat/apps-engine/server/logging');

const ID_CHARS = '23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz';

// Same alphabet and length (17) as Meteor's Random.id(), which Rocket.Chat uses.
function randomId(length = 17) {
  const bytes = crypto.randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ID_CHARS[bytes[i] % ID_CHARS.length];
  return out;
}

// Values produced inside the App's vm2 sandbox are proxies; walk them and build
// plain host objects (keeping Dates, unlike a JSON round trip). Falls back to
// JSON, then structuredClone, if something refuses to be walked.
function clone(value) {
  try {
    return deepCopy(value, new Map());
  } catch (e) {
    try {
      return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
    } catch (e2) {
      return structuredClone(value);
    }
  }
}

function deepCopy(v, seen) {
  if (v === null || v === undefined) return v;
  const t = typeof v;
  if (t === 'function' || t === 'symbol') return undefined;
  if (t !== 'object') return v;
  if (seen.has(v)) return seen.get(v);
  const tag = Object.prototype.toString.call(v);
  if (tag === '[object Date]') return new Date(v.getTime());
  if (tag === '[object RegExp]') return new RegExp(v.source, v.flags);
  if (Buffer.isBuffer(v) || ArrayBuffer.isView(v)) return Buffer.from(v);
  if (Array.isArray(v)) {
    const out = [];
    seen.set(v, out);
    for (const item of v) out.push(deepCopy(item, seen));
    return out;
  }
  if (tag === '[object Map]') {
    const out = {};
    seen.set(v, out);
    for (const [k, item] of v) out[k] = deepCopy(item, seen);
    return out;
  }
  const out = {};
  seen.set(v, out);
  for (const key of Object.keys(v)) {
    const item = deepCopy(v[key], seen);
    if (item !== undefined || v[key] === undefined) out[key] = item;
  }
  return out;
}

class MemoryMetadataStorage extends AppMetadataStorage {
  constructor() {
    super('apps-host-memory');
    this.items = new Map();
  }

  async create(item) {
    if (this.items.has(item.id)) throw new Error(`App ${item.id} already exists`);
    // Rocket.Chat stores a Mongo _id; private APIs use it as their hash.
    item._id = item._id || randomId();
    item.createdAt = item.createdAt || new Date();
    item.updatedAt = new Date();
    this.items.set(item.id, item);
    return item;
  }

  async retrieveOne(id) {
    return this.items.get(id) || null;
  }

  async retrieveAll() {
    return new Map(this.items);
  }

  async update(item) {
    item.updatedAt = new Date();
    this.items.set(item.id, item);
    return item;
  }

  async remove(id) {
    this.items.delete(id);
    return { success: true };
  }
}

class MemoryLogStorage extends AppLogStorage {
  constructor() {
    super('apps-host-memory');
    this.entries = [];
  }

  async find(query = {}) {
    return this.entries.filter((e) => Object.keys(query).every((k) => e[k] === query[k]));
  }

  // Called by the engine after every App method call with that call's logger.
  async storeEntries(appId, logger) {
    const entry = clone(AppConsole.toStorageEntry(appId, logger));
    this.entries.push(entry);
    return entry;
  }

  async getEntriesFor(appId) {
    return this.entries.filter((e) => e.appId === appId);
  }

  async removeEntriesFor(appId) {
    this.entries = this.entries.filter((e) => e.appId !== appId);
  }
}

class MemorySourceStorage extends AppSourceStorage {
  constructor() {
    super();
    this.zips = new Map();
  }

  async store(item, zip) {
    this.zips.set(item.id, Buffer.from(zip));
    return `memory://${item.id}`;
  }

  async fetch(item) {
    return this.zips.get(item.id);
  }

  async update(item, zip) {
    return this.store(item, zip);
  }

  async remove(item) {
    this.zips.delete(item.id);
  }
}

module.exports = {
  MemoryMetadataStorage,
  MemoryLogStorage,
  MemorySourceStorage,
  clone,
  randomId,
};
