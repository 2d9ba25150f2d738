// Laws of channels, on generated programs: producers and consumers with
// their own delays and deadlines, started eagerly or lazily, over channels
// of every kind of capacity. Whatever is cancelled when, no value is lost,
// none is delivered twice, a cancelled send delivers nothing, and each
// producer's values arrive in the order it sent them.
import {
  CancelScope,
  EndOfChannel,
  BrokenResourceError,
  channel,
  checkpoint,
  nursery,
  sleep,
  type ReceiveEnd,
  type SendEnd,
} from "@copse/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runVirtual, start, valueOf, type Path } from "./helpers.js";

interface Party {
  readonly path: Path;
  /** Sleep after each value. */
  readonly delays: readonly number[];
  /** When its scope's deadline passes (Infinity: never). */
  readonly deadline: number;
  /** Another task cancels its scope at this time, after this many turns of its own. */
  readonly kill: { readonly at: number; readonly turns: number } | null;
}

const killArb = fc.option(
  fc.record({ at: fc.integer({ min: 0, max: 25 }), turns: fc.integer({ min: 0, max: 3 }) }),
);

const producerArb = fc.record({
  path: fc.constantFrom<Path>("lazy", "eager"),
  delays: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 5 }),
  deadline: fc.integer({ min: 0, max: 25 }), // producers always end
  kill: killArb,
});
const consumerArb = fc.record({
  path: fc.constantFrom<Path>("lazy", "eager"),
  delays: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 5 }),
  deadline: fc.oneof(fc.integer({ min: 0, max: 25 }), fc.constant(Infinity)),
  kill: killArb,
});

/** Cancels `scope` between two turns: at `kill.at`, after `kill.turns` checkpoints. */
function* killer(scope: CancelScope, kill: { at: number; turns: number }) {
  yield* sleep(kill.at);
  for (let i = 0; i < kill.turns; i++) yield* checkpoint();
  scope.cancel();
}

function* producer(
  send: SendEnd<number>,
  id: number,
  scope: CancelScope,
  me: Party,
  committed: number[],
) {
  try {
    yield* scope.run(function* () {
      for (let i = 0; i < me.delays.length; i++) {
        const value = id * 100 + i;
        yield* send.send(value);
        committed.push(value); // the send returned: the value is the channel's now
        yield* sleep(me.delays[i]!);
      }
    });
  } catch (error) {
    if (!(error instanceof BrokenResourceError)) throw error;
  } finally {
    send.close();
  }
}

function* consumer(receive: ReceiveEnd<number>, scope: CancelScope, me: Party, got: number[]) {
  try {
    yield* scope.run(function* () {
      for (let i = 0; ; i++) {
        got.push(yield* receive.receive());
        yield* sleep(me.delays[i % me.delays.length]!);
      }
    });
  } catch (error) {
    if (!(error instanceof EndOfChannel)) throw error;
  } finally {
    receive.close();
  }
}

/** What is left in the buffer (every send end is closed by now). */
function drain(receive: ReceiveEnd<number>): number[] {
  const left: number[] = [];
  for (;;) {
    try {
      const r = receive.tryReceive();
      if (!r.ok) throw new Error("a send end is still open");
      left.push(r.value);
    } catch (error) {
      if (error instanceof EndOfChannel) return left;
      throw error;
    }
  }
}

describe("channel laws", () => {
  it("no value is lost or duplicated, a cancelled send delivers nothing, and each producer's values keep their order", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1, 2, Infinity),
        fc.array(producerArb, { minLength: 1, maxLength: 3 }),
        fc.array(consumerArb, { minLength: 1, maxLength: 3 }),
        (capacity, producers, consumers) => {
          const committed: number[] = [];
          const got: number[][] = consumers.map(() => []);
          const { task } = runVirtual(function* () {
            const [send, receive] = channel<number>(capacity);
            // Kept open to the end, so values left in the buffer can be counted.
            const spare = receive.clone();
            yield* nursery(function* (n) {
              const scopeFor = (party: Party): CancelScope => {
                const scope = new CancelScope({ deadline: party.deadline });
                if (party.kill !== null) n.startSoon(() => killer(scope, party.kill!));
                return scope;
              };
              producers.forEach((p, id) => {
                const end = send.clone();
                const scope = scopeFor(p);
                start(n, p.path, () => producer(end, id + 1, scope, p, committed));
              });
              send.close();
              consumers.forEach((c, k) => {
                const end = receive.clone();
                const scope = scopeFor(c);
                start(n, c.path, () => consumer(end, scope, c, got[k]!));
              });
              receive.close();
            });
            return drain(spare);
          });
          const left = valueOf(task);
          const delivered = [...got.flat(), ...left];
          expect([...delivered].sort((a, b) => a - b)).toEqual(
            [...committed].sort((a, b) => a - b),
          );
          for (const values of [...got, left]) {
            for (let id = 1; id <= producers.length; id++) {
              const mine = values.filter((v) => Math.floor(v / 100) === id);
              expect(mine).toEqual([...mine].sort((a, b) => a - b));
            }
          }
        },
      ),
    );
  });
});
