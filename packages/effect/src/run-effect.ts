import { CancelScope, checkpoint, until, type Operation } from "@copse/core";
import { currentEffectiveDeadline } from "@copse/core/internal";
import { Cause, Context, Effect, Exit, Layer, ManagedRuntime, type Fiber } from "effect";
import { describeValue } from "./describe.js";
import { EffectFailure } from "./effect-failure.js";

/**
 * Where the services of an Effect run by {@link runEffect} come from: one
 * of a `ManagedRuntime` (its layer is built once and shared by every run),
 * a `Layer` (built for this run and released when the Effect ends) or a
 * `Context` you already have (for instance from `Effect.context()`).
 */
export type RunEffectOptions<R, ER = never> =
  | { readonly runtime: ManagedRuntime.ManagedRuntime<R, ER> }
  | { readonly layer: Layer.Layer<R, ER> }
  | { readonly context: Context.Context<R> };

/** Starts the fiber of `effect` with the services that `options` names. */
function fork<A, E, R, ER>(
  effect: Effect.Effect<A, E, R>,
  options: RunEffectOptions<R, ER> | undefined,
): Fiber.Fiber<A, E | ER> {
  if (options === undefined) return Effect.runFork(effect as Effect.Effect<A, E>);
  if ("runtime" in options) return options.runtime.runFork(effect);
  if ("layer" in options) return Effect.runFork(Effect.provide(effect, options.layer));
  return Effect.runForkWith(options.context)(effect);
}

function checkOptions(options: unknown): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`runEffect options must be an object, got ${describeValue(options)}`);
  }
  const given = (["runtime", "layer", "context"] as const).filter((key) => key in options);
  if (given.length !== 1) {
    throw new TypeError(
      `runEffect options must name exactly one of runtime, layer or context, got ${
        given.length === 0 ? "none" : given.join(" and ")
      }`,
    );
  }
  const [key] = given;
  const value = (options as Record<string, unknown>)[key!];
  const ok =
    key === "runtime"
      ? ManagedRuntime.isManagedRuntime(value)
      : key === "layer"
        ? Layer.isLayer(value)
        : Context.isContext(value);
  if (!ok) {
    const what = { runtime: "a ManagedRuntime", layer: "a Layer", context: "a Context" }[key!];
    throw new TypeError(`runEffect options.${key} must be ${what}, got ${describeValue(value)}`);
  }
}

function exitOf<A, E>(fiber: Fiber.Fiber<A, E>): Promise<Exit.Exit<A, E>> {
  return new Promise((resolve) => fiber.addObserver(resolve));
}

function* runFiber<A, E, R, ER>(
  effect: Effect.Effect<A, E, R>,
  options: RunEffectOptions<R, ER> | undefined,
): Generator<unknown, A, unknown> {
  // Like `call`: inside a cancelled scope, start nothing and raise Cancelled.
  if (currentEffectiveDeadline() === -Infinity) yield* checkpoint();
  const fiber = fork(effect, options);
  let exit = fiber.pollUnsafe();
  if (exit === undefined) {
    // A promise, so that a virtual clock treats the running fiber as work in
    // flight (like a `call`) and does not jump time while it runs.
    const ended = exitOf(fiber);
    try {
      exit = yield* until(ended);
    } catch (cancelled) {
      // Interrupt, then keep waiting — shielded, since every wait in a
      // cancelled scope raises again — until the fiber's finalizers are done.
      fiber.interruptUnsafe();
      const last = (yield* new CancelScope({ shield: true }).run(() => until(ended)))!;
      // A failure that outlived the interruption (a finalizer that failed, an
      // error raised before the interruption arrived) must not be lost.
      if (Exit.isFailure(last) && !Cause.hasInterruptsOnly(last.cause)) {
        throw new EffectFailure(last.cause);
      }
      throw cancelled;
    }
  }
  if (Exit.isSuccess(exit)) return exit.value;
  throw new EffectFailure(exit.cause);
}

/**
 * Runs an Effect as a copse operation: `yield* runEffect(effect)` from any
 * copse task returns the Effect's success value.
 *
 * - **Failure.** If the Effect fails — a typed error, a defect, or an
 *   interruption from inside (`Effect.interrupt`) — `runEffect` throws an
 *   {@link EffectFailure} that keeps the full `Cause` (`.cause`) and the
 *   first typed error (`.error`).
 * - **Suspension.** The fiber starts at once, inside the `yield*`
 *   (`Effect.runFork`). If it completes without an async boundary (only
 *   synchronous steps), `runEffect` returns or throws without suspending:
 *   no schedule point, no cancellation point. Otherwise the task suspends
 *   until the fiber's exit; that wait is a cancellation point.
 * - **Cancellation.** When the copse task is cancelled while it waits — by
 *   `task.cancel()`, a sibling's failure, a timeout around it — the fiber
 *   is interrupted and the task keeps waiting, shielded, until the fiber
 *   has ended: every `Effect.ensuring`, `acquireRelease` release and
 *   `Scope` finalizer has run to its end before `Cancelled` is rethrown.
 *   An uninterruptible region of the Effect runs to its end first (that is
 *   Effect's shield). If the fiber still ends with a failure or a defect (a
 *   finalizer failed, or the fiber failed before the interruption reached
 *   it), that `EffectFailure` is thrown instead of `Cancelled`, so nothing
 *   is lost. Inside a scope that is already cancelled, the Effect is not
 *   started and `Cancelled` is raised at once (like `call`).
 * - **Services.** `options` provides what the Effect requires: a
 *   `ManagedRuntime`, a `Layer` (built for this run) or a `Context`.
 *   Failures of building them are thrown as `EffectFailure` too.
 * - **Time.** The Effect runs on Effect's own clock and scheduler. For a
 *   copse `VirtualClock`, a running fiber is work in flight, like a `call`
 *   promise: virtual time does not jump while a task waits for a fiber
 *   (so a copse timeout on a virtual clock cannot expire around an Effect
 *   that never ends; use the real clock, or Effect's `TestClock`, there).
 *
 * Throws a `TypeError` at the call if `effect` is not an Effect or the
 * options name no valid runtime, layer or context.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { run } from "@copse/core";
 * import { runEffect } from "@copse/effect";
 * import { Context, Effect, Layer } from "effect";
 *
 * const Greeter = Context.Service<{ greet(name: string): string }>("Greeter");
 * const GreeterLive = Layer.succeed(Greeter)({ greet: (name) => `hello, ${name}` });
 *
 * const text = await run(function* () {
 *   const n = yield* runEffect(Effect.succeed(20).pipe(Effect.delay("1 millis")));
 *   const greet = Effect.gen(function* () {
 *     const greeter = yield* Greeter;
 *     return greeter.greet("copse");
 *   });
 *   const greeting = yield* runEffect(greet, { layer: GreeterLive });
 *   return `${greeting} (${n + 1})`;
 * });
 * assert.equal(text, "hello, copse (21)");
 * ```
 */
export function runEffect<A, E>(effect: Effect.Effect<A, E, never>): Operation<A>;
export function runEffect<A, E, R, ER>(
  effect: Effect.Effect<A, E, R>,
  options: RunEffectOptions<R, ER>,
): Operation<A>;
export function runEffect<A, E, R, ER>(
  effect: Effect.Effect<A, E, R>,
  options?: RunEffectOptions<R, ER>,
): Operation<A> {
  if (!Effect.isEffect(effect)) {
    throw new TypeError(
      `runEffect expects an Effect, got ${describeValue(effect)}` +
        (typeof effect === "function" ? "; call it to get the Effect, or use Effect.suspend" : ""),
    );
  }
  checkOptions(options);
  return runFiber(effect, options);
}
