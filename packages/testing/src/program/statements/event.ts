import fc from "fast-check";
import type { Draft, StmtOf } from "./normalize.js";
import { MET, meeting, patienceKey, sharedId, sharedKey } from "./shared.js";
import { statementKind, type RawStmt, type StatementArbitrary } from "./types.js";

// Rule 8 (shared objects): `set` and `wait` are each the first thing their
// task does after a sleep of its own, so (rule 1) the first thing at their
// instant: whether the event is set when a wait begins, and which waiters
// a set wakes, are decided by earlier instants, never by where a displaced
// first step runs. A wait's patience is a deadline of its own (a distinct
// power of two), so it fires first at its instant, never together with a
// set; a waiter that a set woke resumes with a cancellation check, so a
// cancellation of the same instant is a cancellation, on both paths.

function setRaw(t: number, key: number): RawStmt {
  return {
    normalize(n) {
      const s: Draft<StmtOf<"set">> = { kind: "set", after: 0, event: sharedId("ev", key) };
      n.time(t, (ms) => (s.after = ms));
      return s;
    },
  };
}

function waitRaw(t: number, p: number, key: number): RawStmt {
  return {
    normalize(n) {
      const s: Draft<StmtOf<"wait">> = {
        kind: "wait",
        after: 0,
        event: sharedId("ev", key),
        patience: 0,
      };
      n.time(t, (ms) => (s.after = ms));
      n.time(p, (ms) => (s.patience = ms));
      return s;
    },
  };
}

/** `sleep(d); set e` of one of the program's two events. */
export const setStatement: StatementArbitrary = statementKind({
  name: "set",
  weight: 0.25,
  nests: false,
  arbitrary: ({ timeKey, features }) =>
    features.event ? fc.tuple(timeKey, sharedKey).map(([t, key]) => setRaw(t, key)) : null,
});

/**
 * `sleep(d); wait e` with a patience deadline, of one of the program's two
 * events; sometimes a nursery of one or two waiters and a setter of one
 * event (see `meeting`).
 */
export const waitStatement: StatementArbitrary = statementKind({
  name: "wait",
  weight: 0.25,
  nests: false,
  arbitrary: (tools) => {
    if (!tools.features.event) return null;
    const wait = fc.tuple(tools.timeKey, patienceKey(tools.timeKey));
    return meeting(
      tools,
      fc.tuple(wait, sharedKey).map(([[t, p], key]) => waitRaw(t, p, key)),
      fc
        .record({
          key: sharedKey,
          waits: fc.array(wait, { minLength: 1, maxLength: 2 }),
          set: tools.timeKey,
        })
        .map(({ key, waits, set }) => [
          ...waits.map(([t, p]) => waitRaw(t, p, key)),
          setRaw(set, key),
        ]),
      MET,
    );
  },
});
