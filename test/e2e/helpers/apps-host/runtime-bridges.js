'use strict';

// Bridges that connect the App to the "outside": real HTTP, real timers for the
// scheduler, the registries of endpoints and slash commands, listener events,
// plus the AppBridges container handing one instance of each bridge out.

const http = require('node:http');
const https = require('node:https');
const { clone, randomId } = require('./storages');
const { notImplemented, dataBridgeClasses } = require('./data-bridges');

// --- HTTP -----------------------------------------------------------------

// Mirrors Rocket.Chat's AppHttpBridge: `data` objects go out as JSON, `content`
// as-is, `query`/`params` are appended to the URL, network errors reject.
const JSON_TYPES = ['application/json', 'text/javascript', 'application/javascript', 'application/x-javascript'];

// --- Scheduler ------------------------------------------------------------

const UNIT_MS = {
  ms: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60e3, min: 60e3, mins: 60e3, minute: 60e3, minutes: 60e3,
  h: 3600e3, hour: 3600e3, hours: 3600e3,
  d: 86400e3, day: 86400e3, days: 86400e3,
  w: 604800e3, week: 604800e3, weeks: 604800e3,
};
const WORD_NUMBERS = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10 };

// The subset of human-interval Apps actually use ("5 seconds", "in 1 minute",
// "1.5 hours and 10 minutes", "1 second from now"). Returns undefined if it
// cannot parse, so callers can try other formats.
function parseHumanInterval(text) {
  const s = String(text).trim().toLowerCase().replace(/^in\s+/, '').replace(/\s+from now$/, '');
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  // Digits may touch the unit ("500ms"); number words need a space ("one minute").
  const re = /(?:(\d+(?:\.\d+)?)\s*|\b(a|an|one|two|three|four|five|six|seven|eight|nine|ten)\s+)([a-z]+)\b/g;
  let total = 0;
  let matched = '';
  let m;
  while ((m = re.exec(s))) {
    const n = m[1] !== undefined ? Number(m[1]) : WORD_NUMBERS[m[2]];
    const unit = UNIT_MS[m[3]];
    if (unit === undefined) return undefined;
    total += n * unit;
    matched += m[0];
  }
  const leftover = s.replace(re, '').replace(/\band\b|,|\s/g, '');
  return matched && !leftover ? total : undefined;
}

function whenToDate(when) {
  if (Object.prototype.toString.call(when) === '[object Date]') return new Date(when.getTime());
  if (typeof when === 'number') return new Date(Date.now() + when);
  const ms = parseHumanInterval(when);
  if (ms !== undefined) return new Date(Date.now() + ms);
  const parsed = Date.parse(when);
  if (!Number.isNaN(parsed)) return new Date(parsed);
  throw new Error(`apps-host: cannot understand schedule time ${JSON.stringify(when)}`);
}

function intervalToMs(interval) {
  if (typeof interval === 'number') return interval;
  const ms = parseHumanInterval(interval);
  if (ms === undefined) throw new Error(`apps-host: interval ${JSON.stringify(interval)} is not supported (cron strings are not implemented)`);
  return ms;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

const classesByEngine = new Map();

/** The HostAppBridges class built on `engine`'s bridge classes (see engines.js), made once per engine. */
function hostAppBridgesClass(engine) {
  if (classesByEngine.has(engine.version)) return classesByEngine.get(engine.version);
  const {
    AppBridges,
    ApiBridge,
    CommandBridge,
    HttpBridge,
    SchedulerBridge,
    AppActivationBridge,
    AppDetailChangesBridge,
    UiInteractionBridge,
    UploadBridge,
    VideoConferenceBridge,
    ModerationBridge,
    RoleBridge,
    CloudWorkspaceBridge,
  } = engine.require('server/bridges');
  const { OAuthAppsBridge } = engine.require('server/bridges/OAuthAppsBridge');
  const data = dataBridgeClasses(engine);
  const bridges = engine.require('server/bridges');
  const NEWER_BRIDGES = [
    ['contact', bridges.ContactBridge, 'ContactBridge', ['getById', 'verifyContact', 'addContactEmail']],
    ['email', bridges.EmailBridge, 'EmailBridge', ['sendEmail']],
    ['experimental', bridges.ExperimentalBridge, 'ExperimentalBridge', []],
    ['outbound', bridges.OutboundMessageBridge, 'OutboundMessageBridge', ['registerPhoneProvider', 'registerEmailProvider', 'unRegisterProvider']],
  ];

  class HostHttpBridge extends HttpBridge {
    call(info) {
      const request = info.request || {};
      const method = String(info.method || 'get').toUpperCase();
      const url = new URL(info.url);
      if (request.query) {
        for (const [k, v] of new URLSearchParams(request.query)) url.searchParams.append(k, v);
      }
      for (const [k, v] of Object.entries(request.params || {})) url.searchParams.append(k, String(v));

      const headers = {};
      for (const [k, v] of Object.entries(request.headers || {})) headers[k.toLowerCase()] = String(v);
      let body = request.content;
      if (body === undefined && request.data !== undefined && request.data !== null) {
        body = JSON.stringify(request.data);
        if (!headers['content-type']) headers['content-type'] = 'application/json';
      }
      if (request.auth && !headers.authorization) {
        headers.authorization = `Basic ${Buffer.from(request.auth).toString('base64')}`;
      }
      if (body !== undefined && body !== null) {
        body = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : String(body));
        headers['content-length'] = String(body.length);
      }

      const lib = url.protocol === 'https:' ? https : http;
      const options = { method, headers };
      if (url.protocol === 'https:' && (request.strictSSL === false || request.rejectUnauthorized === false)) {
        options.rejectUnauthorized = false;
      }

      return new Promise((resolve, reject) => {
        const req = lib.request(url, options, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const raw = Buffer.concat(chunks);
            const result = {
              url: info.url,
              method: info.method,
              statusCode: res.statusCode,
              headers: { ...res.headers },
            };
            if (request.encoding === null) {
              result.content = raw;
            } else {
              result.content = raw.toString(request.encoding || 'utf8');
              const type = String(res.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
              result.data = null;
              if (JSON_TYPES.includes(type) || type.endsWith('+json')) {
                try {
                  result.data = JSON.parse(result.content);
                } catch (e) {
                  result.data = null;
                }
              }
            }
            resolve(result);
          });
        });
        req.on('error', reject);
        if (request.timeout) {
          req.setTimeout(request.timeout, () => req.destroy(new Error(`timeout of ${request.timeout}ms exceeded (${method} ${info.url})`)));
        }
        if (body !== undefined && body !== null) req.write(body);
        req.end();
      });
    }
  }

  // Like Rocket.Chat's agenda-based AppSchedulerBridge: processors are defined
  // by their (app-prefixed) id; each job calls the processor with
  // { ...job.data, jobId }; cancelJob cancels by processor id (agenda "name").
  class HostSchedulerBridge extends SchedulerBridge {
    constructor(state) {
      super();
      this.state = state;
      this.processors = new Map();
    }

    async registerProcessors(processors = [], appId) {
      const startups = [];
      for (const { id, processor, startupSetting } of processors) {
        this.processors.set(id, processor);
        if (!startupSetting) continue;
        if (startupSetting.type === 'onetime') {
          startups.push(this.scheduleOnce({ id, when: startupSetting.when, data: startupSetting.data }, appId));
        } else if (startupSetting.type === 'recurring') {
          startups.push(this.scheduleRecurring({ id, interval: startupSetting.interval, skipImmediate: startupSetting.skipImmediate, data: startupSetting.data }, appId));
        }
      }
      if (startups.length) return Promise.all(startups);
    }

    async scheduleOnce({ id, when, data: jobData }, appId) {
      const at = whenToDate(when);
      const job = { id: randomId(), processorId: id, appId, when: at, data: clone(jobData) || {}, kind: 'once', done: false, runs: 0 };
      this.state.jobs.push(job);
      const delay = Math.max(0, at.getTime() - Date.now());
      if (delay <= MAX_TIMER_MS) job.timer = setTimeout(() => this.run(job), delay);
      return job.id;
    }

    // agenda.every() makes a "single" job: scheduling the same processor again replaces it.
    async scheduleRecurring({ id, interval, skipImmediate = false, data: jobData }, appId) {
      const ms = intervalToMs(interval);
      if (!(ms > 0)) throw new Error(`apps-host: invalid recurring interval ${JSON.stringify(interval)}`);
      this.cancel((j) => j.kind === 'recurring' && j.processorId === id);
      const job = { id: randomId(), processorId: id, appId, when: new Date(Date.now() + (skipImmediate ? ms : 0)), interval: ms, data: clone(jobData) || {}, kind: 'recurring', done: false, runs: 0 };
      this.state.jobs.push(job);
      if (!skipImmediate) job.immediate = setTimeout(() => this.run(job), 0);
      job.timer = setInterval(() => this.run(job), Math.min(ms, MAX_TIMER_MS));
      return job.id;
    }

    async cancelJob(jobId) {
      this.cancel((j) => j.processorId === jobId);
    }

    async cancelAllJobs(appId) {
      this.cancel((j) => j.processorId.endsWith(`_${appId}`));
    }

    cancel(predicate) {
      const keep = [];
      for (const job of this.state.jobs) {
        if (predicate(job)) HostSchedulerBridge.stop(job);
        else keep.push(job);
      }
      this.state.jobs.splice(0, this.state.jobs.length, ...keep);
    }

    static stop(job) {
      clearTimeout(job.timer);
      clearInterval(job.timer);
      clearTimeout(job.immediate);
      job.timer = undefined;
      job.immediate = undefined;
    }

    stopAll() {
      for (const job of this.state.jobs) HostSchedulerBridge.stop(job);
    }

    run(job) {
      const processor = this.processors.get(job.processorId);
      job.runs += 1;
      job.lastRunAt = new Date();
      if (job.kind === 'recurring') job.when = new Date(Date.now() + job.interval);
      if (!processor) {
        job.error = `no processor registered for ${job.processorId}`;
        if (job.kind === 'once') job.done = true;
        return;
      }
      const p = Promise.resolve()
        .then(() => processor({ ...clone(job.data), jobId: job.id }))
        .then(
          () => {
            job.error = undefined;
          },
          (e) => {
            // The engine has already logged it to the log storage (errorLogs()).
            job.error = (e && e.message) || String(e);
          },
        )
        .finally(() => {
          job.lastFinishedAt = new Date();
          if (job.kind === 'once') job.done = true;
        });
      this.state.track(p);
    }
  }

  class HostApiBridge extends ApiBridge {
    constructor(state) {
      super();
      this.state = state;
    }

    async registerApi(appApi, appId) {
      this.state.endpoints.set(appApi.endpoint.path, {
        appId,
        path: appApi.endpoint.path,
        methods: [...appApi.implementedMethods],
        authRequired: !!appApi.endpoint.authRequired,
        computedPath: appApi.computedPath,
        visibility: appApi.api.visibility,
      });
    }

    async unregisterApis(appId) {
      for (const [path, e] of this.state.endpoints) if (e.appId === appId) this.state.endpoints.delete(path);
    }
  }

  class HostCommandBridge extends CommandBridge {
    constructor(state) {
      super();
      this.state = state;
    }

    async doesCommandExist(command) {
      return this.state.commands.has(command.toLowerCase());
    }

    async enableCommand(command) {
      const c = this.state.commands.get(command.toLowerCase());
      if (!c) throw new Error(`Command does not exist in the system currently: "${command}"`);
      c.enabled = true;
    }

    async disableCommand(command) {
      const c = this.state.commands.get(command.toLowerCase());
      if (!c) throw new Error(`Command does not exist in the system currently: "${command}"`);
      c.enabled = false;
    }

    async modifyCommand(command, appId) {
      await this.registerCommand(command, appId);
    }

    async registerCommand(command, appId) {
      const name = String(command.command).toLowerCase();
      this.state.commands.set(name, {
        appId,
        command: name,
        i18nParamsExample: command.i18nParamsExample,
        i18nDescription: command.i18nDescription,
        providesPreview: !!command.providesPreview,
        enabled: true,
      });
    }

    async unregisterCommand(command) {
      this.state.commands.delete(command.toLowerCase());
    }
  }

  // Rocket.Chat's side of the listener plumbing: it forwards events to the engine.
  class HostListenerBridge {
    constructor(state) {
      this.state = state;
    }

    messageEvent(int, message) {
      return this.state.manager.getListenerManager().executeListener(int, message);
    }

    roomEvent(int, room) {
      return this.state.manager.getListenerManager().executeListener(int, room);
    }

    uiKitInteractionEvent(int, action) {
      return this.state.manager.getListenerManager().executeListener(int, action);
    }
  }

  // Rocket.Chat only broadcasts these to its clients; there are none here.
  class HostAppActivationBridge extends AppActivationBridge {
    constructor(state) {
      super();
      this.state = state;
    }

    async appAdded() {}

    async appUpdated() {}

    async appRemoved() {}

    async appStatusChanged(app, status) {
      this.state.statusChanges.push({ appId: app.getID(), status, at: new Date() });
    }

    async actionsChanged() {}
  }

  class HostAppDetailChangesBridge extends AppDetailChangesBridge {
    onAppSettingsChange() {}
  }

  // Modals/contextual bars the App opens for a user (openModalView etc.).
  class HostUiInteractionBridge extends UiInteractionBridge {
    constructor(state) {
      super();
      this.state = state;
    }

    async notifyUser(user, interaction) {
      this.state.uiInteractions.push({ user: clone(user), interaction: clone(interaction), at: new Date() });
    }
  }

  function unimplementedBridge(Base, name, methods) {
    class Unimplemented extends Base {}
    for (const m of methods) Unimplemented.prototype[m] = notImplemented(name, m);
    return new Unimplemented();
  }

  class HostAppBridges extends AppBridges {
    constructor(state) {
      super();
      this.state = state;
      this.bridges = {
        command: new HostCommandBridge(state),
        api: new HostApiBridge(state),
        details: new HostAppDetailChangesBridge(),
        env: new data.HostEnvironmentalVariableBridge(state),
        http: new HostHttpBridge(),
        listener: new HostListenerBridge(state),
        livechat: new data.HostLivechatBridge(state),
        message: new data.HostMessageBridge(state),
        persistence: new data.HostPersistenceBridge(state),
        activation: new HostAppActivationBridge(state),
        room: new data.HostRoomBridge(state),
        internal: new data.HostInternalBridge(state),
        federation: new data.HostInternalFederationBridge(state),
        serverSetting: new data.HostServerSettingBridge(state),
        upload: unimplementedBridge(UploadBridge, 'UploadBridge', ['getById', 'getBuffer', 'createUpload']),
        user: new data.HostUserBridge(state),
        ui: new HostUiInteractionBridge(state),
        scheduler: new HostSchedulerBridge(state),
        cloud: unimplementedBridge(CloudWorkspaceBridge, 'CloudWorkspaceBridge', ['getWorkspaceToken']),
        video: unimplementedBridge(VideoConferenceBridge, 'VideoConferenceBridge', ['create', 'getById', 'update', 'registerProvider', 'unRegisterProvider']),
        oauth: unimplementedBridge(OAuthAppsBridge, 'OAuthAppsBridge', ['create', 'getById', 'getByName', 'update', 'delete', 'purge']),
        moderation: unimplementedBridge(ModerationBridge, 'ModerationBridge', ['report', 'dismissReportsByMessageId', 'dismissReportsByUserId']),
        thread: new data.HostThreadBridge(state),
        role: unimplementedBridge(RoleBridge, 'RoleBridge', ['getOneByIdOrName', 'getCustomRoles']),
      };
      // Bridges that only newer engines have.
      for (const [key, Base, name, methods] of NEWER_BRIDGES) {
        if (Base) this.bridges[key] = unimplementedBridge(Base, name, methods);
      }
    }

    getCommandBridge() { return this.bridges.command; }
    getApiBridge() { return this.bridges.api; }
    getAppDetailChangesBridge() { return this.bridges.details; }
    getEnvironmentalVariableBridge() { return this.bridges.env; }
    getHttpBridge() { return this.bridges.http; }
    getListenerBridge() { return this.bridges.listener; }
    getLivechatBridge() { return this.bridges.livechat; }
    getMessageBridge() { return this.bridges.message; }
    getPersistenceBridge() { return this.bridges.persistence; }
    getAppActivationBridge() { return this.bridges.activation; }
    getRoomBridge() { return this.bridges.room; }
    getInternalBridge() { return this.bridges.internal; }
    getInternalFederationBridge() { return this.bridges.federation; }
    getServerSettingBridge() { return this.bridges.serverSetting; }
    getUploadBridge() { return this.bridges.upload; }
    getUserBridge() { return this.bridges.user; }
    getUiInteractionBridge() { return this.bridges.ui; }
    getSchedulerBridge() { return this.bridges.scheduler; }
    getCloudWorkspaceBridge() { return this.bridges.cloud; }
    getVideoConferenceBridge() { return this.bridges.video; }
    getOAuthAppsBridge() { return this.bridges.oauth; }
    getModerationBridge() { return this.bridges.moderation; }
    getThreadBridge() { return this.bridges.thread; }
    getRoleBridge() { return this.bridges.role; }
    getContactBridge() { return this.bridges.contact; }
    getEmailBridge() { return this.bridges.email; }
    getExperimentalBridge() { return this.bridges.experimental; }
    getOutboundMessageBridge() { return this.bridges.outbound; }
  }

  classesByEngine.set(engine.version, HostAppBridges);
  return HostAppBridges;
}

module.exports = { hostAppBridgesClass, parseHumanInterval };
