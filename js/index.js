'use strict';
/**
 * livechat-calls: server-side media for Rocket.Chat LiveChat calls.
 *
 * ```js
 * const { MediaServer, parseIceServers } = require('livechat-calls');
 * const media = new MediaServer({ listenAddresses: ['127.0.0.1'] });
 * const call = media.createCall({ id: 'room42-call7' });
 * const answer = await call.answer('visitor', offerSdp);
 * ```
 * See docs/api.md for the full reference.
 * @module livechat-calls
 */

const { MediaServer } = require('./api/media-server');
const { Call } = require('./api/call');
const { parseIceServers } = require('./api/ice-servers');
const { LccError, errorCodes } = require('./api/errors');

module.exports = { MediaServer, Call, parseIceServers, LccError, errorCodes };
