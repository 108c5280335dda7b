'use strict';

// In-memory implementations of the engine's three storage abstractions, plus
// the helpers (clone, ids) every other file of the host shares. The storage
// classes extend the given engine's own (it checks instanceof).

const crypto = require('node:crypto');

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

const classesByEngine = new Map();

/** The storage classes built on `engine`'s (see engines.js), made once per engine. */
function storageClasses(engine) {
  if (classesByEngine.has(engine.version)) return classesByEngine.get(engine.version);
  const { AppMetadataStorage, AppLogStorage, AppSourceStorage } = engine.require('server/storage');
  const { AppConsole } = engine.require('server/logging');

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

    // The Deno engines (1.59, 1.62) update stored Apps piecemeal, by Mongo _id.
    byMongoId(_id) {
      const item = [...this.items.values()].find((x) => x._id === _id);
      if (!item) throw new Error(`apps-host: no stored App with _id ${_id}`);
      return item;
    }

    async retrieveAllPrivate() {
      return new Map(this.items);
    }

    async updatePartialAndReturnDocument(partial, { unsetPermissionsGranted = false } = {}) {
      const item = this.byMongoId(partial._id);
      Object.assign(item, partial, { updatedAt: new Date() });
      if (unsetPermissionsGranted) delete item.permissionsGranted;
      return item;
    }

    async updateStatus(_id, status) {
      this.byMongoId(_id).status = status;
      return true;
    }

    async updateSetting(_id, setting) {
      const item = this.byMongoId(_id);
      item.settings = item.settings || {};
      item.settings[setting.id] = setting;
      return true;
    }

    async updateAppInfo(_id, info) {
      this.byMongoId(_id).info = info;
      return true;
    }

    async updateMarketplaceInfo(_id, marketplaceInfo) {
      this.byMongoId(_id).marketplaceInfo = marketplaceInfo;
      return true;
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

    // Called by the engine after every App method call: 1.42 passes (appId,
    // logger), the Deno engines the entry the subprocess already made.
    async storeEntries(appIdOrEntry, logger) {
      const entry = clone(logger ? AppConsole.toStorageEntry(appIdOrEntry, logger) : appIdOrEntry);
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

  const classes = { MemoryMetadataStorage, MemoryLogStorage, MemorySourceStorage };
  classesByEngine.set(engine.version, classes);
  return classes;
}

module.exports = {
  storageClasses,
  clone,
  randomId,
};
