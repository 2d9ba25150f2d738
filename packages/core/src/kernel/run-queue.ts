/** What the run queue links through: the item's own `nextReady` field. @internal */
export interface Queued<T> {
  nextReady: T | null;
}

/**
 * The FIFO of ready tasks, threaded through the tasks themselves: no array
 * grows with the number of ready tasks, so a wide lazy tree does not make
 * the queue a large old-space object full of pointers to new tasks.
 *
 * @internal
 */
export class RunQueue<T extends Queued<T>> {
  private head: T | null = null;
  private tail: T | null = null;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    item.nextReady = null;
    if (this.tail === null) this.head = item;
    else this.tail.nextReady = item;
    this.tail = item;
    this.count++;
  }

  shift(): T | undefined {
    const item = this.head;
    if (item === null) return undefined;
    this.head = item.nextReady;
    if (this.head === null) this.tail = null;
    item.nextReady = null;
    this.count--;
    return item;
  }

  /** The items from the front, as a new array (schedule exploration). */
  toArray(): T[] {
    const out: T[] = [];
    for (let item = this.head; item !== null; item = item.nextReady) out.push(item);
    return out;
  }

  /** Removes and returns the item at position `i` from the front (schedule exploration). */
  takeAt(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    if (i === 0) return this.shift();
    let prev = this.head!;
    for (let k = 1; k < i; k++) prev = prev.nextReady!;
    const item = prev.nextReady!;
    prev.nextReady = item.nextReady;
    if (this.tail === item) this.tail = prev;
    item.nextReady = null;
    this.count--;
    return item;
  }
}
