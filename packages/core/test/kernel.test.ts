// Kernel data structures and hooks: the timer heap (ordered run + heap),
// the run queue, schedule policies and abandoning a run.
import {
  CancelScope,
  checkpoint,
  currentTask,
  nursery,
  sleep,
  suspend,
  type Task,
} from "@copse/core";
import { abandonRun, runWith } from "@copse/core/internal";
import { VirtualClock } from "@copse/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RunQueue } from "../src/kernel/run-queue.js";
import { TimerEntry, TimerHeap } from "../src/kernel/timer-heap.js";

class Probe extends TimerEntry {
  fired = 0;
  constructor(readonly id: number) {
    super();
  }
  fire(): void {
    this.fired++;
  }
}

type Op =
  | { kind: "add"; at: number }
  | { kind: "remove"; pick: number }
  | { kind: "pop"; now: number }
  | { kind: "move"; pick: number; at: number }
  | { kind: "readd"; pick: number; at: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.integer({ min: 0, max: 40 }).map((at) => ({ kind: "add", at }) as Op),
  },
  { weight: 2, arbitrary: fc.nat(1000).map((pick) => ({ kind: "remove", pick }) as Op) },
  {
    weight: 2,
    arbitrary: fc
      .record({ pick: fc.nat(1000), at: fc.integer({ min: 0, max: 40 }) })
      .map(({ pick, at }) => ({ kind: "move", pick, at }) as Op),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ pick: fc.nat(1000), at: fc.integer({ min: 0, max: 40 }) })
      .map(({ pick, at }) => ({ kind: "readd", pick, at }) as Op),
  },
  {
    weight: 3,
    arbitrary: fc.integer({ min: 0, max: 40 }).map((now) => ({ kind: "pop", now }) as Op),
  },
);

describe("TimerHeap", () => {
  it("matches a sorted-list model: (time, setting order), removals, moves, due pops", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200, size: "medium" }), (ops) => {
        const heap = new TimerHeap();
        const model: { at: number; seq: number; entry: Probe }[] = [];
        // Timers removed or fired: the same objects may be set again.
        const idle: Probe[] = [];
        let seq = 0;
        let id = 0;
        const set = (entry: Probe, at: number): void => {
          model.push({ at, seq: seq++, entry });
          model.sort((a, b) => a.at - b.at || a.seq - b.seq);
        };
        for (const op of ops) {
          if (op.kind === "add") {
            const entry = new Probe(id++);
            heap.add(entry, op.at);
            set(entry, op.at);
          } else if (op.kind === "remove") {
            if (model.length === 0) continue;
            const [gone] = model.splice(op.pick % model.length, 1);
            heap.remove(gone!.entry);
            heap.remove(gone!.entry); // twice is harmless
            idle.push(gone!.entry);
          } else if (op.kind === "move") {
            // A deadline moved: the timer takes its place as if set now.
            if (model.length === 0) continue;
            const [moved] = model.splice(op.pick % model.length, 1);
            heap.update(moved!.entry, op.at);
            set(moved!.entry, op.at);
          } else if (op.kind === "readd") {
            if (idle.length === 0) continue;
            const [entry] = idle.splice(op.pick % idle.length, 1);
            heap.add(entry!, op.at);
            set(entry!, op.at);
          } else {
            for (;;) {
              const entry = heap.popDue(op.now);
              const expected =
                model[0] !== undefined && model[0].at <= op.now ? model.shift()!.entry : undefined;
              expect(entry).toBe(expected);
              if (entry === undefined) break;
              idle.push(expected!);
            }
          }
          expect(heap.size).toBe(model.length);
          expect(heap.peek()).toBe(model[0]?.entry);
        }
      }),
    );
  });

  it("a timer moved later leaves no live copy in the run, across compactions", () => {
    const heap = new TimerHeap();
    const ordered = Array.from({ length: 3000 }, (_, i) => new Probe(i));
    ordered.forEach((entry, i) => heap.add(entry, i));
    // Every tenth timer moves behind all the others: its first slot stays
    // in the run, ahead of the timers it must no longer hide.
    const moved = ordered.filter((_, i) => i % 10 === 0);
    moved.forEach((entry, i) => heap.update(entry, 5000 + i));
    const fired: number[] = [];
    for (let now = 0; now <= 6000; now += 7) {
      for (let entry = heap.popDue(now); entry !== undefined; entry = heap.popDue(now)) {
        expect(entry.at).toBeLessThanOrEqual(now);
        fired.push((entry as Probe).id);
      }
    }
    const rest = ordered.filter((_, i) => i % 10 !== 0);
    expect(fired).toEqual([...rest, ...moved].map((entry) => entry.id));
    expect(heap.size).toBe(0);
  });

  it("due batches skip a timer removed before its turn", () => {
    const heap = new TimerHeap();
    const [a, b, c] = [new Probe(0), new Probe(1), new Probe(2)];
    heap.add(a, 5);
    heap.add(b, 5);
    heap.add(c, 6);
    const batch = heap.popDueBatch(10);
    expect(batch).toEqual([a, b]);
    heap.remove(b);
    for (const entry of batch) heap.fireDue(entry);
    expect([a.fired, b.fired, c.fired]).toEqual([1, 0, 0]);
    expect(heap.popDueBatch(10)).toEqual([c]);
  });
});

describe("RunQueue", () => {
  interface Item {
    id: number;
    nextReady: Item | null;
  }
  const item = (id: number): Item => ({ id, nextReady: null });
  const ids = (items: readonly Item[]) => items.map((i) => i.id);

  it("is FIFO, takeAt removes from the front, middle and end, and an item can be queued again", () => {
    const queue = new RunQueue<Item>();
    const items = Array.from({ length: 100 }, (_, i) => item(i));
    for (let i = 0; i < 40; i++) queue.push(items[i]!);
    for (let i = 0; i < 30; i++) expect(queue.shift()?.id).toBe(i);
    for (let i = 40; i < 100; i++) queue.push(items[i]!);
    expect(queue.takeAt(2)?.id).toBe(32);
    expect(ids(queue.toArray().slice(0, 4))).toEqual([30, 31, 33, 34]);
    expect(queue.length).toBe(69);
    expect(queue.takeAt(0)?.id).toBe(30);
    expect(queue.takeAt(queue.length - 1)?.id).toBe(99);
    expect(queue.takeAt(queue.length)).toBeUndefined();
    queue.push(items[32]!); // taken out before: goes to the end again
    expect(ids(queue.toArray()).slice(-2)).toEqual([98, 32]);
    expect(queue.length).toBe(68);
    const drained: number[] = [];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) drained.push(next.id);
    expect(drained).toEqual([31, ...Array.from({ length: 66 }, (_, i) => i + 33), 32]);
    expect(queue.length).toBe(0);
    expect(queue.shift()).toBeUndefined();
    queue.push(items[5]!);
    expect(ids(queue.toArray())).toEqual([5]);
  });
});

describe("schedule policies", () => {
  it("a timer removed by an earlier timer of the same instant does not fire", async () => {
    for (const pick of [0, 1]) {
      const task = runWith(
        function* () {
          yield* nursery(function* (n) {
            n.startSoon(function* () {
              yield* new CancelScope({ deadline: 7 }).run(function* () {
                yield* sleep(3);
                yield* sleep(4); // due at 7 too, set after the deadline's timer
              });
            });
          });
          return "ok";
        },
        {
          clock: new VirtualClock(),
          policy: { pickReady: () => 0, pickTimer: (count) => (pick < count ? pick : 0) },
        },
      );
      expect(await task).toBe("ok");
    }
  });

  it("pickReady sees the ready tasks", () => {
    const seen: string[][] = [];
    const task = runWith(
      function* () {
        yield* nursery(function* (n) {
          n.startSoon(checkpoint, { name: "a" });
          n.startSoon(checkpoint, { name: "b" });
        });
      },
      {
        clock: new VirtualClock(),
        policy: {
          pickReady: (count, ready) => {
            seen.push(ready.map((t) => t.name));
            expect(ready).toHaveLength(count);
            return count - 1; // LIFO
          },
          pickTimer: () => 0,
        },
      },
    );
    expect(task.done).toBe(true);
    expect(seen[0]).toEqual(["a", "b"]);
  });
});

describe("abandonRun", () => {
  it("stops a run that would never end", async () => {
    let loops = 0;
    const task = runWith(
      function* () {
        yield* nursery(function* (n) {
          n.startSoon(function* () {
            for (;;) {
              try {
                yield* checkpoint();
              } catch {
                // swallows Cancelled: never ends
              }
              loops++;
            }
          });
          yield* suspend();
        });
      },
      { clock: new VirtualClock() },
    );
    expect(task.done).toBe(false);
    abandonRun(task);
    const before = loops;
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(loops).toBe(before);
    expect(task.done).toBe(false);
  });
});

describe("kernel details", () => {
  it("a lazy task's name read before its first step is its function's name", () => {
    const task = runWith(function* () {
      return yield* nursery(function* (n) {
        const h = n.startSoon(function* worker() {});
        return h.name;
      });
    });
    expect(task.outcome).toEqual({ status: "ok", value: "worker" });
  });

  it("a policy may abandon the run from inside pickReady", async () => {
    let root: Task<unknown> | undefined;
    let picks = 0;
    const task = runWith(
      function* () {
        root = currentTask();
        yield* nursery(function* (n) {
          for (let i = 0; i < 3; i++) n.startSoon(checkpoint);
        });
      },
      {
        clock: new VirtualClock(),
        policy: {
          pickReady: () => {
            if (++picks === 2) abandonRun(root!);
            return 0;
          },
          pickTimer: () => 0,
        },
      },
    );
    expect(picks).toBe(2);
    expect(task.done).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(picks).toBe(2);
  });
});
