'use strict';
// The App's settings: their definitions (ids, types, defaults, sections), the
// check each value must pass, and reading them all at the start of each call.
//
// Where Rocket.Chat has a setting for the same thing, the id, type and default
// are Rocket.Chat's (WebRTC_*, Omnichannel_call_provider, Jitsi_*), so admins
// find what they know. Values are read fresh for every call: a change takes
// effect at the next call, without a restart.

// URL from 'url': the Apps-Engine 1.42 sandbox has no URL global.
const { URL } = require('url');
const { SettingType } = require('@rocket.chat/apps-engine/definition/settings');
const { parseIceServers } = require('../../common/webrtc-servers');

const ids = {
  enabled: 'WebRTC_Enabled',
  provider: 'Omnichannel_call_provider',
  iceServers: 'WebRTC_Servers',
  jitsiDomain: 'Jitsi_Domain',
  jitsiPrefix: 'Jitsi_URL_Room_Prefix',
  jitsiSuffix: 'Jitsi_URL_Room_Suffix',
  jitsiHash: 'Jitsi_URL_Room_Hash',
  jitsiSsl: 'Jitsi_SSL',
  recording: 'LivechatCalls_Recording',
  relayPolicy: 'LivechatCalls_Relay_Policy',
  ringTimeout: 'LivechatCalls_Ring_Timeout',
  serviceUrl: 'LivechatCalls_Service_URL',
  serviceSecret: 'LivechatCalls_Service_Secret',
  joinLinkTtl: 'LivechatCalls_Join_Link_TTL',
  rocketchatUrl: 'LivechatCalls_Rocketchat_URL',
};

const PROVIDERS = ['none', 'WebRTC', 'Jitsi'];
const RECORDING = ['off', 'always', 'agent'];
const RELAY_POLICIES = ['fallback', 'always', 'never'];
const RING_TIMEOUT = { min: 5, max: 600 };
const JOIN_LINK_TTL = { min: 10, max: 600 };
const MIN_SECRET_LENGTH = 16;

function select(values, prefix) {
  return values.map((key) => ({ key, i18nLabel: `${prefix}_${key}` }));
}

/**
 * Every setting, in the order the admin sees them, with Rocket.Chat's defaults where it has one.
 * @type {import('@rocket.chat/apps-engine/definition/settings').ISetting[]}
 */
const definitions = [
  { id: ids.enabled, type: SettingType.BOOLEAN, packageValue: false, section: 'Calls' },
  { id: ids.provider, type: SettingType.SELECT, packageValue: 'none', values: select(PROVIDERS, 'Omnichannel_call_provider'), section: 'Calls' },
  { id: ids.recording, type: SettingType.SELECT, packageValue: 'off', values: select(RECORDING, 'LivechatCalls_Recording'), section: 'Calls' },
  { id: ids.ringTimeout, type: SettingType.NUMBER, packageValue: 30, section: 'Calls' },
  { id: ids.joinLinkTtl, type: SettingType.NUMBER, packageValue: 60, section: 'Calls' },
  { id: ids.iceServers, type: SettingType.STRING, packageValue: '', section: 'WebRTC' },
  { id: ids.relayPolicy, type: SettingType.SELECT, packageValue: 'fallback', values: select(RELAY_POLICIES, 'LivechatCalls_Relay_Policy'), section: 'WebRTC' },
  { id: ids.serviceUrl, type: SettingType.STRING, packageValue: 'http://localhost:3000', section: 'Call_service' },
  { id: ids.serviceSecret, type: SettingType.PASSWORD, packageValue: '', section: 'Call_service' },
  { id: ids.rocketchatUrl, type: SettingType.STRING, packageValue: '', section: 'Call_service' },
  { id: ids.jitsiDomain, type: SettingType.STRING, packageValue: 'meet.jit.si', section: 'Jitsi' },
  { id: ids.jitsiPrefix, type: SettingType.STRING, packageValue: 'RocketChat', section: 'Jitsi' },
  { id: ids.jitsiSuffix, type: SettingType.STRING, packageValue: '', section: 'Jitsi' },
  { id: ids.jitsiHash, type: SettingType.BOOLEAN, packageValue: true, section: 'Jitsi' },
  { id: ids.jitsiSsl, type: SettingType.BOOLEAN, packageValue: true, section: 'Jitsi' },
].map((s) => ({
  required: false,
  public: false,
  i18nLabel: `${s.id}_Label`,
  i18nDescription: `${s.id}_Description`,
  ...s,
}));

const JITSI_DOMAIN_RE = /^(?=.{1,253}(?::|$))[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::[0-9]{1,5})?$/;
// A room name part must not change the URL's structure.
const JITSI_NAME_PART_RE = /^[^\s/?#%\\]*$/;

function expectBoolean(v) {
  return typeof v === 'boolean' ? null : 'must be true or false';
}

function expectOneOf(values) {
  return (v) => (values.includes(v) ? null : `must be one of ${values.join(', ')}`);
}

/** A whole number of seconds in [min, max] (some hosts hand numbers over as strings). */
function expectSeconds({ min, max }) {
  return (v) => {
    const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
    return Number.isInteger(n) && n >= min && n <= max ? null : `must be a whole number of seconds from ${min} to ${max}`;
  };
}

/** Rocket.Chat's own URL as the call service reaches it: empty (Site_Url is used) or http(s) without a query. */
function checkRocketchatUrl(v) {
  if (v === '') return null;
  let url;
  try {
    url = new URL(String(v));
  } catch {
    return 'must be empty (Site_Url is used) or an http:// or https:// URL, such as http://rocketchat.internal:3000';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must start with http:// or https://';
  if (url.username || url.password || url.search || url.hash) return 'must not hold a user name, password, query string or fragment';
  return null;
}

function checkServiceUrl(v) {
  let url;
  try {
    url = new URL(String(v));
  } catch {
    return 'must be an http:// or https:// URL, such as http://calls.example.com:3000';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must start with http:// or https://';
  if (url.username || url.password) return 'must not hold a user name or password (the shared secret authenticates the App)';
  if (url.search || url.hash) return 'must not have a query string or fragment';
  // The service serves /api, /ws and /call at its root, and the App signs the exact path.
  if (url.pathname !== '/') return 'must not have a path: the call service answers at the root of its host (e.g. https://calls.example.com)';
  return null;
}

/** id -> check(value) returning null when good, else what is wrong. */
const checks = {
  [ids.enabled]: expectBoolean,
  [ids.provider]: expectOneOf(PROVIDERS),
  [ids.recording]: expectOneOf(RECORDING),
  [ids.relayPolicy]: expectOneOf(RELAY_POLICIES),
  [ids.jitsiHash]: expectBoolean,
  [ids.jitsiSsl]: expectBoolean,
  [ids.ringTimeout]: expectSeconds(RING_TIMEOUT),
  [ids.joinLinkTtl]: expectSeconds(JOIN_LINK_TTL),
  [ids.rocketchatUrl]: checkRocketchatUrl,
  [ids.iceServers]: (v) => {
    if (typeof v !== 'string') return "must be text in Rocket.Chat's format: stun:host:port, user:password@turn:host:port";
    try {
      parseIceServers(v);
      return null;
    } catch (err) {
      return err.message.replace(/^iceServers /, '');
    }
  },
  [ids.jitsiDomain]: (v) => (typeof v === 'string' && JITSI_DOMAIN_RE.test(v) ? null : 'must be a host name, optionally with :port, such as meet.jit.si'),
  [ids.jitsiPrefix]: (v) => (typeof v === 'string' && JITSI_NAME_PART_RE.test(v) ? null : 'must not hold spaces, /, ?, #, % or \\'),
  [ids.jitsiSuffix]: (v) => (typeof v === 'string' && JITSI_NAME_PART_RE.test(v) ? null : 'must not hold spaces, /, ?, #, % or \\'),
  [ids.serviceUrl]: checkServiceUrl,
  [ids.serviceSecret]: (v) => (typeof v === 'string' && (v === '' || v.length >= MIN_SECRET_LENGTH)
    ? null : `must be at least ${MIN_SECRET_LENGTH} characters (the same secret as the call service's)`),
};

/**
 * Checks one setting's new value.
 * @returns {string|null} null when the value is good, else a sentence for the admin
 */
function checkSetting(id, value) {
  const check = checks[id];
  if (!check) return null;
  const problem = check(value);
  return problem ? `${id} ${problem}.` : null;
}

/** A setting's value as used: select/number settings may come back as strings from some hosts. */
function normalize(id, value) {
  if (id === ids.ringTimeout || id === ids.joinLinkTtl) return Number(value);
  return value;
}

/**
 * Reads every setting, as they are now.
 * @param {import('@rocket.chat/apps-engine/definition/accessors').IRead} read
 * @returns {Promise<Record<keyof typeof ids, any>>}
 */
async function readConfig(read) {
  const reader = read.getEnvironmentReader().getSettings();
  const entries = await Promise.all(Object.entries(ids).map(async ([name, id]) => [name, normalize(id, await reader.getValueById(id))]));
  return Object.fromEntries(entries);
}

module.exports = { ids, definitions, checkSetting, readConfig, MIN_SECRET_LENGTH };
