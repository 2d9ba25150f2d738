/**
 * Schedules a macrotask: `setImmediate` where it exists (Node: runs right
 * after I/O polling, after due timers), else a `MessageChannel` message
 * (browsers), else `setTimeout(0)` (clamped to ≥1 ms, so only a fallback).
 * The runtime continues from one when its fairness budget is spent.
 *
 * @internal
 */
export const nextMacrotask: (fn: () => void) => void = (() => {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (typeof g.setImmediate === "function") {
    const setImmediate = g.setImmediate;
    return (fn) => void setImmediate(fn);
  }
  if (typeof MessageChannel === "function") {
    const queue: (() => void)[] = [];
    const channel = new MessageChannel();
    // Where ports keep a process alive (Node-like hosts without
    // setImmediate), keep ours referenced only while a message is pending.
    const port = channel.port1 as MessagePort & { ref?(): void; unref?(): void };
    port.onmessage = () => {
      const fn = queue.shift();
      if (queue.length === 0) port.unref?.();
      fn?.();
    };
    port.unref?.();
    return (fn) => {
      queue.push(fn);
      port.ref?.();
      channel.port2.postMessage(null);
    };
  }
  return (fn) => void setTimeout(fn, 0);
})();
