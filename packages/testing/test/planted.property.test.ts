// The equivalence property has teeth: each known eager bug of docs/cases.md
// (lessons from other runtimes) and a natural bug per kind of joins, `call`, `all` and
// `race` is planted into a deliberately broken runtime (prototypes of the
// kernel classes patched from outside the core, restored in `finally`), and
// the property must find it and shrink it to a small program. The plants use
// only names that `@copse/core/internal` exports (`NurseryImpl`'s and
// `TaskImpl`'s methods, `kernel.current`, `startEagerly`,
// `currentEffectiveDeadline`), not private fields, so that they survive
// refactorings of the kernel.
import { describe, expect, test } from "vitest";
import { Cancelled, type Operation, type StartOptions, type Task } from "@copse/core";
import {
  NurseryImpl,
  TaskImpl,
  currentEffectiveDeadline,
  kernel,
  startEagerly,
} from "@copse/core/internal";
import { checkEquivalence, programSize, type Sense } from "../src/index.js";
import { findWith, patch, type Restore } from "./planting.js";

type StartTask = <T>(this: NurseryImpl, fn: () => Operation<T>, options?: StartOptions) => Task<T>;
const realStartTask = NurseryImpl.prototype.startTask as StartTask;

/** Replaces `startTask` by `wrap`, which gets the real start of the task as `start`. */
function wrapStartTask(wrap: (start: () => Task<unknown>) => Task<unknown>): Restore {
  return patch(NurseryImpl.prototype, "startTask", function (this: NurseryImpl, fn, options) {
    return wrap(() => realStartTask.call(this, fn, options));
  } as StartTask);
}

/**
 * Makes `currentTask()` return the task that was current before `run`
 * started, while `run` runs (it still steps the right task).
 */
function withCallerAsCurrent<T>(run: () => T): T {
  const caller = kernel.current;
  const slot = Object.getOwnPropertyDescriptor(kernel, "current")!;
  let actual = kernel.current;
  Object.defineProperty(kernel, "current", {
    configurable: true,
    enumerable: true,
    get: () => caller ?? actual,
    set: (task: TaskImpl<unknown> | null) => (actual = task),
  });
  try {
    return run();
  } finally {
    Object.defineProperty(kernel, "current", slot);
    kernel.current = actual;
  }
}

/**
 * (a) docs/cases.md, lessons from other runtimes (python/cpython#97696): the eager step runs with
 * the caller as the current task, so scopes, nurseries and timeouts opened
 * in it attach to the caller.
 */
function plantWrongCurrentTask(): Restore {
  return wrapStartTask((start) => withCallerAsCurrent(start));
}

/**
 * (b) docs/cases.md, lessons from other runtimes (python/cpython#128550, #155418): the
 * child is registered in its nursery's set of children only after its
 * first step, and not at all if it finished during it (CPython 3.13's
 * "if not done: register").
 */
function plantLateAttach(): Restore {
  return patch(NurseryImpl.prototype, "startTask", function <T>(
    this: NurseryImpl,
    fn: () => Operation<T>,
    options?: StartOptions,
  ): Task<T> {
    const adopt = NurseryImpl.prototype.adopt;
    // `spawn` registers the child through `adopt`: defer that.
    Object.defineProperty(this, "adopt", {
      configurable: true,
      value: (task: TaskImpl<unknown>) => void (task.nursery = this),
    });
    let task: TaskImpl<T>;
    try {
      task = this.spawn(fn, options?.name);
    } finally {
      Reflect.deleteProperty(this, "adopt");
    }
    startEagerly(task as TaskImpl<unknown>);
    if (!task.done) adopt.call(this, task as TaskImpl<unknown>);
    return task;
  } as StartTask);
}

/** (c) X08: an error of the eager first step is thrown out of `startTask`. */
function plantThrowingStartTask(): Restore {
  return wrapStartTask((start) => {
    const task = start();
    const outcome = task.outcome;
    if (outcome?.status === "error") throw outcome.error;
    return task;
  });
}

/**
 * (d) docs/cases.md L07 and lessons from other runtimes (python-trio/trio#41): a lazily started
 * task whose scope is cancelled before its turn ends `Cancelled` without
 * running. (`currentEffectiveDeadline()` is `-Infinity` exactly when the
 * current task is effectively cancelled.)
 */
function plantSkippedLazyStart(): Restore {
  const real = NurseryImpl.prototype.startSoon as StartTask;
  return patch(NurseryImpl.prototype, "startSoon", function <T>(
    this: NurseryImpl,
    fn: () => Operation<T>,
    options?: StartOptions,
  ): Task<T> {
    const skipIfCancelled = (): Operation<T> => {
      if (currentEffectiveDeadline() === -Infinity) throw new Cancelled();
      return fn();
    };
    return real.call(this, skipIfCancelled, options) as Task<T>;
  } as StartTask);
}

/**
 * (e) Joins: joining a task that finished during its eager first step is a
 * suspension (a schedule point and a cancellation point), as if the join
 * did not know the task was done — joining a finished task must be
 * neither.
 */
function plantSuspendingJoin(): Restore {
  const finishedEagerly = new WeakSet<object>();
  const restoreStart = wrapStartTask((start) => {
    const task = start();
    if (task.done) finishedEagerly.add(task);
    return task;
  });
  type Next = TaskImpl<unknown>["next"];
  const realNext = TaskImpl.prototype.next as Next;
  // The instruction protocol's `next`, without the task's "already done" fast path.
  const suspendingNext = Object.getPrototypeOf(TaskImpl.prototype).next as Next;
  const restoreNext = patch(TaskImpl.prototype, "next", function (
    this: TaskImpl<unknown>,
    value?: unknown,
  ) {
    return (finishedEagerly.has(this) ? suspendingNext : realNext).call(this, value);
  } as Next);
  const realEnter = TaskImpl.prototype.enter;
  const restoreEnter = patch(
    TaskImpl.prototype,
    "enter",
    function (this: TaskImpl<unknown>, joiner: TaskImpl<unknown>) {
      // Resumed from the run queue, with a cancellation check: a checkpoint.
      if (finishedEagerly.has(this)) joiner.wake(undefined, true);
      else realEnter.call(this, joiner);
    },
  );
  return () => {
    restoreEnter();
    restoreNext();
    restoreStart();
  };
}

/**
 * (f) `call`: cancelling a call does not abort its signal, so the work it
 * started goes on unattended (an AbortController that is never told).
 */
function plantUnabortedCall(): Restore {
  return patch(AbortController.prototype, "abort", function (this: AbortController) {
    // forgotten
  });
}

/** Whether `task` is a child of an `all`, started in its owner's step (not the root of a run). */
function isAllChild(task: TaskImpl<unknown>): boolean {
  const holder = task.nursery;
  if (holder === null) return kernel.current !== null; // the fast path of `all`
  return holder instanceof NurseryImpl && !holder.exitIsSchedulePoint && !("winner" in holder);
}

/**
 * (g) `all`: a child's eager first step runs with the owner as the current
 * task (python/cpython#97696, for a gather's children).
 */
function plantAllChildCurrentTask(): Restore {
  const real = TaskImpl.prototype.stepFirst;
  return patch(TaskImpl.prototype, "stepFirst", function (this: TaskImpl<unknown>) {
    if (!isAllChild(this)) return real.call(this);
    return withCallerAsCurrent(() => real.call(this));
  });
}

/**
 * (h) `race`: returns as soon as the winner finishes, leaving the losers
 * running (`Promise.race`), instead of waiting for their cancellation.
 */
function plantRaceLeavesLosers(): Restore {
  // `settled` is the task group's (race's group is a group, not a nursery).
  const group = Object.getPrototypeOf(NurseryImpl.prototype) as NurseryImpl;
  const real = group.settled;
  return patch(group, "settled", function (this: NurseryImpl) {
    const winner = (this as NurseryImpl & { winner?: TaskImpl<unknown> | null }).winner;
    if ("winner" in this && winner !== null && this.ownerWaiting) {
      this.ownerWaiting = false;
      this.owner.wake(undefined, false);
      return;
    }
    real.call(this);
  });
}

interface Plant {
  readonly name: string;
  readonly plant: () => Restore;
  /** The senses of docs/eager-lazy.md the bug must show up in. */
  readonly senses: readonly Sense[];
  /** The largest acceptable shrunk counterexample (statements). */
  readonly maxSize: number;
}

const plants: readonly Plant[] = [
  {
    name: "(a) wrong current task in the eager step",
    plant: plantWrongCurrentTask,
    senses: [6],
    maxSize: 2,
  },
  {
    name: "(b) child attached after its first step",
    plant: plantLateAttach,
    senses: [3],
    maxSize: 3,
  },
  {
    name: "(c) first-step error thrown out of startTask",
    plant: plantThrowingStartTask,
    senses: [2],
    maxSize: 3,
  },
  {
    name: "(d) lazy task skipped when cancelled before its turn",
    plant: plantSkippedLazyStart,
    senses: [7],
    maxSize: 4,
  },
  {
    name: "(e) joining a task that finished in its eager step suspends",
    plant: plantSuspendingJoin,
    senses: [3],
    maxSize: 5,
  },
  {
    name: "(f) cancelling a call does not abort its signal",
    plant: plantUnabortedCall,
    senses: [3],
    maxSize: 4,
  },
  {
    name: "(g) an all child's eager step sees its owner as the current task",
    plant: plantAllChildCurrentTask,
    senses: [6],
    maxSize: 1,
  },
  {
    name: "(h) race returns before its losers have ended",
    plant: plantRaceLeavesLosers,
    senses: [3],
    maxSize: 5,
  },
];

/**
 * The program language without the shared objects (events, locks,
 * semaphores, channels): these bugs are in the kernel's start paths, not
 * in the primitives, and the bounds on the shrunk programs are those of
 * that language (`planted-shared.property.test.ts` plants bugs in the
 * primitives and runs the full language).
 */
const KERNEL_ONLY = {
  program: { features: { event: false, lock: false, semaphore: false, channel: false } },
} as const;

describe("the equivalence property finds each planted eager bug and shrinks it", () => {
  for (const { name, plant, senses, maxSize } of plants) {
    test(name, () => {
      const { details, findings } = findWith(name, plant, KERNEL_ONLY);
      expect(details.failed).toBe(true);
      const counterexample = details.counterexample![0];
      expect(programSize(counterexample)).toBeLessThanOrEqual(maxSize);
      for (const sense of senses) expect(findings.map((f) => f.sense)).toContain(sense);
      // With the real runtime back, the same program is the same on every path.
      expect(checkEquivalence(counterexample).findings).toEqual([]);
    });
  }
});
