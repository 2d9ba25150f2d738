import { Event, Lock, Semaphore, channel, type ReceiveEnd, type SendEnd } from "@copse/core";
import type { VirtualClock } from "../virtual-clock.js";
import type { SharedTrace, Trace } from "./trace.js";

// A model of each shared object, kept next to the real one while a program
// runs: it checks, in every single run, what the primitive promises
// (mutual exclusion, FIFO hand-over, a waiter that gave up holds nothing,
// no value lost or delivered twice). The eager/lazy comparison cannot see a
// primitive that is wrong the same way on both paths; these checks can.
// Operations are recorded in the order they happen in the run, which may
// differ between paths within an instant: only what the checks conclude
// (`violations`) and the state at the end (`final`) are in the trace.

/** Removes the first `task` from `list`. */
function drop(list: string[], task: string): void {
  const at = list.indexOf(task);
  if (at !== -1) list.splice(at, 1);
}

/** A lock or a semaphore: `permits` holders at once, granted in FIFO order. */
class GuardModel {
  /** Tasks that asked and have neither got it nor given up, in the order they asked. */
  private readonly waiting: string[] = [];
  private readonly holders: string[] = [];

  constructor(
    readonly rec: SharedTrace,
    private readonly permits: number,
    /** The task that owns the lock now, as the lock says (`undefined`: a semaphore, not owned). */
    private readonly owner: () => string | null | undefined,
    /** The permits the object has left, as it says. */
    private readonly available: () => number,
  ) {}

  request(task: string): void {
    this.waiting.push(task);
  }

  acquired(task: string): void {
    const rec = this.rec;
    if (this.holders.length >= this.permits) {
      rec.violations.push(
        `${task} got ${rec.id} while ${this.holders.join(", ")} held ${this.permits === 1 ? "it" : `all ${this.permits} permits`}`,
      );
    }
    const first = this.waiting[0];
    if (first !== task) {
      rec.violations.push(`${task} got ${rec.id} before ${first}, who had waited longer (FIFO)`);
    }
    drop(this.waiting, task);
    this.holders.push(task);
  }

  gaveUp(task: string, how: string): void {
    drop(this.waiting, task);
    if (this.owner() === task) {
      this.rec.violations.push(`${task} ${how} waiting for ${this.rec.id}, yet holds it`);
    }
  }

  released(task: string): void {
    drop(this.holders, task);
  }

  finish(complete: boolean): void {
    const rec = this.rec;
    const left = this.available();
    const owner = this.owner();
    rec.final =
      owner === undefined
        ? `${left} of ${this.permits} permits`
        : owner === null
          ? "free"
          : `held by ${owner}`;
    if (complete && (left !== this.permits || (owner !== undefined && owner !== null))) {
      rec.violations.push(
        `${rec.id} is ${rec.final} at the end of the run, though every holder released it`,
      );
    }
  }
}

class EventModel {
  readonly event = new Event();
  private setAt: number | null = null;
  private readonly since = new Map<string, number>();

  constructor(
    readonly rec: SharedTrace,
    private readonly clock: VirtualClock,
  ) {}

  set(): void {
    this.setAt ??= this.clock.now();
    this.event.set();
  }

  began(task: string): void {
    this.since.set(task, this.clock.now());
  }

  woken(task: string): void {
    if (this.setAt === null)
      this.rec.violations.push(`${task} woke from ${this.rec.id}, which was never set`);
    this.since.delete(task);
  }

  gaveUp(task: string, how: string): void {
    const since = this.since.get(task)!;
    this.since.delete(task);
    const now = this.clock.now();
    // A cancellation at the instant of the set may come before the waiter's turn.
    if (this.setAt !== null && since < this.setAt && now > this.setAt) {
      this.rec.violations.push(
        `${task} ${how} at ${now} waiting for ${this.rec.id}, which was set at ${this.setAt}`,
      );
    }
  }

  finish(): void {
    this.rec.final = this.event.isSet ? "set" : "unset";
  }
}

class ChannelModel {
  readonly send: SendEnd<string>;
  readonly receive: ReceiveEnd<string>;
  /** When each value's send began (instants are distinct: rule 1). */
  private readonly sendBegan = new Map<string, number>();
  private readonly committed = new Set<string>();
  private readonly failed = new Set<string>();
  private readonly receiveBegan = new Map<string, number>();
  /** Values received, with the instant their receive began. */
  private readonly received: { readonly at: number; readonly value: string }[] = [];
  private dropped = 0;

  constructor(
    readonly rec: SharedTrace,
    private readonly clock: VirtualClock,
    capacity: number,
  ) {
    [this.send, this.receive] = channel<string>(capacity);
  }

  sending(value: string): void {
    this.sendBegan.set(value, this.clock.now());
  }

  sent(value: string): void {
    this.committed.add(value);
  }

  sendFailed(value: string): void {
    this.failed.add(value);
  }

  receiving(task: string): void {
    this.receiveBegan.set(task, this.clock.now());
  }

  got(task: string, value: string): void {
    const rec = this.rec;
    if (this.received.some((r) => r.value === value)) {
      rec.violations.push(`${task} received ${value} from ${rec.id}, which was received before`);
    }
    if (!this.sendBegan.has(value))
      rec.violations.push(`${task} received ${value}, which nobody sent`);
    this.received.push({ at: this.receiveBegan.get(task)!, value });
  }

  closing(end: "send" | "receive"): void {
    // Closing the last receive end drops what is buffered.
    if (end === "receive" && !this.receive.closed)
      this.dropped += this.receive.statistics().buffered;
    if (end === "send") this.send.close();
    else this.receive.close();
  }

  finish(complete: boolean): void {
    const rec = this.rec;
    const left: string[] = [];
    if (complete && !this.receive.closed && this.send.statistics().waitingSenders === 0) {
      for (;;) {
        let next;
        try {
          next = this.receive.tryReceive();
        } catch {
          break; // the end of the channel
        }
        if (!next.ok) break;
        left.push(next.value);
      }
    }
    const ends = [
      this.send.closed ? "send end closed" : "",
      this.receive.closed ? "receive end closed" : "",
    ];
    rec.final = [`left ${JSON.stringify(left)}`, ...ends.filter((e) => e !== "")].join(", ");
    if (!complete) return;
    for (const { value } of this.received) {
      if (this.failed.has(value)) {
        rec.violations.push(`${value} was received from ${rec.id}, though its send gave up`);
      }
    }
    const taken = new Set([...this.received.map((r) => r.value), ...left]);
    const lost = [...this.committed].filter((v) => !taken.has(v));
    if (lost.length > this.dropped) {
      rec.violations.push(
        `${lost.join(", ")} ${lost.length === 1 ? "was" : "were"} sent into ${rec.id} and never received (${this.dropped} dropped by closing the receive end)`,
      );
    }
    // FIFO: receivers are served in the order they began, with values in the order they were sent.
    const order = [...this.received].sort((a, b) => a.at - b.at);
    for (let i = 1; i < order.length; i++) {
      const before = order[i - 1]!.value;
      const after = order[i]!.value;
      if (this.sendBegan.get(before)! > this.sendBegan.get(after)!) {
        rec.violations.push(
          `${rec.id} delivered ${before} before ${after}, though ${after} was sent first`,
        );
      }
    }
  }
}

/** A lock or semaphore, with its model. */
export interface Guarded {
  readonly model: GuardModel;
  readonly object: Lock | Semaphore;
}

/** The events, locks, semaphores and channels of one run, made at their first use. */
export class SharedObjects {
  private readonly events = new Map<string, EventModel>();
  private readonly locks = new Map<string, Guarded>();
  private readonly semaphores = new Map<string, Guarded>();
  private readonly channels = new Map<string, ChannelModel>();

  constructor(
    private readonly trace: Trace,
    private readonly clock: VirtualClock,
  ) {}

  private record(id: string, kind: SharedTrace["kind"]): SharedTrace {
    const rec: SharedTrace = { id, kind, final: "", violations: [] };
    this.trace.shared[id] = rec;
    return rec;
  }

  event(id: string): EventModel {
    let model = this.events.get(id);
    if (model === undefined) {
      model = new EventModel(this.record(id, "event"), this.clock);
      this.events.set(id, model);
    }
    return model;
  }

  lock(id: string): Guarded {
    let entry = this.locks.get(id);
    if (entry === undefined) {
      const lock = new Lock();
      const model = new GuardModel(
        this.record(id, "lock"),
        1,
        () => lock.statistics().owner?.name ?? null,
        () => (lock.locked ? 0 : 1),
      );
      entry = { model, object: lock };
      this.locks.set(id, entry);
    }
    return entry;
  }

  semaphore(id: string, initial: number): Guarded {
    let entry = this.semaphores.get(id);
    if (entry === undefined) {
      const semaphore = new Semaphore(initial);
      const model = new GuardModel(
        this.record(id, "semaphore"),
        initial,
        () => undefined,
        () => semaphore.value,
      );
      entry = { model, object: semaphore };
      this.semaphores.set(id, entry);
    }
    return entry;
  }

  channel(id: string, capacity: number): ChannelModel {
    let model = this.channels.get(id);
    if (model === undefined) {
      model = new ChannelModel(this.record(id, "channel"), this.clock, capacity);
      this.channels.set(id, model);
    }
    return model;
  }

  /** Records the final states; `complete`: the run ended normally (no hang, no crash). */
  finish(complete: boolean): void {
    for (const model of this.events.values()) model.finish();
    for (const { model } of this.locks.values()) model.finish(complete);
    for (const { model } of this.semaphores.values()) model.finish(complete);
    for (const model of this.channels.values()) model.finish(complete);
  }
}

export type { ChannelModel, EventModel, GuardModel };
