'use strict';
// The two parties of a call, named once for the service, the App, the add-on's
// JS API and the browser pages' server side. A party is a seat in the call
// (docs/architecture.md, "Words"): whoever holds that party's token sits in it.

/** Every party, visitor first (the order of loops and of summaries). */
const PARTIES = Object.freeze(['visitor', 'agent']);

/** The same, for membership tests. @type {ReadonlySet<string>} */
const PARTY_SET = new Set(PARTIES);

/** The party across the call from each party. */
const OTHER = Object.freeze({ visitor: 'agent', agent: 'visitor' });

/**
 * @param {unknown} value
 * @returns {value is 'visitor'|'agent'}
 */
function isParty(value) {
  return PARTY_SET.has(/** @type {string} */ (value));
}

module.exports = { PARTIES, PARTY_SET, OTHER, isParty };
