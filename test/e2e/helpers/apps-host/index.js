'use strict';

// Runs a Rocket.Chat App inside a real @rocket.chat/apps-engine (1.42.1
// in-process, or 1.59.0 / 1.62.0 with their Deno subprocess: engines.js) with
// in-memory storages and bridges, so e2e tests can drive it like Rocket.Chat
// would (settings, endpoints, slash commands, UIKit actions, livechat events,
// scheduler) and inspect what it did (messages, notifications, logs, jobs).
//
// Run mocha from the package root: vm2 (1.42.1) resolves the App's requires from cwd.

const crypto = require('node:crypto');
const { storageClasses, clone, randomId } = require('./storages');
const { hostAppBridgesClass } = require('./runtime-bridges');
const { ENGINES, loadEngine } = require('./engines');

// Apps are signed on install and verified on enable; generating a 2048-bit key
// takes a while, so one pair serves the whole process.
let cachedKeys;
function signingKeys() {
  if (!cachedKeys) {
    cachedKeys = crypto.generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
  }
  return cachedKeys;
}

// The shared in-memory "database" all bridges read and write.
function createState({ serverSettings, env, livechatOnline, AppInterface }) {
  const state = {
    manager: undefined,
    keys: signingKeys(),
    serverSettings: { ...serverSettings },
    env: { ...env },
    livechatOnline,
    users: new Map(),
    visitors: new Map(),
    rooms: new Map(), // internal docs; livechat links kept as visitorId/servedById
    messages: new Map(),
    history: new Map(),
    notifications: [],
    typing: [],
    uiInteractions: [],
    statusChanges: [],
    persistence: new Map(),
    jobs: [],
    endpoints: new Map(),
    commands: new Map(),
    pending: new Set(),
  };

  // Fire-and-forget work (listeners, jobs) is tracked so close() can settle it.
  state.track = (promise) => {
    const p = Promise.resolve(promise).catch(() => {});
    state.pending.add(p);
    p.finally(() => state.pending.delete(p));
    return promise;
  };

  state.makeUser = (fields) => {
    const now = new Date();
    return {
      emails: [],
      type: 'user',
      isEnabled: true,
      roles: ['user'],
      status: 'online',
      statusConnection: 'online',
      utcOffset: 0,
      createdAt: now,
      updatedAt: now,
      lastLoginAt: now,
      ...fields,
      name: fields.name || fields.username,
    };
  };

  state.roomUserIds = (room) => {
    const ids = [...(room.userIds || [])];
    if (room.servedBy && room.servedBy.id && !ids.includes(room.servedBy.id)) ids.push(room.servedBy.id);
    return ids;
  };

  // Builds the IRoom / ILivechatRoom the App sees, like Rocket.Chat's room converter.
  state.materializeRoom = (id) => {
    const doc = state.rooms.get(id);
    if (!doc) return undefined;
    const room = clone(doc);
    delete room.visitorId;
    delete room.servedById;
    if (doc.type === 'l') {
      room.visitor = clone(state.visitors.get(doc.visitorId));
      room.servedBy = doc.servedById ? clone(state.users.get(doc.servedById)) : undefined;
    }
    return room;
  };

  state.materializeMessage = (id) => {
    const doc = state.messages.get(id);
    if (!doc) return undefined;
    const m = clone(doc);
    if (m.room && m.room.id && state.rooms.has(m.room.id)) m.room = state.materializeRoom(m.room.id);
    return m;
  };

  // `where` names the bridge method in the error for a message to a room that does not exist.
  state.storeNewMessage = (message, where) => {
    const roomId = message.room && message.room.id;
    if (!roomId || !state.rooms.has(roomId)) throw new Error(`apps-host: ${where}: room ${roomId} does not exist`);
    const m = clone(message);
    m.id = randomId();
    const now = new Date();
    m.createdAt = m.createdAt || now;
    m.updatedAt = now;
    state.messages.set(m.id, m);
    state.history.set(m.id, [clone(m)]);
    return m.id;
  };

  state.storeMessageUpdate = (message) => {
    const prev = state.messages.get(message.id);
    const now = new Date();
    const next = { ...prev, ...clone(message), id: prev.id, createdAt: prev.createdAt, updatedAt: now, editedAt: now };
    state.messages.set(next.id, next);
    state.history.get(next.id).push(clone(next));
  };

  state.addLivechatRoom = ({ id, visitor, servedBy, open = true, ...extra }) => {
    const visitorId = typeof visitor === 'string' ? visitor : visitor && (visitor.id || visitor.token);
    const v =
      state.visitors.get(visitorId) || [...state.visitors.values()].find((x) => x.token === visitorId);
    if (!v) throw new Error(`apps-host: visitor ${visitorId} does not exist (addVisitor first)`);
    const agentId = typeof servedBy === 'object' && servedBy ? servedBy.id : servedBy;
    if (agentId && !state.users.has(agentId)) throw new Error(`apps-host: agent ${agentId} does not exist (addUser first)`);
    const now = new Date();
    const roomId = id || randomId();
    state.rooms.set(roomId, {
      type: 'l',
      displayName: v.name || v.username,
      slugifiedName: v.username,
      isWaitingResponse: false,
      isDefault: false,
      isReadOnly: false,
      displaySystemMessages: true,
      messageCount: 0,
      userIds: agentId ? [agentId] : [],
      customFields: {},
      livechatData: {},
      source: { type: 'widget' },
      createdAt: now,
      updatedAt: now,
      lastModifiedAt: now,
      ...clone(extra),
      id: roomId,
      isOpen: !!open,
      visitorId: v.id,
      servedById: agentId || undefined,
    });
    return state.materializeRoom(roomId);
  };

  // Rocket.Chat fires the deprecated ILivechatRoomClosedHandler too; the
  // listener manager only calls Apps that implement each interface.
  state.closeLivechatRoom = async (roomId, { comment, closer } = {}) => {
    const doc = state.rooms.get(roomId);
    if (!doc || doc.type !== 'l') throw new Error(`apps-host: ${roomId} is not a livechat room`);
    if (!doc.isOpen) throw new Error(`apps-host: livechat room ${roomId} is already closed`);
    const now = new Date();
    Object.assign(doc, { isOpen: false, closedAt: now, updatedAt: now });
    if (comment !== undefined) doc.closingComment = comment;
    if (closer) doc.closedBy = closer;
    const room = state.materializeRoom(roomId);
    const listeners = state.manager.getListenerManager();
    await listeners.executeListener(AppInterface.ILivechatRoomClosedHandler, room);
    await listeners.executeListener(AppInterface.IPostLivechatRoomClosed, room);
    return state.materializeRoom(roomId);
  };

  return state;
}

// Engine log entries store Error objects as JSON strings; turn one back into a message.
function errorMessageFromArgs(args) {
  for (const a of args || []) {
    if (typeof a === 'string') {
      try {
        const parsed = JSON.parse(a);
        if (parsed && typeof parsed.message === 'string') return parsed;
      } catch (e) {
        // not JSON: fall through
      }
    } else if (a && typeof a.message === 'string') {
      return a;
    }
  }
  return { message: (args || []).map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') };
}

// The Deno engines print what an App method threw to the server console
// ('JSON-RPC error received: ', error) and go on; the refusal is what the
// tests of onPreSettingUpdate expect, so it is not printed during fn().
async function quietSwallowedErrors(fn) {
  const print = console.error;
  console.error = (...args) => {
    if (args[0] !== 'JSON-RPC error received: ') print(...args);
  };
  try {
    return await fn();
  } finally {
    console.error = print;
  }
}

// What an App reads for a setting: its value, or its default until an admin sets one.
function effectiveValue(setting) {
  return setting.value !== undefined && setting.value !== null ? setting.value : setting.packageValue;
}

/**
 * @param {{zip: Buffer, engine?: '1.42.1'|'1.59.0'|'1.62.0', serverSettings?: object, env?: object,
 *          livechatOnline?: boolean, installer?: object}} options
 */
async function startAppHost({ zip, engine: version = '1.42.1', serverSettings = {}, env = {}, livechatOnline = true, installer } = {}) {
  if (!Buffer.isBuffer(zip)) throw new Error('startAppHost: zip must be a Buffer of the App package');
  const engine = loadEngine(version);
  const { AppManager } = engine.require('server/AppManager');
  const { AppInterface } = engine.require('definition/metadata');
  const { AppStatus } = engine.require('definition/AppStatus');
  const { SlashCommandContext } = engine.require('definition/slashcommands');
  const { UIKitIncomingInteractionType } = engine.require('definition/uikit');
  const { UIKitIncomingInteractionContainerType } = engine.require('definition/uikit/UIKitIncomingInteractionContainer');
  const { MemoryMetadataStorage, MemoryLogStorage, MemorySourceStorage } = storageClasses(engine);
  const HostAppBridges = hostAppBridgesClass(engine);

  const state = createState({ serverSettings, env, livechatOnline, AppInterface });
  const logStorage = new MemoryLogStorage();
  const bridges = new HostAppBridges(state);

  // AppManager is a singleton (one per engine package) and refuses a second instance.
  AppManager.Instance = undefined;
  const manager = new AppManager({
    metadataStorage: new MemoryMetadataStorage(),
    logStorage,
    bridges,
    sourceStorage: new MemorySourceStorage(),
    tempFilePath: engine.tempDir, // 1.62 links its Deno runtime there; the others ignore it
  });
  state.manager = manager;

  const installerUser = state.makeUser({ id: 'apps-host-admin', username: 'apps-host-admin', name: 'Apps Host Admin', roles: ['admin', 'user'], ...installer });
  state.users.set(installerUser.id, installerUser);

  let appId;
  const host = {
    engine: version,
    manager,
    get appId() {
      return appId;
    },
    appUser: undefined,
  };

  const fail = async (message) => {
    AppManager.Instance = undefined;
    const errors = logStorage.entries
      .flatMap((e) => e.entries.filter((x) => x.severity === 'error').map((x) => `${e.method}: ${JSON.stringify(x.args)}`))
      .join('\n');
    throw new Error(`apps-host: ${message}${errors ? `\n${errors}` : ''}`);
  };

  await manager.load();
  const aff = await manager.add(zip, { enable: true, user: clone(installerUser) });
  const app = aff.getApp();
  if (!app) {
    const details = JSON.stringify({ storage: aff.getStorageError(), appUser: aff.getAppUserError(), license: aff.getLicenseValidationResult && aff.getLicenseValidationResult() });
    return fail(`the App could not be installed: ${details}`);
  }
  appId = app.getID();
  const status = await app.getStatus(); // a Promise on the Deno engines
  if (!(status === AppStatus.AUTO_ENABLED || status === AppStatus.MANUALLY_ENABLED)) {
    return fail(`the App did not start (status ${status})`);
  }
  host.appUser = clone(await bridges.getUserBridge().doGetAppUser(appId));
  const installedRecords = new Set(state.persistence.keys()); // what the App stored while installing
  const installedSettings = Object.fromEntries(
    Object.entries(manager.getOneById(appId).getStorageItem().settings).map(([id, s]) => [id, clone(effectiveValue(s))]),
  );

  const requireUser = (id) => {
    const u = state.users.get(id);
    if (!u) throw new Error(`apps-host: user ${id} does not exist (addUser first)`);
    return clone(u);
  };
  const requireRoom = (id) => {
    const r = state.materializeRoom(id);
    if (!r) throw new Error(`apps-host: room ${id} does not exist`);
    return r;
  };

  Object.assign(host, {
    addUser({ id = randomId(), username, name, roles = ['user'], type = 'user', ...rest } = {}) {
      if (!username) throw new Error('apps-host: addUser needs a username');
      const user = state.makeUser({ ...clone(rest), id, username, name, roles: [...roles], type });
      state.users.set(id, user);
      return clone(user);
    },

    addVisitor({ id = randomId(), token = randomId(24), username, name, ...rest } = {}) {
      const uname = username || `guest-${state.visitors.size + 1}`;
      const visitor = { ...clone(rest), id, token, username: uname, name: name || uname, status: 'online', updatedAt: new Date() };
      state.visitors.set(id, visitor);
      return clone(visitor);
    },

    addLivechatRoom(options) {
      return state.addLivechatRoom(options || {});
    },

    closeLivechatRoom(roomId) {
      return state.track(state.closeLivechatRoom(roomId));
    },

    getRoom(id) {
      return state.materializeRoom(id);
    },

    messages() {
      return [...state.messages.keys()].map((id) => state.materializeMessage(id));
    },

    message(id) {
      return state.materializeMessage(id);
    },

    // A user editing a message, as Rocket.Chat's chat.update does: the given
    // fields replace the message's (customFields whole, where an admin allows
    // editing them: Message_CustomFields_Enabled). No App is told.
    editMessage(id, fields) {
      if (!state.messages.has(id)) throw new Error(`apps-host: message ${id} does not exist`);
      state.storeMessageUpdate({ ...clone(fields), id });
      return state.materializeMessage(id);
    },

    messageHistory(id) {
      return clone(state.history.get(id) || []);
    },

    notifications() {
      return clone(state.notifications);
    },

    // Extras for debugging: modals the App opened, typing indicators, status changes.
    uiInteractions() {
      return clone(state.uiInteractions);
    },

    // Every record the App persisted: [{ id, data, associations: [{model, id}] }].
    persistence() {
      return [...state.persistence.values()].map((r) => clone({ id: r.id, data: r.data, associations: r.associations }));
    },

    logs() {
      return clone(logStorage.entries);
    },

    errorLogs() {
      const out = [];
      for (const entry of logStorage.entries) {
        for (const item of entry.entries || []) {
          if (item.severity === 'error') {
            out.push(clone({ method: entry.method, severity: item.severity, args: item.args, caller: item.caller, timestamp: item.timestamp }));
          }
        }
      }
      return out;
    },

    settings() {
      return clone(manager.getOneById(appId).getStorageItem().settings);
    },

    // 1.42.1 only propagates errors named 'AppsEngineException' (e.g.
    // InvalidSettingValueException); any other error thrown by
    // onPreSettingUpdate is logged and the new value is STORED anyway, exactly
    // as in Rocket.Chat. The Deno engines (1.59, 1.62) propagate none and log
    // none: the value is stored, and only what the App logged itself tells.
    // The host rejects whenever onPreSettingUpdate logged an error, so tests
    // notice; on a Deno engine it first waits (up to 5 s) for the App to put
    // the previous value back, as the App does from onSettingUpdated.
    async updateSetting(id, value) {
      const current = manager.getOneById(appId).getStorageItem().settings[id];
      if (!current) throw new Error(`apps-host: the App has no setting ${id}`);
      const mark = logStorage.entries.length;
      await quietSwallowedErrors(() => manager.getSettingsManager().updateAppSetting(appId, { ...clone(current), value }));
      const swallowed = logStorage.entries
        .slice(mark)
        .filter((e) => e.method === 'onPreSettingUpdate' || e.method === 'app:onPreSettingUpdate')
        .flatMap((e) => e.entries.filter((x) => x.severity === 'error'));
      if (swallowed.length) {
        if (engine.deno) {
          const stored = () => JSON.stringify(manager.getOneById(appId).getStorageItem().settings[id].value);
          const refused = JSON.stringify(value);
          await host.waitFor(() => stored() !== refused, { what: `the App to restore ${id}` }).catch(() => {});
        }
        const info = errorMessageFromArgs(swallowed[0].args);
        const err = new Error(info.message);
        if (info.name) err.name = info.name;
        err.engineSwallowed = true; // the engine stored the value despite the throw
        throw err;
      }
    },

    async executeCommand(command, { userId, roomId, args = [], threadId, triggerId } = {}) {
      const name = String(command).replace(/^\//, '').toLowerCase();
      const cmd = state.commands.get(name);
      if (!cmd) throw new Error(`apps-host: no slash command "${name}" is registered`);
      const context = new SlashCommandContext(requireUser(userId), requireRoom(roomId), [...args], threadId, triggerId || randomId());
      await manager.getCommandManager().executeCommand(name, context);
    },

    // Rocket.Chat answers 401 itself for authRequired endpoints without a valid
    // user (the engine never looks at authRequired), and 500 with the error
    // message when the executor throws or returns nothing.
    async executeApi(path, { method = 'get', headers = {}, query = {}, content, userId, params = {} } = {}) {
      const endpoint = state.endpoints.get(path);
      if (!endpoint) return { status: 404, headers: {}, content: undefined };
      let user;
      if (userId !== undefined) {
        user = state.users.get(userId);
        if (!user) return { status: 401, headers: {}, content: { status: 'error', message: 'You must be logged in to do this.' } };
      }
      if (endpoint.authRequired && !user) {
        return { status: 401, headers: {}, content: { status: 'error', message: 'You must be logged in to do this.' } };
      }
      const request = {
        method: String(method).toLowerCase(),
        headers: clone(headers),
        query: clone(query),
        params: clone(params),
        content: clone(content),
        privateHash: manager.getOneById(appId).getStorageItem()._id,
        user: user ? clone(user) : undefined,
      };
      try {
        const response = await manager.getApiManager().executeApi(appId, path, request);
        if (!response) {
          return { status: 500, headers: {}, content: `apps-host: ${path} returned no response for ${request.method} (method not implemented?)` };
        }
        const r = clone(response);
        return { status: r.status, headers: r.headers || {}, content: r.content };
      } catch (e) {
        return { status: 500, headers: {}, content: e && e.message };
      }
    },

    registeredEndpoints() {
      return [...state.endpoints.values()].map((e) => ({ path: e.path, methods: [...e.methods], authRequired: e.authRequired }));
    },

    registeredCommands() {
      return [...state.commands.keys()];
    },

    // A user pressing a button in a message, as Rocket.Chat's UIKit endpoint does it.
    async blockAction({ actionId, value, blockId = 'b', messageId, roomId, userId, triggerId = randomId() }) {
      const user = requireUser(userId);
      const message = messageId ? state.materializeMessage(messageId) : undefined;
      if (messageId && !message) throw new Error(`apps-host: message ${messageId} does not exist`);
      const rid = roomId || (message && message.room && message.room.id);
      const room = rid ? requireRoom(rid) : undefined;
      const response = await manager.getListenerManager().executeListener(AppInterface.IUIKitInteractionHandler, {
        type: UIKitIncomingInteractionType.BLOCK,
        appId,
        actionId,
        triggerId,
        user,
        room,
        message,
        container: { type: UIKitIncomingInteractionContainerType.MESSAGE, id: messageId },
        payload: { blockId, value },
      });
      return clone(response);
    },

    // The visitor holding a LiveChat token, as Rocket.Chat finds it (undefined when none does).
    visitorByToken(token) {
      const visitor = [...state.visitors.values()].find((v) => typeof token === 'string' && v.token === token);
      return visitor && clone(visitor);
    },

    // A visitor pressing a button in the livechat widget (identified by token).
    async livechatBlockAction({ actionId, value, blockId = 'b', messageId, roomId, visitorToken, triggerId = randomId() }) {
      const visitor = [...state.visitors.values()].find((v) => v.token === visitorToken);
      if (!visitor) throw new Error(`apps-host: no visitor with token ${visitorToken}`);
      const message = messageId ? state.materializeMessage(messageId) : undefined;
      if (messageId && !message) throw new Error(`apps-host: message ${messageId} does not exist`);
      const rid = roomId || (message && message.room && message.room.id);
      const room = rid ? requireRoom(rid) : undefined;
      const response = await manager.getListenerManager().executeListener(AppInterface.IUIKitLivechatInteractionHandler, {
        type: UIKitIncomingInteractionType.BLOCK,
        appId,
        actionId,
        triggerId,
        visitor: clone(visitor),
        room,
        message,
        container: { type: UIKitIncomingInteractionContainerType.MESSAGE, id: messageId },
        payload: { blockId, value },
      });
      return clone(response);
    },

    scheduledJobs() {
      return state.jobs.map((j) =>
        clone({ id: j.id, processorId: j.processorId, when: j.when, data: j.data, kind: j.kind, done: j.done, runs: j.runs, error: j.error }),
      );
    },

    async waitFor(predicate, { timeoutMs = 5000, what = 'condition' } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const result = await predicate();
        if (result) return result;
        if (Date.now() >= deadline) throw new Error(`apps-host: timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },

    /**
     * Brings the running App back to a fresh install's state without
     * reinstalling it (a Deno engine takes seconds to start an App): the logs
     * emptied, every setting a test changed back to its value after install,
     * then `settings` set through the engine as an admin would (so their
     * changes are logged as on a fresh host), and the scheduled jobs, users,
     * visitors, rooms, messages, notifications and the records persisted
     * since install emptied. The App keeps no state outside
     * persistence, so what a test sees after reset() is what a fresh host gives.
     */
    async reset({ settings = {} } = {}) {
      const scheduler = bridges.getSchedulerBridge();
      scheduler.stopAll();
      state.jobs.length = 0;
      await Promise.race([Promise.allSettled([...state.pending]), new Promise((r) => setTimeout(r, 2000).unref())]);
      logStorage.entries.length = 0; // what the settings below log stays, as on a fresh host
      const current = host.settings();
      for (const [id, value] of Object.entries(installedSettings)) {
        if (!(id in settings) && JSON.stringify(effectiveValue(current[id])) !== JSON.stringify(value)) await host.updateSetting(id, value);
      }
      for (const [id, value] of Object.entries(settings)) await host.updateSetting(id, value);
      for (const [id, user] of state.users) if (id !== installerUser.id && !user.appId) state.users.delete(id);
      for (const key of ['visitors', 'rooms', 'messages', 'history']) state[key].clear();
      for (const id of [...state.persistence.keys()]) if (!installedRecords.has(id)) state.persistence.delete(id);
      for (const key of ['notifications', 'typing', 'uiInteractions', 'statusChanges']) state[key].length = 0;
    },

    async close() {
      const scheduler = bridges.getSchedulerBridge();
      scheduler.stopAll();
      try {
        if (manager.getOneById(appId)) {
          await manager.remove(appId, { user: clone(installerUser) });
        }
      } finally {
        scheduler.stopAll();
        await Promise.race([Promise.allSettled([...state.pending]), new Promise((r) => setTimeout(r, 2000).unref())]);
        AppManager.Instance = undefined;
      }
    },
  });

  return host;
}

module.exports = { startAppHost, ENGINES };
