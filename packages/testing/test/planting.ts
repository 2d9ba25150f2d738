// Shared by the planted-bug tests: patching a prototype from outside the
// core (and putting it back), and running the equivalence property on the
// broken runtime.
import fc from "fast-check";
import {
  checkEquivalence,
  equivalenceProperty,
  formatReport,
  type EquivalencePropertyOptions,
  type Finding,
  type Program,
} from "../src/index.js";

/** Puts back what a plant changed. */
export type Restore = () => void;

/**
 * Replaces `proto[key]` and returns what puts it back. A method inherited
 * from a base class (`NurseryImpl`'s `settled` is `TaskGroup`'s) is
 * shadowed by an own property, which the restore deletes again.
 */
export function patch<T extends object, K extends keyof T>(proto: T, key: K, value: T[K]): Restore {
  const original = Object.getOwnPropertyDescriptor(proto, key);
  Object.defineProperty(proto, key, {
    configurable: true,
    writable: true,
    enumerable: false,
    ...original,
    value,
  });
  return () => {
    if (original === undefined) Reflect.deleteProperty(proto, key);
    else Object.defineProperty(proto, key, original);
  };
}

/**
 * Runs the property (2 000 programs, seed 1) with `plant` applied, and
 * restores it after; prints the shrunk counterexample when it fails.
 */
export function findWith(
  name: string,
  plant: () => Restore,
  options?: EquivalencePropertyOptions,
): { details: fc.RunDetails<[Program]>; findings: readonly Finding[] } {
  const restore = plant();
  try {
    const details = fc.check(equivalenceProperty(options), { seed: 1, numRuns: 2000 });
    const findings = details.failed ? checkEquivalence(details.counterexample![0]).findings : [];
    if (details.failed) {
      console.log(
        `${name}: found after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s) ` +
          `(seed ${details.seed}, path ${details.counterexamplePath})\n` +
          formatReport(checkEquivalence(details.counterexample![0])),
      );
    }
    return { details, findings };
  } finally {
    restore();
  }
}
