// A tiny event emitter for the browser client (no Node EventEmitter in browsers).
// A throwing listener does not stop the others: its error is rethrown on a
// microtask so it still reaches the console (window.onerror).

/** Minimal on/off/once/emit. */
export class Emitter {
  constructor() {
    /** @type {Map<string, Set<Function>>} */
    this._listeners = new Map();
  }

  /**
   * Adds a listener.
   * @param {string} type
   * @param {Function} fn
   * @returns {this}
   */
  on(type, fn) {
    if (typeof fn !== 'function') throw new TypeError('listener must be a function');
    if (!this._listeners.has(type)) this._listeners.set(type, new Set());
    this._listeners.get(type).add(fn);
    return this;
  }

  /**
   * Removes a listener (also one added with once()).
   * @param {string} type
   * @param {Function} fn
   * @returns {this}
   */
  off(type, fn) {
    const set = this._listeners.get(type);
    if (!set) return this;
    for (const l of set) if (l === fn || l._original === fn) set.delete(l);
    return this;
  }

  /**
   * Adds a listener that runs once.
   * @param {string} type
   * @param {Function} fn
   * @returns {this}
   */
  once(type, fn) {
    const wrapper = (...args) => {
      this.off(type, wrapper);
      fn.apply(this, args);
    };
    wrapper._original = fn;
    return this.on(type, wrapper);
  }

  /**
   * Calls the listeners of `type` with `args`.
   * @param {string} type
   * @param {...unknown} args
   * @returns {boolean} whether there were listeners
   */
  emit(type, ...args) {
    const set = this._listeners.get(type);
    if (!set || set.size === 0) return false;
    for (const fn of [...set]) {
      try {
        fn.apply(this, args);
      } catch (err) {
        queueMicrotask(() => { throw err; });
      }
    }
    return true;
  }

  /**
   * Number of listeners of `type`.
   * @param {string} type
   * @returns {number}
   */
  listenerCount(type) {
    const set = this._listeners.get(type);
    return set ? set.size : 0;
  }
}
