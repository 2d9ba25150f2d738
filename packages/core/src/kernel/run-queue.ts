/**
 * The FIFO of ready tasks: a growable ring buffer, so a long-running program
 * that enqueues and dequeues forever allocates nothing in steady state.
 *
 * @internal
 */
export class RunQueue<T> {
  private items: (T | undefined)[] = new Array(16);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = item;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return item;
  }

  /** The items from the front, as a new array (schedule exploration). */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++)
      out.push(this.items[(this.head + i) & (this.items.length - 1)]!);
    return out;
  }

  /** Removes and returns the item at position `i` from the front (schedule exploration). */
  takeAt(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    if (i === 0) return this.shift();
    const mask = this.items.length - 1;
    const item = this.items[(this.head + i) & mask];
    for (let k = i; k > 0; k--) {
      this.items[(this.head + k) & mask] = this.items[(this.head + k - 1) & mask];
    }
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & mask;
    this.count--;
    return item;
  }

  private grow(): void {
    const old = this.items;
    const next: (T | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.items = next;
    this.head = 0;
  }
}
