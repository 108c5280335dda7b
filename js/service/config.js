'use strict';
// The call service's configuration for `npm start`: environment variables on
// top of embedded defaults, so that a fresh checkout runs with no set-up.
// Every variable is listed in ENV (docs/deployment.md repeats the table); a
// malformed value stops the start with a message naming the variable.

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { parseIceServers } = require('../api/ice-servers');
const { hostName } = require('./http/host-check');
const { servesThisMachineOnly } = require('./http/exposure');
const { originList } = require('./options');

/** Each variable: what it sets, and its default. */
const ENV = Object.freeze({
  LCC_HOST: 'address the HTTP server binds (default localhost: both 127.0.0.1 and ::1)',
  LCC_PORT: 'HTTP port (default 3000)',
  LCC_PUBLIC_URL: 'URL browsers and the App reach the service at (default http://HOST:PORT)',
  LCC_SECRET: "shared secret with the Rocket.Chat App (default: generated once, kept in DATA_DIR/secret)",
  LCC_DATA_DIR: 'call sessions store (default ./data)',
  LCC_RECORDINGS_DIR: 'recordings (default ./recordings)',
  LCC_RETENTION_DAYS: 'delete recordings older than this (default 0: keep)',
  LCC_LISTEN_ADDRESSES: 'comma-separated IPs for media host candidates (default: every interface)',
  LCC_ANNOUNCED_ADDRESS: 'public IP announced in candidates when behind 1:1 NAT (default none)',
  LCC_MEDIA_PORTS: 'UDP/TCP port range for media, MIN-MAX (default 40000-49999)',
  LCC_ICE_SERVERS: "STUN/TURN for the server's own ICE agents, in Rocket.Chat's WebRTC_Servers format",
  LCC_ICE_TCP: 'set 1 to also offer ICE over TCP on the media ports (default 0: TCP-only parties come through TURN)',
  LCC_ALLOW_PRIVATE_CANDIDATES: "set 0 so the server never checks parties' candidates in private ranges (default 1)",
  LCC_TURN_SECRET: 'coturn static-auth-secret: the service mints short-lived TURN credentials',
  LCC_TURN_URLS: 'comma-separated turn:/turns: URLs of that coturn',
  LCC_TURN_TTL: 'lifetime of minted TURN credentials in seconds (default 3600)',
  LCC_MAX_CALLS: 'concurrent calls (default 1000)',
  LCC_MAX_CONNECTIONS_PER_IP: 'concurrent signalling sockets per client IP (default 20)',
  LCC_WS_MESSAGES_PER_SECOND: 'messages a WebSocket (/ws, /ring) may send per second after its burst (default 20)',
  LCC_WS_MESSAGE_BURST: 'messages a WebSocket may send at once (default 200)',
  LCC_WS_MAX_BUFFERED_BYTES: 'bytes the service may queue for one WebSocket that reads slowly (default 1048576)',
  LCC_FALLBACK_TIMEOUT_MS: 'how long peer-to-peer may take before calls move to the server (default 5000)',
  LCC_DEMO: 'serve the demo pages /visitor, /agent, /recordings (default: 1 on a loopback LCC_HOST with no LCC_PUBLIC_URL off loopback and no LCC_TRUST_PROXY, else 0)',
  LCC_TRUST_PROXY: 'set 1 behind a reverse proxy: per-address limits use the last X-Forwarded-For hop (default 0)',
  LCC_ALLOWED_HOSTS: 'comma-separated host names answered besides the public URL\'s host, the bound address and localhost (default none)',
  LCC_EMBED_ORIGINS: 'comma-separated origins (https://shop.example.com) that may frame the call overlay /call?embed=1 (default: any)',
  LCC_METRICS_TOKEN: 'when set, /metrics wants Authorization: Bearer <token> (default: open when only this machine reaches the service, else refused)',
  LCC_METRICS_REFRESH_SECONDS: 'how often the text /metrics serves is rendered (default 10)',
  LCC_TOKEN_TTL: 'lifetime of party tokens in seconds (default 7200)',
});

function configError(name, message) {
  return Object.assign(new Error(`${name} ${message}`), { code: 'ERR_INVALID_OPTION' });
}

function intVar(env, name, min, max) {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw configError(name, `must be a whole number ${min}–${max}, got '${raw}'`);
  }
  return Number(raw);
}

function listVar(env, name) {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * Creates dir for this user alone (0700: it holds the secret and the call
 * records), and tightens one an earlier version made group- or world-readable.
 */
function makePrivateDir(dir) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (fs.statSync(dir).mode & 0o077) fs.chmodSync(dir, 0o700);
}

/** The secret from LCC_SECRET, else the one kept in dataDir/secret (made on first start, mode 0600). */
function loadSecret(env, dataDir) {
  if (env.LCC_SECRET !== undefined && env.LCC_SECRET !== '') {
    if (env.LCC_SECRET.length < 16) throw configError('LCC_SECRET', 'must be at least 16 characters');
    return { secret: env.LCC_SECRET, source: 'LCC_SECRET' };
  }
  const file = path.join(dataDir, 'secret');
  makePrivateDir(dataDir);
  try {
    return { secret: fs.readFileSync(file, 'utf8').trim(), source: file };
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  const secret = crypto.randomBytes(32).toString('base64url');
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return { secret, source: file, created: true };
}

function mediaOptions(env, recordingsDir) {
  const media = { recordingsDir };
  const listen = listVar(env, 'LCC_LISTEN_ADDRESSES');
  if (listen) media.listenAddresses = listen;
  if (env.LCC_ANNOUNCED_ADDRESS) media.announcedAddress = env.LCC_ANNOUNCED_ADDRESS.trim();
  const retention = intVar(env, 'LCC_RETENTION_DAYS', 0, 36500);
  if (retention !== undefined) media.retentionDays = retention;
  if (env.LCC_MEDIA_PORTS) {
    const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(env.LCC_MEDIA_PORTS);
    if (!m) throw configError('LCC_MEDIA_PORTS', `must be MIN-MAX, e.g. 40000-49999, got '${env.LCC_MEDIA_PORTS}'`);
    media.ports = { min: Number(m[1]), max: Number(m[2]) };
  }
  for (const [flag, option] of [['LCC_ICE_TCP', 'iceTcp'], ['LCC_ALLOW_PRIVATE_CANDIDATES', 'allowPrivateCandidates']]) {
    if (env[flag] === undefined || env[flag] === '') continue;
    if (env[flag] !== '0' && env[flag] !== '1') throw configError(flag, `must be 0 or 1, got '${env[flag]}'`);
    media[option] = env[flag] === '1';
  }
  if (env.LCC_ICE_SERVERS) {
    try {
      media.iceServers = parseIceServers(env.LCC_ICE_SERVERS);
    } catch (err) {
      throw configError('LCC_ICE_SERVERS', err.message.replace(/^iceServers /, ''));
    }
  }
  return media;
}

/**
 * Reads the configuration for `npm start`.
 * @param {NodeJS.ProcessEnv} env
 * @param {string} cwd relative folders are taken from here
 * @returns {{service: object, demo: boolean, recordingsDir: string, secretSource: string, secretCreated: boolean}}
 *   service: createCallService() options
 * @throws {Error} code ERR_INVALID_OPTION naming the variable
 */
function configFromEnv(env, cwd) {
  const dataDir = path.resolve(cwd, env.LCC_DATA_DIR || 'data');
  const recordingsDir = path.resolve(cwd, env.LCC_RECORDINGS_DIR || 'recordings');
  const { secret, source, created = false } = loadSecret(env, dataDir);
  const service = {
    secret,
    host: env.LCC_HOST || 'localhost',
    port: intVar(env, 'LCC_PORT', 0, 65535) ?? 3000,
    dataDir,
    media: mediaOptions(env, recordingsDir),
  };
  if (env.LCC_PUBLIC_URL) service.publicUrl = env.LCC_PUBLIC_URL;
  else if (service.port !== 0 && !['0.0.0.0', '::'].includes(service.host)) {
    // The name as configured (http://localhost:3000), not the address it resolved to.
    service.publicUrl = `http://${service.host.includes(':') ? `[${service.host}]` : service.host}:${service.port}`;
  }
  const maxCalls = intVar(env, 'LCC_MAX_CALLS', 1, 1000000);
  if (maxCalls !== undefined) service.maxCalls = maxCalls;
  const perIp = intVar(env, 'LCC_MAX_CONNECTIONS_PER_IP', 1, 10000);
  if (perIp !== undefined) service.maxConnectionsPerIp = perIp;
  for (const [name, option, min, max] of [
    ['LCC_WS_MESSAGES_PER_SECOND', 'messagesPerSecond', 1, 10000],
    ['LCC_WS_MESSAGE_BURST', 'messageBurst', 1, 100000],
    ['LCC_WS_MAX_BUFFERED_BYTES', 'maxBufferedBytes', 65536, 1024 ** 3],
  ]) {
    const value = intVar(env, name, min, max);
    if (value !== undefined) service[option] = value;
  }
  const fallback = intVar(env, 'LCC_FALLBACK_TIMEOUT_MS', 500, 60000);
  if (fallback !== undefined) service.fallbackTimeoutMs = fallback;
  for (const flag of ['LCC_DEMO', 'LCC_TRUST_PROXY']) {
    if (env[flag] !== undefined && !['0', '1'].includes(env[flag])) throw configError(flag, `must be 0 or 1, got '${env[flag]}'`);
  }
  if (env.LCC_TRUST_PROXY === '1') service.trustProxy = true;
  const allowedHosts = listVar(env, 'LCC_ALLOWED_HOSTS');
  if (allowedHosts) {
    const bad = allowedHosts.find((h) => hostName(h) === null || /:\d+$/.test(h));
    if (bad !== undefined) throw configError('LCC_ALLOWED_HOSTS', `must be host names without port or scheme, got '${bad}'`);
    service.allowedHosts = allowedHosts;
  }
  if (env.LCC_METRICS_TOKEN) {
    if (env.LCC_METRICS_TOKEN.length < 16) throw configError('LCC_METRICS_TOKEN', 'must be at least 16 characters');
    service.metricsToken = env.LCC_METRICS_TOKEN;
  }
  const embedOrigins = listVar(env, 'LCC_EMBED_ORIGINS');
  if (embedOrigins) {
    try {
      service.embedOrigins = originList(embedOrigins);
    } catch {
      throw configError('LCC_EMBED_ORIGINS', `must be origins such as https://shop.example.com, got '${env.LCC_EMBED_ORIGINS}'`);
    }
  }
  const metricsRefresh = intVar(env, 'LCC_METRICS_REFRESH_SECONDS', 1, 3600);
  if (metricsRefresh !== undefined) service.metricsRefreshSeconds = metricsRefresh;
  const tokenTtl = intVar(env, 'LCC_TOKEN_TTL', 60, 7 * 86400);
  if (tokenTtl !== undefined) service.tokenTtlSeconds = tokenTtl;
  // The demo has no login: on by default only where nobody else can reach it
  // (a loopback address, and no public URL or proxy in front: http/exposure.js).
  const demo = env.LCC_DEMO === undefined ? servesThisMachineOnly(service) : env.LCC_DEMO === '1';
  return { service, demo, recordingsDir, secretSource: source, secretCreated: created };
}

module.exports = { configFromEnv, ENV };
