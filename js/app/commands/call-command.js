'use strict';
// The /call slash command, for the agent serving a LiveChat room:
//   /call          start an audio call (or show the one already live)
//   /call video    start a video call
//   /call record   start a call and record it (when recording is "agent chooses"); with video: /call video record
//   /call end      end the room's call
// Outcomes and refusals go to the agent alone, as an ephemeral message.

const { agentStart, agentEnd } = require('../lib/call-actions');

const USAGE = 'Usage: /call [video] [record], or /call end';
const START_WORDS = new Set(['video', 'record']);

async function tellUser(read, modify, user, room, text) {
  const appUser = await read.getUserReader().getAppUser();
  const message = modify.getCreator().startMessage().setRoom(room).setText(text);
  if (appUser) message.setSender(appUser);
  await modify.getNotifier().notifyUser(user, message.getMessage());
}

class CallCommand {
  constructor(app) {
    this.app = app;
    this.command = 'call';
    this.i18nParamsExample = 'Call_Command_Params';
    this.i18nDescription = 'Call_Command_Description';
    this.providesPreview = false;
  }

  async executor(context, read, modify, http, persis) {
    const user = context.getSender();
    const room = context.getRoom();
    const args = context.getArguments().map((a) => a.toLowerCase());
    const ctx = { app: this.app, read, modify, http, persis };
    let reply;
    try {
      if (args.every((a) => START_WORDS.has(a)) && new Set(args).size === args.length) {
        const { call, created } = await agentStart(ctx, user, room.id, { record: args.includes('record'), video: args.includes('video') });
        reply = created ? null : `A call is already ${call.callStatus === 'ringing' ? 'ringing' : 'in progress'} in this room.`;
      } else if (args.length === 1 && args[0] === 'end') {
        await agentEnd(ctx, user, room.id);
      } else {
        reply = USAGE;
      }
    } catch (err) {
      if (err && err.name === 'CallError' && err.status === 403) reply = 'Only the agent serving this conversation can use /call here.';
      else if (err && (err.name === 'CallError' || err.name === 'CallServiceError')) reply = `The call could not be started or ended: ${err.message}.`;
      else throw err;
      if (err.name === 'CallServiceError') this.app.getLogger().error(err.message);
    }
    if (reply) await tellUser(read, modify, user, room, reply);
  }
}

module.exports = { CallCommand };
