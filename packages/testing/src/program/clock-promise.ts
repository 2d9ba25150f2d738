import type { VirtualClock } from "../virtual-clock.js";

/**
 * The promise of a `call` statement: a promise-like that settles from a
 * timer of the run's virtual clock (or at once) and calls its callbacks
 * synchronously, so the whole run stays inside `interpret` — a real
 * promise would resume the task from a microtask, after `interpret` has
 * returned. Like a well-behaved I/O promise it stops when its signal
 * aborts: the timer is cleared and it never settles.
 *
 * Not a general promise: `then` is called once (by `call`) and returns
 * nothing useful.
 */
export class ClockPromise<T> implements PromiseLike<T> {
  private onValue: ((value: T) => unknown) | null = null;
  private onError: ((error: unknown) => unknown) | null = null;
  private settled = false;

  /**
   * `at`: the clock time it settles at, or `null` for a promise that has
   * settled already; `outcome`: with what. `events` hears when it settles
   * or is abandoned through `signal`.
   */
  constructor(
    clock: VirtualClock,
    at: number | null,
    private readonly outcome:
      { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown },
    signal: AbortSignal,
    private readonly events: { settled(): void; aborted(): void },
  ) {
    if (at === null) {
      this.settled = true;
      events.settled();
      return;
    }
    const clear = clock.setTimer(at, () => this.settle());
    signal.addEventListener(
      "abort",
      () => {
        if (this.settled) return;
        this.settled = true;
        clear();
        events.aborted();
      },
      { once: true },
    );
  }

  then<R1 = T, R2 = never>(
    onValue?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onError?: ((error: unknown) => R2 | PromiseLike<R2>) | null,
  ): PromiseLike<R1 | R2> {
    this.onValue = onValue ?? null;
    this.onError = onError ?? null;
    // Settled already (at creation): deliver now, as a resolved promise's
    // callback would run before anything else could happen to the waiter.
    if (this.settled) this.deliver();
    return this as unknown as PromiseLike<R1 | R2>;
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.events.settled();
    this.deliver();
  }

  private deliver(): void {
    const outcome = this.outcome;
    if (outcome.ok) this.onValue?.(outcome.value);
    else this.onError?.(outcome.error);
  }
}
