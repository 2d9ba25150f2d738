import fc from "fast-check";
import type { Stmt } from "../ast.js";
import type { Draft, Normalizer, StmtOf } from "./normalize.js";
import { MET, meeting, patienceKey, sharedId, sharedKey } from "./shared.js";
import { statementKind, type RawStmt, type StatementArbitrary } from "./types.js";

// Rule 8 (shared objects): `send`, `receive` and `close` are each the
// first thing their task does after a sleep of its own, so the first thing
// at their instant (rule 1). What a send or receive finds (a waiting
// partner, room or a value in the buffer, a closed end) and the order of
// the waiters are decided by earlier instants; a hand-over to a waiter is
// a committed grant (the value is the waiter's even if it is cancelled
// before it runs), and a close wakes its waiters with an error and a
// cancellation check, both the same wherever the waiter's turn falls. Each
// send and receive has a patience deadline of its own, so nothing waits
// forever (a receive with no sender, a send nobody takes). Channel errors
// are logged, not thrown, so a closed end never fails a task.

/** A channel's capacity, as its first use in the program says. */
const capacity = fc.constantFrom(0, 1, 2);

/** Sleep, patience, channel key and capacity of one send or receive. */
const op = (timeKey: fc.Arbitrary<number>): fc.Arbitrary<RawOp> =>
  fc
    .tuple(timeKey, patienceKey(timeKey), sharedKey, capacity)
    .map(([t, p, key, cap]) => ({ t, p, key, cap }));

interface RawOp {
  readonly t: number;
  readonly p: number;
  readonly key: number;
  readonly cap: number;
}

function channelOf(n: Normalizer, key: number, cap: number) {
  const channel = sharedId("ch", key);
  return { channel, capacity: n.shared(channel, cap) };
}

/** Gives a send or receive its sleep and patience and notes the end its task used. */
function timedOp<S extends Draft<StmtOf<"send">> | Draft<StmtOf<"receive">>>(
  n: Normalizer,
  task: string,
  { t, p }: RawOp,
  s: S,
): S {
  n.time(t, (ms) => (s.after = ms));
  n.time(p, (ms) => (s.patience = ms));
  n.usedEnd(task, s.channel, s.kind);
  return s;
}

function sendRaw(raw: RawOp): RawStmt {
  return {
    normalize: (n, place): Stmt =>
      timedOp(n, place.task, raw, {
        kind: "send",
        id: n.id("d"),
        after: 0,
        ...channelOf(n, raw.key, raw.cap),
        patience: 0,
      }),
  };
}

function receiveRaw(raw: RawOp): RawStmt {
  return {
    normalize: (n, place): Stmt =>
      timedOp(n, place.task, raw, {
        kind: "receive",
        after: 0,
        ...channelOf(n, raw.key, raw.cap),
        patience: 0,
      }),
  };
}

/**
 * `sleep(d); send v` into one of the program's two channels (capacity 0, 1
 * or 2), with a patience deadline; sometimes a nursery of a sender and a
 * receiver of one channel (see `meeting`).
 */
export const sendStatement: StatementArbitrary = statementKind({
  name: "send",
  weight: 0.25,
  nests: false,
  arbitrary: (tools) =>
    tools.features.channel
      ? meeting(
          tools,
          op(tools.timeKey).map(sendRaw),
          fc
            .tuple(op(tools.timeKey), op(tools.timeKey))
            .map(([s, r]) => [sendRaw(s), receiveRaw({ ...r, key: s.key })]),
          MET,
        )
      : null,
});

/**
 * `sleep(d); receive` from one of the program's two channels, with a
 * patience deadline; sometimes a nursery of two receivers and a sender of
 * one channel (see `meeting`).
 */
export const receiveStatement: StatementArbitrary = statementKind({
  name: "receive",
  weight: 0.25,
  nests: false,
  arbitrary: (tools) =>
    tools.features.channel
      ? meeting(
          tools,
          op(tools.timeKey).map(receiveRaw),
          fc
            .tuple(op(tools.timeKey), op(tools.timeKey), op(tools.timeKey))
            .map(([r1, r2, s]) => [
              receiveRaw(r1),
              receiveRaw({ ...r2, key: r1.key }),
              sendRaw({ ...s, key: r1.key }),
            ]),
          MET,
        )
      : null,
});

/**
 * `sleep(d); close` of a channel end its task used before: a producer
 * closing its send end after sending, a consumer its receive end after
 * receiving. Left out where the task used no channel yet.
 */
export const closeStatement: StatementArbitrary = statementKind({
  name: "close",
  weight: 0.25,
  nests: false,
  arbitrary: ({ timeKey, features }) =>
    features.channel && features.closeChannel
      ? fc.tuple(timeKey, fc.nat({ max: 3 })).map(([t, key]): RawStmt => ({
          normalize(n, place): Stmt | null {
            const used = n.endsUsedBy(place.task);
            if (used.length === 0) return null;
            // The most recently used first: stable while the program shrinks.
            const { channel, end } = used[used.length - 1 - (key % used.length)]!;
            const s: Draft<StmtOf<"close">> = {
              kind: "close",
              after: 0,
              channel,
              capacity: n.shared(channel, 0),
              end,
            };
            n.time(t, (ms) => (s.after = ms));
            return s;
          },
        }))
      : null,
});
