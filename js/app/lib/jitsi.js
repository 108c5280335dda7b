'use strict';
// The Jitsi room URL for a LiveChat room, built exactly as Rocket.Chat builds
// it (resolveJitsiCallUrl in Rocket.Chat's videobridge), so that a call
// started from this App lands in the same Jitsi room Rocket.Chat's own
// button would open:
//
//   (Jitsi_SSL ? https : http)://Jitsi_Domain/Jitsi_URL_Room_Prefix + NAME + Jitsi_URL_Room_Suffix
//   NAME = Jitsi_URL_Room_Hash ? uniqueID + roomId : encodeURIComponent(room name)
//
// With the hash off, the name is guessable; Rocket.Chat recommends the hash
// for any Jitsi without authentication, and so does docs/admin-guide.md.

/**
 * @param {{jitsiDomain: string, jitsiPrefix: string, jitsiSuffix: string, jitsiHash: boolean, jitsiSsl: boolean}} config
 * @param {{id: string, slugifiedName?: string, displayName?: string}} room
 * @param {string} uniqueId the Rocket.Chat server's `uniqueID` setting
 * @returns {string}
 */
function jitsiRoomUrl(config, room, uniqueId) {
  const name = config.jitsiHash
    ? `${uniqueId || ''}${room.id}`
    : encodeURIComponent(room.slugifiedName || room.displayName || room.id);
  const scheme = config.jitsiSsl ? 'https://' : 'http://';
  return `${scheme}${config.jitsiDomain}/${config.jitsiPrefix || ''}${name}${config.jitsiSuffix || ''}`;
}

module.exports = { jitsiRoomUrl };
