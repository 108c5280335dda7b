'use strict';

// Bridges that read and write the host's in-memory "database" (users, rooms,
// visitors, messages, persistence, server settings). Behaviour follows
// Rocket.Chat's own bridges (apps/meteor/app/apps/server/bridges) closely
// enough that an App which works here should work there. The classes extend
// the given engine's own bridge classes (it checks instanceof).

const { clone, randomId } = require('./storages');

function notImplemented(bridge, method) {
  return () => {
    throw new Error(`apps-host: ${bridge}.${method} is not implemented`);
  };
}

const classesByEngine = new Map();

/** The data bridge classes built on `engine`'s (see engines.js), made once per engine. */
function dataBridgeClasses(engine) {
  if (classesByEngine.has(engine.version)) return classesByEngine.get(engine.version);
  const {
    UserBridge,
    RoomBridge,
    MessageBridge,
    LivechatBridge,
    PersistenceBridge,
    ServerSettingBridge,
    EnvironmentalVariableBridge,
  } = engine.require('server/bridges');
  const { InternalBridge } = engine.require('server/bridges/InternalBridge');
  const { ThreadBridge } = engine.require('server/bridges/ThreadBridge');

  class HostUserBridge extends UserBridge {
    constructor(state) {
      super();
      this.state = state;
    }

    async getById(id) {
      return clone(this.state.users.get(id));
    }

    async getByUsername(username) {
      return clone([...this.state.users.values()].find((u) => u.username === username));
    }

    async getAppUser(appId) {
      const users = [...this.state.users.values()].filter((u) => u.appId);
      return clone(appId ? users.find((u) => u.appId === appId) : users[0]);
    }

    async getActiveUserCount() {
      return [...this.state.users.values()].filter((u) => u.isEnabled && u.type === 'user').length;
    }

    // AppManager.createAppUser() lands here on install (type 'app', roles ['app']).
    async create(data, appId) {
      const user = this.state.makeUser({ ...clone(data), id: randomId() });
      if (data.type === 'app') user.appId = appId;
      this.state.users.set(user.id, user);
      return user.id;
    }

    async remove(user) {
      return this.state.users.delete(user.id);
    }

    async update(user, updates) {
      const stored = this.state.users.get(user.id);
      if (!stored) throw new Error(`apps-host: user ${user.id} does not exist`);
      Object.assign(stored, clone(updates), { updatedAt: new Date() });
      return true;
    }

    async deleteUsersCreatedByApp(appId, type) {
      for (const [id, u] of this.state.users) {
        if (u.appId === appId && u.type === type && u.createdByApp) this.state.users.delete(id);
      }
      return true;
    }

    async deactivate(userId) {
      const stored = this.state.users.get(userId);
      if (!stored) throw new Error(`apps-host: user ${userId} does not exist`);
      stored.isEnabled = false;
      return true;
    }
  }
  HostUserBridge.prototype.getUserUnreadMessageCount = notImplemented('UserBridge', 'getUserUnreadMessageCount');

  class HostRoomBridge extends RoomBridge {
    constructor(state) {
      super();
      this.state = state;
    }

    async create(room, members) {
      const id = randomId();
      const doc = clone(room);
      delete doc.id;
      const userIds = members
        .map((username) => [...this.state.users.values()].find((u) => u.username === username))
        .filter(Boolean)
        .map((u) => u.id);
      this.state.rooms.set(id, { ...doc, id, userIds, createdAt: new Date(), updatedAt: new Date() });
      return id;
    }

    async getById(roomId) {
      return this.state.materializeRoom(roomId);
    }

    async getByName(name) {
      const doc = [...this.state.rooms.values()].find((r) => r.slugifiedName === name || r.id === name);
      return doc ? this.state.materializeRoom(doc.id) : undefined;
    }

    async getCreatorById(roomId) {
      const room = this.state.materializeRoom(roomId);
      return room && room.creator;
    }

    async getCreatorByName(name) {
      const room = await this.getByName(name);
      return room && room.creator;
    }

    async getDirectByUsernames(usernames) {
      const ids = usernames.map((n) => [...this.state.users.values()].find((u) => u.username === n)).filter(Boolean).map((u) => u.id);
      const doc = [...this.state.rooms.values()].find(
        (r) => r.type === 'd' && (r.userIds || []).length === ids.length && ids.every((id) => r.userIds.includes(id)),
      );
      return doc ? this.state.materializeRoom(doc.id) : undefined;
    }

    async getMembers(roomId) {
      const room = this.state.materializeRoom(roomId);
      if (!room) return [];
      return this.state.roomUserIds(room).map((id) => clone(this.state.users.get(id))).filter(Boolean);
    }

    async update(room, members = []) {
      const doc = this.state.rooms.get(room.id);
      if (!doc) throw new Error('Room id was not a valid room');
      const changes = clone(room);
      // Livechat links are kept as ids internally; the materialized objects are rebuilt on read.
      if (changes.servedBy) doc.servedById = changes.servedBy.id;
      if (changes.visitor) doc.visitorId = changes.visitor.id;
      delete changes.servedBy;
      delete changes.visitor;
      Object.assign(doc, changes, { updatedAt: new Date() });
      if (members.length) {
        const ids = members.map((n) => [...this.state.users.values()].find((u) => u.username === n)).filter(Boolean).map((u) => u.id);
        doc.userIds = [...new Set([...(doc.userIds || []), ...ids])];
      }
    }

    async delete(roomId) {
      this.state.rooms.delete(roomId);
    }
  }
  HostRoomBridge.prototype.createDiscussion = notImplemented('RoomBridge', 'createDiscussion');
  HostRoomBridge.prototype.getModerators = notImplemented('RoomBridge', 'getModerators');
  HostRoomBridge.prototype.getOwners = notImplemented('RoomBridge', 'getOwners');
  HostRoomBridge.prototype.getLeaders = notImplemented('RoomBridge', 'getLeaders');

  class HostMessageBridge extends MessageBridge {
    constructor(state) {
      super();
      this.state = state;
    }

    async create(message) {
      return this.state.storeNewMessage(message, 'MessageBridge.create');
    }

    // Rocket.Chat's AppMessageBridge.update refuses a message without an editor
    // (the App must call builder.setEditor(user)) or one that does not exist.
    async update(message) {
      if (!message.editor) throw new Error('Invalid editor assigned to the message for the update.');
      if (!message.id || !this.state.messages.has(message.id)) throw new Error('A message must exist to update.');
      this.state.storeMessageUpdate(message);
    }

    // Rocket.Chat sends these as ephemeral messages: they are not stored in the room.
    async notifyUser(user, message) {
      this._notify({ kind: 'user', user: clone(user) }, message);
    }

    async notifyRoom(room, message) {
      this._notify({ kind: 'room', room: clone(room) }, message);
    }

    _notify(to, message) {
      const m = clone(message);
      this.state.notifications.push({
        room: m.room, ...to, sender: m.sender, text: m.text, blocks: m.blocks, message: m, createdAt: new Date(),
      });
    }

    async typing(options) {
      this.state.typing.push(clone(options));
    }

    async getById(messageId) {
      return this.state.materializeMessage(messageId);
    }

    async delete(message) {
      this.state.messages.delete(message.id);
    }
  }

  class HostLivechatBridge extends LivechatBridge {
    constructor(state) {
      super();
      this.state = state;
    }

    isOnline() {
      return this.state.livechatOnline;
    }

    async isOnlineAsync() {
      return this.state.livechatOnline;
    }

    async createMessage(message) {
      return this.state.storeNewMessage(message, 'LivechatBridge.createMessage');
    }

    async getMessageById(messageId) {
      return this.state.materializeMessage(messageId);
    }

    async updateMessage(message) {
      if (!message.id || !this.state.messages.has(message.id)) throw new Error('A message must exist to update.');
      this.state.storeMessageUpdate(message);
    }

    async createVisitor(visitor) {
      const v = clone(visitor);
      v.id = v.id || randomId();
      this.state.visitors.set(v.id, v);
      return v.id;
    }

    async findVisitorById(id) {
      return clone(this.state.visitors.get(id));
    }

    async findVisitorByToken(token) {
      return clone([...this.state.visitors.values()].find((v) => v.token === token));
    }

    async findVisitorByEmail(email) {
      return clone(
        [...this.state.visitors.values()].find((v) => (v.visitorEmails || []).some((e) => e.address === email)),
      );
    }

    async findVisitorByPhoneNumber(phone) {
      return clone([...this.state.visitors.values()].find((v) => (v.phone || []).some((p) => p.phoneNumber === phone)));
    }

    async createRoom(visitor, agent, appId, extraParams = {}) {
      const room = this.state.addLivechatRoom({
        ...clone(extraParams),
        id: randomId(),
        visitor: visitor.id || visitor.token,
        servedBy: agent && agent.id,
        open: true,
      });
      return room;
    }

    // Rocket.Chat fires IPostLivechatRoomClosed without awaiting it (`void
    // Apps.triggerEvent(...)`); the host tracks the promise so tests can wait.
    async closeRoom(room, comment, closer) {
      const doc = this.state.rooms.get(room.id);
      if (!doc || doc.type !== 'l' || !doc.isOpen) return false;
      this.state.track(this.state.closeLivechatRoom(room.id, { comment, closer: closer && clone(closer) }));
      return true;
    }

    async countOpenRoomsByAgentId(agentId) {
      return (await this.findOpenRoomsByAgentId(agentId)).length;
    }

    async findOpenRoomsByAgentId(agentId) {
      return [...this.state.rooms.values()]
        .filter((r) => r.type === 'l' && r.isOpen && r.servedById === agentId)
        .map((r) => this.state.materializeRoom(r.id));
    }

    async findRooms(visitor, departmentId) {
      return [...this.state.rooms.values()]
        .filter((r) => r.type === 'l' && r.visitorId === visitor.id && (!departmentId || r.departmentId === departmentId))
        .map((r) => this.state.materializeRoom(r.id));
    }

    async _fetchLivechatRoomMessages(appId, roomId) {
      return [...this.state.messages.keys()]
        .map((id) => this.state.materializeMessage(id))
        .filter((m) => m.room && m.room.id === roomId);
    }

    async setCustomFields({ token, key, value, overwrite }) {
      const v = [...this.state.visitors.values()].find((x) => x.token === token);
      if (!v) return 0;
      v.livechatData = v.livechatData || {};
      if (!overwrite && v.livechatData[key] !== undefined) return 0;
      v.livechatData[key] = value;
      return 1;
    }
  }
  for (const m of ['findVisitors', 'transferVisitor', 'findDepartmentByIdOrName', 'findDepartmentsEnabledWithAgents']) {
    HostLivechatBridge.prototype[m] = notImplemented('LivechatBridge', m);
  }

  // Records are { id, appId, data, associations: [{model, id}] }, like the
  // apps_persistence collection.
  class HostPersistenceBridge extends PersistenceBridge {
    constructor(state) {
      super();
      this.state = state;
    }

    records(appId) {
      return [...this.state.persistence.values()].filter((r) => r.appId === appId);
    }

    static assoc(list) {
      return (list || []).map((a) => ({
        model: typeof a.getModel === 'function' ? a.getModel() : a.model,
        id: typeof a.getID === 'function' ? a.getID() : a.id,
      }));
    }

    static matches(record, wanted) {
      return wanted.every((w) => record.associations.some((a) => a.model === w.model && a.id === w.id));
    }

    static checkData(data) {
      if (typeof data !== 'object' || data === null) {
        throw new Error('Attempted to store an invalid data type, it must be an object.');
      }
    }

    async purge(appId) {
      for (const r of this.records(appId)) this.state.persistence.delete(r.id);
    }

    async create(data, appId) {
      return this.createWithAssociations(data, [], appId);
    }

    async createWithAssociations(data, associations, appId) {
      HostPersistenceBridge.checkData(data);
      const id = randomId();
      this.state.persistence.set(id, { id, appId, data: clone(data), associations: HostPersistenceBridge.assoc(associations) });
      return id;
    }

    async readById(id, appId) {
      const r = this.state.persistence.get(id);
      return r && r.appId === appId ? clone(r.data) : undefined;
    }

    async readByAssociations(associations, appId) {
      const wanted = HostPersistenceBridge.assoc(associations);
      return this.records(appId)
        .filter((r) => HostPersistenceBridge.matches(r, wanted))
        .map((r) => clone(r.data));
    }

    async remove(id, appId) {
      const r = this.state.persistence.get(id);
      if (!r || r.appId !== appId) return undefined;
      this.state.persistence.delete(id);
      return clone(r.data);
    }

    async removeByAssociations(associations, appId) {
      const wanted = HostPersistenceBridge.assoc(associations);
      const found = this.records(appId).filter((r) => HostPersistenceBridge.matches(r, wanted));
      if (!found.length) return undefined;
      for (const r of found) this.state.persistence.delete(r.id);
      return found.map((r) => clone(r.data));
    }

    async update(id, data, upsert, appId) {
      HostPersistenceBridge.checkData(data);
      const r = this.state.persistence.get(id);
      if (r && r.appId === appId) {
        r.data = clone(data);
        return id;
      }
      if (!upsert) throw new Error(`apps-host: persistence record ${id} does not exist`);
      this.state.persistence.set(id, { id, appId, data: clone(data), associations: [] });
      return id;
    }

    // Mongo's update() without multi touches the first match only; same here.
    async updateByAssociations(associations, data, upsert, appId) {
      HostPersistenceBridge.checkData(data);
      const wanted = HostPersistenceBridge.assoc(associations);
      const r = this.records(appId).find((x) => HostPersistenceBridge.matches(x, wanted));
      if (r) {
        r.data = clone(data);
        return r.id;
      }
      if (!upsert) throw new Error('apps-host: no persistence record matches the associations');
      return this.createWithAssociations(data, associations, appId);
    }
  }

  class HostServerSettingBridge extends ServerSettingBridge {
    constructor(state) {
      super();
      this.state = state;
    }

    setting(id) {
      if (!Object.prototype.hasOwnProperty.call(this.state.serverSettings, id)) return undefined;
      const value = this.state.serverSettings[id];
      return { id, value, packageValue: value, type: typeof value === 'boolean' ? 'boolean' : typeof value === 'number' ? 'int' : 'string', required: false, public: false, i18nLabel: id };
    }

    async getAll() {
      return Object.keys(this.state.serverSettings).map((id) => this.setting(id));
    }

    async getOneById(id) {
      return this.setting(id);
    }

    async isReadableById(id) {
      return Object.prototype.hasOwnProperty.call(this.state.serverSettings, id);
    }

    async updateOne(setting) {
      this.state.serverSettings[setting.id] = clone(setting.value);
    }

    async incrementValue(id, value) {
      this.state.serverSettings[id] = (Number(this.state.serverSettings[id]) || 0) + (value || 1);
    }
  }
  HostServerSettingBridge.prototype.hideGroup = notImplemented('ServerSettingBridge', 'hideGroup');
  HostServerSettingBridge.prototype.hideSetting = notImplemented('ServerSettingBridge', 'hideSetting');

  // Rocket.Chat only lets Apps read a short allow-list of environment variables.
  const READABLE_ENV = ['NODE_ENV', 'ROOT_URL', 'INSTANCE_IP'];
  class HostEnvironmentalVariableBridge extends EnvironmentalVariableBridge {
    constructor(state) {
      super();
      this.state = state;
    }

    async getValueByName(name) {
      return READABLE_ENV.includes(name.toUpperCase()) ? this.state.env[name] : undefined;
    }

    async isReadable(name) {
      return READABLE_ENV.includes(name.toUpperCase());
    }

    async isSet(name) {
      return READABLE_ENV.includes(name.toUpperCase()) && this.state.env[name] !== undefined;
    }
  }

  class HostInternalBridge extends InternalBridge {
    constructor(state) {
      super();
      this.state = state;
    }

    async getUsernamesOfRoomById(roomId) {
      return this.getUsernamesOfRoomByIdSync(roomId);
    }

    getUsernamesOfRoomByIdSync(roomId) {
      const room = this.state.materializeRoom(roomId);
      if (!room) return [];
      return this.state
        .roomUserIds(room)
        .map((id) => this.state.users.get(id))
        .filter(Boolean)
        .map((u) => u.username);
    }

    async getWorkspacePublicKey() {
      return { id: 'Cloud_Workspace_PublicKey', value: this.state.keys.publicKey, packageValue: '' };
    }
  }

  // Not a class in the engine: an interface the signature manager uses to sign
  // and verify Apps at install/enable time.
  class HostInternalFederationBridge {
    constructor(state) {
      this.state = state;
    }

    async getPrivateKey() {
      return this.state.keys.privateKey;
    }

    async getPublicKey() {
      return this.state.keys.publicKey;
    }
  }

  class HostThreadBridge extends ThreadBridge {
    constructor(state) {
      super();
      this.state = state;
    }

    async getById(threadId) {
      return [...this.state.messages.keys()]
        .map((id) => this.state.materializeMessage(id))
        .filter((m) => m.id === threadId || m.threadId === threadId);
    }
  }

  const classes = {
    HostUserBridge,
    HostRoomBridge,
    HostMessageBridge,
    HostLivechatBridge,
    HostPersistenceBridge,
    HostServerSettingBridge,
    HostEnvironmentalVariableBridge,
    HostInternalBridge,
    HostInternalFederationBridge,
    HostThreadBridge,
  };
  classesByEngine.set(engine.version, classes);
  return classes;
}

// Exposed so the runtime bridges can reuse the same not-implemented helper.
module.exports = { notImplemented, dataBridgeClasses };
