'use strict';
// How error messages quote a value. Shared by js/api and the App (js/app).

/** A short, quoted description of a value for error messages: 'abc', 42, an object. */
function describe(value) {
  if (typeof value === 'string') return `'${value.length > 80 ? `${value.slice(0, 77)}...` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  return `an ${typeof value}`;
}

module.exports = { describe };
