/**
 * A timer of the runtime: what to do at a time. Subclasses are the timers
 * themselves (a sleeping task's, a scope's deadline), so a timer is one
 * object.
 *
 * @internal
 */
export abstract class TimerEntry {
  at = 0;
  seq = 0;
  /**
   * Where the timer is: its position in the heap (`>= 0`); its slot in the
   * run of ordered timers, encoded by `runSlot`; `OUT` when in neither.
   */
  index = OUT;

  /** Called when the timer's time has come. */
  abstract fire(): void;
}

const OUT = -1;
/** Taken out with others due at the same instant, about to fire (schedule exploration). */
const DUE = -2;
/** `index` of a timer in slot 0 of the run; slot `i` is `RUN_SLOT_0 - i`. */
const RUN_SLOT_0 = -3;

function runSlot(i: number): number {
  return RUN_SLOT_0 - i;
}

function inRun(index: number): boolean {
  return index <= RUN_SLOT_0;
}

function before(a: TimerEntry, b: TimerEntry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/**
 * The runtime's timers, ordered by (time, setting order), so timers due at
 * the same instant fire in the order they were set.
 *
 * Timers mostly arrive in time order (sleeps of one duration, set one after
 * another): those go into a plain FIFO run, O(1) to add and to take; only
 * a timer earlier than the run's last goes into a binary min-heap. Taking
 * the next timer compares the two heads. A timer removed from the run leaves
 * its slot behind, skipped when it reaches the head. A slot is live only
 * while its timer's `index` names that very slot: a timer removed and set
 * again (a deadline moved later) may sit in the run twice, and its old slot
 * must not count as the new one — it would hide the timers between the two.
 *
 * @internal
 */
export class TimerHeap {
  private readonly heap: TimerEntry[] = [];
  private run: (TimerEntry | undefined)[] = [];
  private runHead = 0;
  private runLive = 0;
  private runLastAt = -Infinity;
  private seq = 0;

  get size(): number {
    return this.heap.length + this.runLive;
  }

  /** The earliest timer, or `undefined`. */
  peek(): TimerEntry | undefined {
    const fromRun = this.runFront();
    const fromHeap = this.heap[0];
    if (fromRun === undefined) return fromHeap;
    if (fromHeap === undefined) return fromRun;
    return before(fromHeap, fromRun) ? fromHeap : fromRun;
  }

  add(entry: TimerEntry, at: number): void {
    entry.at = at;
    entry.seq = this.seq++;
    // The run stays sorted: only a timer at or after its last one joins it.
    if (this.runLive === 0 || at >= this.runLastAt) {
      entry.index = runSlot(this.run.length);
      this.run.push(entry);
      this.runLastAt = at;
      this.runLive++;
      return;
    }
    entry.index = this.heap.length;
    this.heap.push(entry);
    this.up(entry.index);
  }

  remove(entry: TimerEntry): void {
    const i = entry.index;
    if (i === DUE) {
      entry.index = OUT; // removed before its turn to fire: it will not
      return;
    }
    if (inRun(i)) {
      entry.index = OUT;
      this.runLive--;
      if (this.runLive === 0) this.clearRun();
      return;
    }
    if (i < 0) return;
    entry.index = OUT;
    const heap = this.heap;
    const last = heap.pop()!;
    if (last !== entry) {
      heap[i] = last;
      last.index = i;
      this.down(i);
      this.up(last.index);
    }
  }

  /** Drops every timer (an abandoned run). */
  clear(): void {
    for (const entry of this.heap) entry.index = OUT;
    this.heap.length = 0;
    for (let i = this.runHead; i < this.run.length; i++) {
      const entry = this.run[i];
      if (entry !== undefined && entry.index === runSlot(i)) entry.index = OUT;
    }
    this.runLive = 0;
    this.clearRun();
  }

  /** Moves a timer to a new time (it takes its place among equal times as if set now). */
  update(entry: TimerEntry, at: number): void {
    this.remove(entry);
    this.add(entry, at);
  }

  /** Removes and returns the earliest timer whose time is at or before `now`. */
  popDue(now: number): TimerEntry | undefined {
    const top = this.peek();
    if (top === undefined || top.at > now) return undefined;
    if (inRun(top.index)) {
      this.run[this.runHead++] = undefined;
      top.index = OUT;
      this.runLive--;
      if (this.runLive === 0) this.clearRun();
      else if (this.runHead > 1024 && this.runHead * 2 > this.run.length) this.compactRun();
    } else {
      this.remove(top);
    }
    return top;
  }

  /**
   * Removes every timer due at the earliest instant, if that is at or
   * before `now`, and returns them in setting order. They stay removable:
   * `fireDue` fires one only if it was not removed in the meantime.
   */
  popDueBatch(now: number): TimerEntry[] {
    const batch: TimerEntry[] = [];
    const first = this.popDue(now);
    if (first === undefined) return batch;
    first.index = DUE;
    batch.push(first);
    for (let top = this.peek(); top !== undefined && top.at === first.at; top = this.peek()) {
      const entry = this.popDue(now)!;
      entry.index = DUE;
      batch.push(entry);
    }
    return batch;
  }

  /** Whether a timer of a batch from `popDueBatch` is still to fire. */
  isDue(entry: TimerEntry): boolean {
    return entry.index === DUE;
  }

  /** Fires a timer of a batch from `popDueBatch`, unless it was removed since. */
  fireDue(entry: TimerEntry): void {
    if (entry.index !== DUE) return;
    entry.index = OUT;
    entry.fire();
  }

  /** The first live timer of the run (left slots at its head are dropped). */
  private runFront(): TimerEntry | undefined {
    const run = this.run;
    while (this.runHead < run.length) {
      const entry = run[this.runHead]!;
      if (entry.index === runSlot(this.runHead)) return entry;
      run[this.runHead++] = undefined;
    }
    return undefined;
  }

  /** Empties the run; called when no slot of it is live. */
  private clearRun(): void {
    this.run = [];
    this.runHead = 0;
    this.runLastAt = -Infinity;
  }

  /** Drops the consumed head of the run; the live timers get their new slots. */
  private compactRun(): void {
    const head = this.runHead;
    const run = this.run.slice(head);
    for (let i = 0; i < run.length; i++) {
      const entry = run[i]!;
      if (entry.index === runSlot(i + head)) entry.index = runSlot(i);
    }
    this.run = run;
    this.runHead = 0;
  }

  private up(i: number): void {
    const heap = this.heap;
    const entry = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p]!;
      if (!before(entry, parent)) break;
      heap[i] = parent;
      parent.index = i;
      i = p;
    }
    heap[i] = entry;
    entry.index = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const entry = heap[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && before(heap[r]!, heap[c]!)) c = r;
      const child = heap[c]!;
      if (!before(child, entry)) break;
      heap[i] = child;
      child.index = i;
      i = c;
    }
    heap[i] = entry;
    entry.index = i;
  }
}
