/**
 * A binary min-heap of timers ordered by (time, insertion order), so timers
 * due at the same instant fire in the order they were set. Entries know
 * their own index, which makes removal O(log n).
 *
 * @internal
 */
export interface TimerTarget {
  /** Called when the timer's time has come. */
  onTimer(entry: TimerEntry): void;
}

/** @internal */
export class TimerEntry {
  /** Position in the heap, or -1 when not in it. */
  index = -1;
  constructor(
    public at: number,
    public seq: number,
    public target: TimerTarget,
  ) {}
}

function before(a: TimerEntry, b: TimerEntry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** @internal */
export class TimerHeap {
  private readonly items: TimerEntry[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  peek(): TimerEntry | undefined {
    return this.items[0];
  }

  add(at: number, target: TimerTarget): TimerEntry {
    const entry = new TimerEntry(at, this.seq++, target);
    entry.index = this.items.length;
    this.items.push(entry);
    this.up(entry.index);
    return entry;
  }

  remove(entry: TimerEntry): void {
    const i = entry.index;
    if (i < 0) return;
    entry.index = -1;
    const last = this.items.pop()!;
    if (last !== entry) {
      this.items[i] = last;
      last.index = i;
      this.down(i);
      this.up(last.index);
    }
  }

  /** Moves an entry to a new time; it keeps its place among equal times only if re-added. */
  update(entry: TimerEntry, at: number): void {
    entry.at = at;
    entry.seq = this.seq++;
    this.down(entry.index);
    this.up(entry.index);
  }

  /** Removes and returns the earliest entry whose time is at or before `now`. */
  popDue(now: number): TimerEntry | undefined {
    const top = this.items[0];
    if (top === undefined || top.at > now) return undefined;
    this.remove(top);
    return top;
  }

  private up(i: number): void {
    const items = this.items;
    const entry = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (!before(entry, parent)) break;
      items[i] = parent;
      parent.index = i;
      i = p;
    }
    items[i] = entry;
    entry.index = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const entry = items[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && before(items[r]!, items[c]!)) c = r;
      const child = items[c]!;
      if (!before(child, entry)) break;
      items[i] = child;
      child.index = i;
      i = c;
    }
    items[i] = entry;
    entry.index = i;
  }
}
