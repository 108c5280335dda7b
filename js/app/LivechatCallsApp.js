'use strict';
// The livechat-calls Rocket.Chat App: admin settings, the /call command, the
// agent and visitor endpoints, the Join call / End call buttons, the ring
// timeout and the end of a call when its conversation closes. Media goes
// through the call service (js/service), reached over HTTP: Apps run in the
// Apps-Engine sandbox and cannot load the native add-on.
//
// Plain JavaScript, bundled into one file by js/app/package/bundle-app.js.
// Keep it within what the 1.42 (vm2), the Deno (1.46-1.62) and Rocket.Chat's
// Node runtimes all offer: require only Node built-ins and
// @rocket.chat/apps-engine/*, no fs (test/e2e/helpers/apps-host/README.md).

const { App } = require('@rocket.chat/apps-engine/definition/App');
const { ApiVisibility, ApiSecurity } = require('@rocket.chat/apps-engine/definition/api');
const { InvalidSettingValueException } = require('@rocket.chat/apps-engine/definition/exceptions');
const { definitions, checkSetting, readConfig, ids } = require('./lib/settings');
const { CallCommand } = require('./commands/call-command');
const { VisitorCallEndpoint, VisitorAcceptEndpoint, VisitorDeclineEndpoint, VisitorEndEndpoint } = require('./endpoints/visitor-call');
const { AgentCallEndpoint, AgentStartEndpoint, AgentEndEndpoint } = require('./endpoints/agent-call');
const { ACTIONS } = require('./lib/call-messages');
const { callForButton } = require('./lib/call-actions');
const { applyEvent, joinInfo, RING_TIMEOUT_JOB, LINK_EXPIRY_JOB } = require('./lib/call-lifecycle');
const { offerVisitorLink, withdrawVisitorLink } = require('./lib/visitor-link');
const { ServiceEventsEndpoint } = require('./endpoints/service-events');
const { findCall, latestCallInRoom } = require('./lib/call-index');
const { createServiceClient } = require('./lib/service-client');
const { withoutCredentials } = require('../common/webrtc-servers');


// The value to put back, by setting id, when onPreSettingUpdate refuses a new
// one: the Deno engines store a refused value anyway (their runtime swallows
// the exception), and onSettingUpdated then restores the old value.
const refusedSettings = new Map();

class LivechatCallsApp extends App {
  constructor(info, logger, accessors) {
    super(info, logger, accessors);
  }

  /** @param {import('@rocket.chat/apps-engine/definition/accessors').IConfigurationExtend} configuration */
  async extendConfiguration(configuration) {
    for (const setting of definitions) await configuration.settings.provideSetting({ ...setting });
    await configuration.slashCommands.provideSlashCommand(new CallCommand(this));
    await configuration.api.provideApi({
      visibility: ApiVisibility.PUBLIC,
      security: ApiSecurity.UNSECURE, // each endpoint checks its caller itself (lib/access.js)
      endpoints: [
        new VisitorCallEndpoint(this), new VisitorAcceptEndpoint(this), new VisitorDeclineEndpoint(this), new VisitorEndEndpoint(this),
        new AgentCallEndpoint(this), new AgentStartEndpoint(this), new AgentEndEndpoint(this),
        new ServiceEventsEndpoint(this),
      ],
    });
    await configuration.scheduler.registerProcessors([{
      id: RING_TIMEOUT_JOB,
      processor: (job, read, modify, http, persis) => this.onRingTimeout(job, { app: this, read, modify, http, persis }),
    }, {
      id: LINK_EXPIRY_JOB,
      processor: async (job, read, modify, http, persis) => {
        await withdrawVisitorLink({ app: this, read, modify, http, persis }, job.callId, job.ticketId);
      },
    }]);
  }

  /**
   * Refuses a bad value before it is stored; the admin sees the message.
   * @param {import('@rocket.chat/apps-engine/definition/settings/ISettingUpdateContext').ISettingUpdateContext} context
   */
  async onPreSettingUpdate(context) {
    const { id } = context.newSetting;
    const problem = checkSetting(id, context.newSetting.value);
    if (problem) {
      const old = context.oldSetting;
      refusedSettings.set(id, old.value !== undefined && old.value !== null ? old.value : old.packageValue);
      // Logged too: on the Deno engines the exception reaches neither the admin nor the App's log.
      this.getLogger().error(`setting ${id} refused: ${problem}`);
      throw new InvalidSettingValueException(problem);
    }
    // Nothing returned: the engine then stores the setting as given. Returning
    // it would make the engine log it at debug level, password value included.
    return undefined;
  }

  /**
   * Logs what changed; checks that the call service answers when its URL or secret changes.
   * @param {import('@rocket.chat/apps-engine/definition/settings').ISetting} setting
   * @param {import('@rocket.chat/apps-engine/definition/accessors').IConfigurationModify} configurationModify
   * @param {import('@rocket.chat/apps-engine/definition/accessors').IRead} read
   * @param {import('@rocket.chat/apps-engine/definition/accessors').IHttp} http
   */
  async onSettingUpdated(setting, configurationModify, read, http) {
    if (checkSetting(setting.id, setting.value)) {
      // A Deno engine stored a value onPreSettingUpdate refused: put the previous one back.
      const previous = refusedSettings.get(setting.id);
      refusedSettings.delete(setting.id);
      if (previous !== undefined && !checkSetting(setting.id, previous)) {
        await this.getAccessors().environmentWriter.getSettings().updateValue(setting.id, previous);
        this.getLogger().warn(`setting ${setting.id}: the refused value was replaced by the previous one`);
      }
      return;
    }
    const shown = setting.type === 'password' ? '(hidden)' : JSON.stringify(setting.id === ids.iceServers ? withoutCredentials(setting.value) : setting.value);
    this.getLogger().info(`setting ${setting.id} is now ${shown}; it applies from the next call`);
    if (setting.id !== ids.serviceUrl && setting.id !== ids.serviceSecret) return;
    const config = await readConfig(read);
    if (!config.serviceSecret) return;
    try {
      const health = await createServiceClient(http, config).health();
      this.getLogger().info(`call service at ${config.serviceUrl} answers (version ${health.version})`);
    } catch (err) {
      this.getLogger().warn(`call service check failed: ${err.message}`);
    }
  }

  /**
   * @param {{callId?: string}} job the scheduled job's data
   * @param {import('./lib/call-lifecycle').Ctx} ctx
   */
  async onRingTimeout(job, ctx) {
    const found = await findCall(ctx.read, job.callId);
    if (found) await applyEvent(ctx, found, 'timeout', 'system');
  }

  /**
   * Join call / End call pressed by an agent in Rocket.Chat.
   * @param {import('@rocket.chat/apps-engine/definition/uikit').UIKitBlockInteractionContext} context
   * @param {import('@rocket.chat/apps-engine/definition/accessors').IRead} read
   * @param {import('@rocket.chat/apps-engine/definition/accessors').IHttp} http
   * @param {import('@rocket.chat/apps-engine/definition/accessors').IPersistence} persis
   * @param {import('@rocket.chat/apps-engine/definition/accessors').IModify} modify
   */
  async executeBlockActionHandler(context, read, http, persis, modify) {
    const data = context.getInteractionData();
    const ctx = { app: this, read, modify, http, persis };
    await this.pressButton(ctx, data, { user: data.user }, data.room);
    return context.getInteractionResponder().successResponse();
  }

  /**
   * Join call / End call pressed by a visitor in the LiveChat widget.
   * @param {import('@rocket.chat/apps-engine/definition/uikit/livechat').UIKitLivechatBlockInteractionContext} context
   * @param {import('@rocket.chat/apps-engine/definition/accessors').IRead} read
   * @param {import('@rocket.chat/apps-engine/definition/accessors').IHttp} http
   * @param {import('@rocket.chat/apps-engine/definition/accessors').IPersistence} persis
   * @param {import('@rocket.chat/apps-engine/definition/accessors').IModify} modify
   */
  async executeLivechatBlockActionHandler(context, read, http, persis, modify) {
    const data = context.getInteractionData();
    const ctx = { app: this, read, modify, http, persis };
    await this.pressButton(ctx, data, { visitorToken: data.visitor && data.visitor.token ? data.visitor.token : '' }, data.room);
    return context.getInteractionResponder().successResponse();
  }

  /** @param {import('./lib/call-lifecycle').Ctx} ctx */
  async pressButton(ctx, data, who, room) {
    if (data.actionId !== ACTIONS.join && data.actionId !== ACTIONS.end) return;
    const party = who.user ? 'agent' : 'visitor';
    try {
      const found = await callForButton(ctx, data.value, who);
      if (data.actionId === ACTIONS.end) await applyEvent(ctx, found, 'end', party);
      else if (party === 'visitor') await offerVisitorLink(ctx, found);
      else if (found.call.provider === 'WebRTC') await this.sendJoinLink(ctx, found.call, who.user, room);
      // For Jitsi, the button itself carries the room URL.
    } catch (err) {
      if (err && (err.name === 'CallError' || err.name === 'CallServiceError')) {
        if (err.name === 'CallServiceError') this.getLogger().error(err.message);
        if (who.user && room) await this.tellUser(ctx, who.user, room, `The call button did nothing: ${err.message}.`);
        return;
      }
      throw err;
    }
  }

  /**
   * The conversation closed: a ringing call is missed, a call in progress ends.
   * @param {import('@rocket.chat/apps-engine/definition/livechat').ILivechatRoom} room
   * @param {import('@rocket.chat/apps-engine/definition/accessors').IRead} read
   * @param {import('@rocket.chat/apps-engine/definition/accessors').IHttp} http
   * @param {import('@rocket.chat/apps-engine/definition/accessors').IPersistence} persis
   * @param {import('@rocket.chat/apps-engine/definition/accessors').IModify} modify
   */
  async executePostLivechatRoomClosed(room, read, http, persis, modify) {
    const found = await latestCallInRoom(read, room.id);
    if (found) await applyEvent({ app: this, read, modify, http, persis }, found, 'room-closed', 'system');
  }

  /** The agent's own link to the call page (it holds a token, so only the agent sees it). */
  async sendJoinLink(ctx, call, user, room) {
    const join = await joinInfo(ctx, call, 'agent');
    if (join && join.joinUrl) await this.tellUser(ctx, user, room, `Join the call: ${join.joinUrl}`);
  }

  /** @param {import('./lib/call-lifecycle').Ctx} ctx */
  async tellUser(ctx, user, room, text) {
    const appUser = await ctx.read.getUserReader().getAppUser();
    const message = ctx.modify.getCreator().startMessage().setRoom(room).setText(text);
    if (appUser) message.setSender(appUser);
    await ctx.modify.getNotifier().notifyUser(user, message.getMessage());
  }
}

exports.LivechatCallsApp = LivechatCallsApp;
