// Memory channels: capacities 0, N and Infinity, FIFO delivery, clones,
// closing (EndOfChannel, BrokenResourceError, ClosedResourceError), the
// non-blocking calls, forEach and `for await`, on both start paths.
import {
  BrokenResourceError,
  Cancelled,
  ClosedResourceError,
  EndOfChannel,
  channel,
  nursery,
  run,
  sleep,
  type Operation,
  type ReceiveEnd,
  type SendEnd,
} from "@copse/core";
import { describe, expect, it } from "vitest";
import { PATHS, errorOf, runVirtual, start, valueOf } from "./helpers.js";

function* produce(
  send: SendEnd<number>,
  values: readonly number[],
  log: unknown[],
  now: () => number,
): Operation<void> {
  for (const value of values) {
    yield* send.send(value);
    log.push(`sent ${value}@${now()}`);
  }
  send.close();
}

function* consumeSlowly(
  receive: ReceiveEnd<number>,
  log: unknown[],
  now: () => number,
): Operation<void> {
  yield* receive.forEach(function* (value) {
    log.push(`got ${value}@${now()}`);
    yield* sleep(10);
  });
}

describe("capacity", () => {
  it.each(PATHS)(
    "0 is a rendezvous: each send waits until a receiver takes the value (%s)",
    (path) => {
      const { task, log } = runVirtual(function* (log, clock) {
        const [send, receive] = channel<number>(0);
        const now = () => clock.now();
        yield* nursery(function* (n) {
          start(n, path, () => produce(send, [1, 2, 3], log, now));
          start(n, path, () => consumeSlowly(receive, log, now));
        });
      });
      valueOf(task);
      expect(log).toEqual([
        "got 1@0",
        "sent 1@0",
        "got 2@10",
        "sent 2@10",
        "got 3@20",
        "sent 3@20",
      ]);
    },
  );

  it.each(PATHS)("N lets the sender run N values ahead, then waits (%s)", (path) => {
    const { task, log } = runVirtual(function* (log, clock) {
      const [send, receive] = channel<number>(2);
      const now = () => clock.now();
      yield* nursery(function* (n) {
        start(n, path, () => produce(send, [1, 2, 3, 4, 5], log, now));
        start(n, path, () => consumeSlowly(receive, log, now));
      });
    });
    valueOf(task);
    // The sender fills the buffer (1, 2), waits on 3 until the first receive makes room.
    expect(log.filter((e) => String(e).startsWith("sent"))).toEqual([
      "sent 1@0",
      "sent 2@0",
      "sent 3@0",
      "sent 4@10",
      "sent 5@20",
    ]);
    expect(log.filter((e) => String(e).startsWith("got"))).toEqual([
      "got 1@0",
      "got 2@10",
      "got 3@20",
      "got 4@30",
      "got 5@40",
    ]);
  });

  it.each(PATHS)("Infinity never makes a sender wait (%s)", (path) => {
    const { task, log } = runVirtual(function* (log, clock) {
      const [send, receive] = channel<number>(Infinity);
      const now = () => clock.now();
      yield* nursery(function* (n) {
        start(n, path, () =>
          produce(
            send,
            Array.from({ length: 100 }, (_, i) => i),
            log,
            now,
          ),
        );
        start(n, path, () => consumeSlowly(receive, [], now));
      });
    });
    valueOf(task);
    expect(log).toHaveLength(100);
    expect(log.every((e) => String(e).endsWith("@0"))).toBe(true);
  });

  it("rejects a capacity that is not a non-negative integer or Infinity", () => {
    for (const bad of [-1, 1.5, NaN, "3"]) {
      expect(() => channel(bad as number)).toThrow(
        new RangeError(
          `channel: the capacity must be a non-negative integer or Infinity, got ${typeof bad === "string" ? `"${bad}"` : bad}`,
        ),
      );
    }
  });
});

describe("FIFO", () => {
  it.each(PATHS)(
    "receivers get values in the order they started waiting; blocked senders deliver in the order they blocked (%s)",
    (path) => {
      const { task, log } = runVirtual(function* (log) {
        const [send, receive] = channel<string>(0);
        yield* nursery(function* (n) {
          for (const name of ["r1", "r2", "r3"]) {
            start(n, path, function* () {
              log.push(`${name} ${yield* receive.receive()}`);
            });
          }
          yield* sleep(1);
          expect(send.statistics().waitingReceivers).toBe(3);
          for (const value of ["a", "b", "c"]) expect(send.trySend(value)).toBe(true);
        });
        yield* nursery(function* (n) {
          for (const value of ["x", "y", "z"]) {
            start(n, path, () => send.send(value));
          }
          yield* sleep(1);
          expect(send.statistics().waitingSenders).toBe(3);
          for (let i = 0; i < 3; i++) log.push(`took ${yield* receive.receive()}`);
        });
      });
      valueOf(task);
      expect(log).toEqual(["r1 a", "r2 b", "r3 c", "took x", "took y", "took z"]);
    },
  );

  it("one send operation may be yielded by two tasks at once: it sends its value twice", () => {
    const { task } = runVirtual(function* () {
      const [send, receive] = channel<string>(0);
      const op = send.send("twice");
      yield* nursery(function* (n) {
        n.startTask(() => op);
        n.startTask(() => op);
        expect(send.statistics().waitingSenders).toBe(2);
        n.startTask(function* () {
          yield* sleep(1);
          n.startTask(() => op); // and again, once the first two are done
        });
        const got: string[] = [];
        for (let i = 0; i < 3; i++) got.push(yield* receive.receive());
        expect(got).toEqual(["twice", "twice", "twice"]);
      });
    });
    valueOf(task);
  });

  it("a receive from a full buffer lets the first blocked sender's value in behind the buffered ones", () => {
    const { task } = runVirtual(function* () {
      const [send, receive] = channel<number>(2);
      const seen: number[] = [];
      yield* nursery(function* (n) {
        for (let i = 1; i <= 4; i++) n.startTask(() => send.send(i)); // 3 and 4 block
        expect(send.statistics()).toMatchObject({ buffered: 2, waitingSenders: 2 });
        seen.push(yield* receive.receive());
        expect(send.statistics()).toMatchObject({ buffered: 2, waitingSenders: 1 });
        for (let i = 0; i < 3; i++) seen.push(yield* receive.receive());
      });
      return seen;
    });
    expect(valueOf(task)).toEqual([1, 2, 3, 4]);
  });
});

describe("closing", () => {
  it.each(PATHS)(
    "closing the last send end: receivers drain the buffer, then get EndOfChannel; waiting receivers get it at once (%s)",
    (path) => {
      const { task, log } = runVirtual(function* (log) {
        const [send, receive] = channel<number>(5);
        yield* send.send(1);
        yield* send.send(2);
        const clone = send.clone();
        send.close();
        expect(receive.statistics().openSendEnds).toBe(1);
        yield* nursery(function* (n) {
          for (let i = 0; i < 4; i++) {
            start(n, path, function* () {
              try {
                log.push(yield* receive.receive());
              } catch (error) {
                log.push(error instanceof EndOfChannel ? "end" : error);
              }
            });
          }
          yield* sleep(1);
          expect(receive.statistics().waitingReceivers).toBe(2); // the buffer served two
          clone.close(); // the last one
        });
        let after: unknown;
        try {
          yield* receive.receive();
        } catch (error) {
          after = error;
        }
        return after;
      });
      expect(valueOf(task)).toEqual(
        new EndOfChannel(
          "ReceiveEnd.receive(): the channel is drained and every send end is closed; no value will come",
        ),
      );
      expect(log).toEqual([1, 2, "end", "end"]);
    },
  );

  it.each(PATHS)(
    "closing the last receive end: blocked senders get BrokenResourceError and the buffer is dropped (%s)",
    (path) => {
      const { task, log } = runVirtual(function* (log) {
        const [send, receive] = channel<number>(1);
        const other = receive.clone();
        yield* nursery(function* (n) {
          for (const value of [1, 2, 3]) {
            start(n, path, function* () {
              try {
                yield* send.send(value);
                log.push(`sent ${value}`);
              } catch (error) {
                log.push(error instanceof BrokenResourceError ? `broken ${value}` : error);
              }
            });
          }
          yield* sleep(1);
          receive.close();
          expect(send.statistics()).toMatchObject({ buffered: 1, waitingSenders: 2 }); // a clone is open
          other.close();
          expect(send.statistics()).toMatchObject({ buffered: 0, waitingSenders: 0 });
        });
        expect(() => send.trySend(4)).toThrow(
          new BrokenResourceError(
            "SendEnd.trySend(): every receive end of the channel is closed, so nobody can receive the value; it was not sent",
          ),
        );
        let after: unknown;
        try {
          yield* send.send(4);
        } catch (error) {
          after = error;
        }
        return after;
      });
      expect(valueOf(task)).toEqual(
        new BrokenResourceError(
          "SendEnd.send(): every receive end of the channel is closed, so nobody can receive the value; it was not sent",
        ),
      );
      expect(log).toEqual(["sent 1", "broken 2", "broken 3"]);
    },
  );

  it("using a closed end is a ClosedResourceError that says what to do; close() is idempotent", () => {
    const { task } = runVirtual(function* () {
      const [send, receive] = channel<number>(1);
      const sendClone = send.clone();
      const receiveClone = receive.clone();
      send.close();
      send.close();
      receive.close();
      expect([send.closed, receive.closed, sendClone.closed]).toEqual([true, true, false]);
      const sendError =
        "this send end is closed; close an end only after its last use, or use one of its clones";
      const receiveError =
        "this receive end is closed (by close(), forEach or a for await loop over it); close an end only after its last use, or use one of its clones";
      expect(() => send.trySend(1)).toThrow(
        new ClosedResourceError(`SendEnd.trySend(): ${sendError}`),
      );
      expect(() => send.clone()).toThrow(new ClosedResourceError(`SendEnd.clone(): ${sendError}`));
      expect(() => receive.tryReceive()).toThrow(
        new ClosedResourceError(`ReceiveEnd.tryReceive(): ${receiveError}`),
      );
      expect(() => receive.clone()).toThrow(
        new ClosedResourceError(`ReceiveEnd.clone(): ${receiveError}`),
      );
      const caught: unknown[] = [];
      for (const op of [() => send.send(1), () => receive.receive()]) {
        try {
          yield* op();
        } catch (error) {
          caught.push(error);
        }
      }
      expect(caught).toEqual([
        new ClosedResourceError(`SendEnd.send(): ${sendError}`),
        new ClosedResourceError(`ReceiveEnd.receive(): ${receiveError}`),
      ]);
      // The clones still work.
      yield* sendClone.send(7);
      return yield* receiveClone.receive();
    });
    expect(valueOf(task)).toBe(7);
  });

  it.each(PATHS)(
    "a task blocked on an end gets ClosedResourceError when that very end is closed; other clones are not affected (%s)",
    (path) => {
      const { task, log } = runVirtual(function* (log) {
        const [send, receive] = channel<number>(0);
        const clone = receive.clone();
        yield* nursery(function* (n) {
          for (const end of [receive, clone]) {
            start(n, path, function* () {
              try {
                log.push(`got ${yield* end.receive()}`);
              } catch (error) {
                log.push(`${(error as Error).name}: ${(error as Error).message}`);
              }
            });
          }
          yield* sleep(1);
          receive.close();
          expect(send.statistics()).toMatchObject({ waitingReceivers: 1, openReceiveEnds: 1 });
          yield* send.send(5);
        });
      });
      valueOf(task);
      expect(log).toEqual([
        "ClosedResourceError: ReceiveEnd.receive(): this receive end is closed (by close(), forEach or a for await loop over it); close an end only after its last use, or use one of its clones",
        "got 5",
      ]);
    },
  );
});

describe("trySend and tryReceive never suspend", () => {
  it("with capacity 0 they succeed only against a waiting partner", () => {
    const { task } = runVirtual(function* () {
      const [send, receive] = channel<number>(0);
      expect(send.trySend(1)).toBe(false);
      expect(receive.tryReceive()).toEqual({ ok: false });
      return yield* nursery(function* (n) {
        const receiver = n.startTask(() => receive.receive());
        expect(send.trySend(2)).toBe(true); // handed to the waiting receiver
        n.startTask(() => send.send(3));
        expect(receive.tryReceive()).toEqual({ ok: true, value: 3 }); // taken from the waiting sender
        return yield* receiver;
      });
    });
    expect(valueOf(task)).toBe(2);
  });

  it("tryReceive of a drained channel whose send ends are closed throws EndOfChannel", () => {
    const [send, receive] = channel<number>(3);
    expect(send.trySend(1)).toBe(true);
    send.close();
    expect(receive.tryReceive()).toEqual({ ok: true, value: 1 });
    expect(() => receive.tryReceive()).toThrow(
      new EndOfChannel(
        "ReceiveEnd.tryReceive(): the channel is drained and every send end is closed; no value will come",
      ),
    );
  });

  it("statistics count the buffer, the ends and the waiters", () => {
    const [send, receive] = channel<number>(1);
    send.clone();
    receive.clone().close();
    send.trySend(1);
    expect(receive.statistics()).toEqual({
      buffered: 1,
      capacity: 1,
      openSendEnds: 2,
      openReceiveEnds: 1,
      waitingSenders: 0,
      waitingReceivers: 0,
    });
  });
});

describe("forEach", () => {
  it.each(PATHS)(
    "consumes until the channel ends, then closes its end; clones fan in and fan out (%s)",
    (path) => {
      const { task, log } = runVirtual(function* (log) {
        const [send, receive] = channel<string>(0);
        const worker = (name: string, end: ReceiveEnd<string>) =>
          end.forEach(function* (value) {
            log.push(`${name} ${value}`);
            yield* sleep(1);
          });
        yield* nursery(function* (n) {
          for (const name of ["p", "q"]) {
            const out = send.clone();
            start(n, path, function* () {
              for (let i = 1; i <= 2; i++) yield* out.send(`${name}${i}`);
              out.close();
            });
          }
          send.close();
          const ends = [receive, receive.clone()];
          start(n, path, () => worker("w1", ends[0]!));
          start(n, path, () => worker("w2", ends[1]!));
        });
        return receive.statistics();
      });
      expect(valueOf(task)).toMatchObject({ openSendEnds: 0, openReceiveEnds: 0, buffered: 0 });
      expect(log.map((e) => String(e).split(" ")[1]).sort()).toEqual(["p1", "p2", "q1", "q2"]);
    },
  );

  it.each(PATHS)(
    "closes its end when the function throws or the task is cancelled (%s)",
    (path) => {
      const { task } = runVirtual(function* () {
        const [send, receive] = channel<number>(Infinity);
        send.trySend(1);
        const failing = receive.clone();
        const cancelled = receive.clone();
        const boom = new Error("boom");
        let error: unknown;
        try {
          yield* failing.forEach(() => {
            throw boom;
          });
        } catch (e) {
          error = e;
        }
        yield* nursery(function* (n) {
          const t = start(n, path, () => cancelled.forEach(() => {}));
          yield* sleep(1);
          t.cancel();
        });
        return [error === boom, failing.closed, cancelled.closed, receive.closed];
      });
      expect(valueOf(task)).toEqual([true, true, true, false]);
    },
  );

  it("checks its function, and what the function returns", () => {
    const [send, receive] = channel<number>(1);
    expect(() => receive.forEach(5 as never)).toThrow(
      new TypeError("ReceiveEnd.forEach expects a function, got 5"),
    );
    send.trySend(1);
    const task = run(() => receive.forEach(() => Promise.resolve() as never));
    expect(errorOf(task)).toEqual(
      new TypeError(
        "ReceiveEnd.forEach: the function must return an operation or nothing, got a promise",
      ),
    );
  });
});

describe("for await from plain async code", () => {
  it("receives what copse tasks send, waiting as a promise, and ends with the channel", async () => {
    const [send, receive] = channel<number>(0);
    const producer = run(function* () {
      for (let i = 1; i <= 3; i++) {
        yield* send.send(i);
        yield* sleep(1);
      }
      send.close();
    });
    const seen: number[] = [];
    for await (const value of receive) seen.push(value);
    await producer;
    expect(seen).toEqual([1, 2, 3]);
    expect(receive.closed).toBe(true);
  });

  it("leaving the loop with break or throw closes that receive end only", async () => {
    const [send, receive] = channel<number>(Infinity);
    for (let i = 0; i < 5; i++) send.trySend(i);
    const first = receive.clone();
    for await (const value of first) if (value === 1) break;
    expect(first.closed).toBe(true);
    const second = receive.clone();
    await expect(
      (async () => {
        for await (const value of second) if (value === 2) throw new Error("stop");
      })(),
    ).rejects.toThrow("stop");
    expect([second.closed, receive.closed]).toEqual([true, false]);
    expect(receive.tryReceive()).toEqual({ ok: true, value: 3 });
  });

  it("a waiting loop gets ClosedResourceError if its end is closed under it", async () => {
    const [, receive] = channel<number>(0);
    const iterator = receive[Symbol.asyncIterator]();
    const pending = iterator.next();
    receive.close();
    await expect(pending).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(iterator.next()).rejects.toThrow(
      "ReceiveEnd[Symbol.asyncIterator]: this receive end is closed",
    );
  });

  it("return() settles its own pending next() as done", async () => {
    const [, receive] = channel<number>(0);
    const iterator = receive[Symbol.asyncIterator]();
    const pending = iterator.next();
    await iterator.return!();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(receive.statistics().waitingReceivers).toBe(0);
  });
});

describe("the errors", () => {
  it("are Errors with their own names", () => {
    for (const [error, name] of [
      [new EndOfChannel(), "EndOfChannel"],
      [new ClosedResourceError(), "ClosedResourceError"],
      [new BrokenResourceError(), "BrokenResourceError"],
    ] as const) {
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(name);
      expect(error).not.toBeInstanceOf(Cancelled);
    }
  });
});
