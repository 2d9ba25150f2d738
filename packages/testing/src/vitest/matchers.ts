import { NurseryError } from "@copse/core";
import { describe } from "../schedule/control.js";

/** A class: the member must be an instance of it. */
export type ErrorClass = abstract new (...args: never[]) => unknown;

/**
 * What one member of a `NurseryError` must look like:
 *
 * - a class (`TypeError`, your `ValueError`): the member is an instance;
 * - a `RegExp` or a string: the member's message matches it (a string must
 *   be the whole message);
 * - an `Error` object: the member is that very object (nurseries keep the
 *   objects that were thrown), or one of the same class with the same message;
 * - `{ type?, message? }`: both conditions;
 * - an array of patterns: the member is itself a `NurseryError` whose
 *   members match those patterns;
 * - an asymmetric matcher (`expect.objectContaining(...)`, …).
 */
export type NurseryErrorPattern =
  | ErrorClass
  | RegExp
  | string
  | Error
  | { readonly type?: ErrorClass; readonly message?: RegExp | string }
  | readonly NurseryErrorPattern[]
  | {
      /** Whether `other` matches (vitest's asymmetric matcher protocol). */
      asymmetricMatch(other: unknown): boolean;
    };

/** Options of `toBeNurseryError`. */
export interface NurseryErrorMatchOptions {
  /** Members must match the patterns in order (default: any order, as a multiset). */
  ordered?: boolean;
}

/** vitest's deep equality (`this.equals` in a matcher). @inline */
type Equals = (a: unknown, b: unknown) => boolean;

function isAsymmetric(p: unknown): p is { asymmetricMatch(other: unknown): boolean } {
  return (
    p !== null &&
    typeof p === "object" &&
    typeof (p as { asymmetricMatch?: unknown }).asymmetricMatch === "function"
  );
}

function messageOf(e: unknown): string | undefined {
  return e instanceof Error ? e.message : undefined;
}

function matchesText(text: string | undefined, want: RegExp | string): boolean {
  if (text === undefined) return false;
  return typeof want === "string" ? text === want : want.test(text);
}

function memberMatches(
  member: unknown,
  pattern: NurseryErrorPattern,
  options: NurseryErrorMatchOptions,
  equals: Equals,
): boolean {
  if (Array.isArray(pattern)) {
    return (
      member instanceof NurseryError &&
      nurseryErrorMismatch(member, pattern, options, equals) === undefined
    );
  }
  if (typeof pattern === "function") return member instanceof pattern;
  if (pattern instanceof RegExp || typeof pattern === "string")
    return matchesText(messageOf(member), pattern);
  if (pattern instanceof Error) {
    return (
      member === pattern ||
      (member instanceof Error &&
        member.constructor === pattern.constructor &&
        member.message === pattern.message)
    );
  }
  if (isAsymmetric(pattern)) return equals(member, pattern);
  const { type, message } = pattern as { type?: ErrorClass; message?: RegExp | string };
  return (
    (type === undefined || member instanceof type) &&
    (message === undefined || matchesText(messageOf(member), message))
  );
}

/** A pattern in words, for failure messages. */
export function describePattern(pattern: NurseryErrorPattern): string {
  if (Array.isArray(pattern)) return `NurseryError[${pattern.map(describePattern).join(", ")}]`;
  if (typeof pattern === "function") return pattern.name || "an anonymous class";
  if (pattern instanceof RegExp) return `message ${String(pattern)}`;
  if (typeof pattern === "string") return `message ${JSON.stringify(pattern)}`;
  if (pattern instanceof Error) return `the error ${describe(pattern)}`;
  if (isAsymmetric(pattern)) return String(pattern);
  const { type, message } = pattern as { type?: ErrorClass; message?: RegExp | string };
  return [type?.name, message === undefined ? undefined : describePattern(message)]
    .filter(Boolean)
    .join(" with ");
}

/** A member in words, for failure messages (nested groups spelled out). */
export function describeMember(member: unknown): string {
  if (member instanceof NurseryError)
    return `NurseryError[${member.errors.map(describeMember).join(", ")}]`;
  return describe(member);
}

/** Finds a perfect matching of members to patterns (small groups: backtracking). */
function assign(
  members: readonly unknown[],
  patterns: readonly NurseryErrorPattern[],
  options: NurseryErrorMatchOptions,
  equals: Equals,
): number[] | undefined {
  const fits = members.map((m) => patterns.map((p) => memberMatches(m, p, options, equals)));
  const used = new Array<boolean>(patterns.length).fill(false);
  const chosen: number[] = [];
  const search = (i: number): boolean => {
    if (i === members.length) return true;
    for (let j = 0; j < patterns.length; j++) {
      if (used[j] || !fits[i]![j]) continue;
      used[j] = true;
      chosen[i] = j;
      if (search(i + 1)) return true;
      used[j] = false;
    }
    return false;
  };
  return search(0) ? chosen : undefined;
}

/**
 * Why `actual` is not a `NurseryError` whose members match `patterns`, or
 * `undefined` when it is. The check behind `toBeNurseryError`, usable
 * without vitest. Members are compared as a multiset unless `ordered`.
 */
export function nurseryErrorMismatch(
  actual: unknown,
  patterns: readonly NurseryErrorPattern[],
  options: NurseryErrorMatchOptions = {},
  equals: Equals = Object.is,
): string | undefined {
  if (!(actual instanceof NurseryError)) {
    return `expected a NurseryError, got ${describeMember(actual)}`;
  }
  const members = actual.errors;
  if (members.length !== patterns.length) {
    return `expected ${patterns.length} member${patterns.length === 1 ? "" : "s"}, got ${members.length}: [${members.map(describeMember).join(", ")}]`;
  }
  if (options.ordered === true) {
    for (let i = 0; i < members.length; i++) {
      if (!memberMatches(members[i], patterns[i]!, options, equals)) {
        return `member ${i} is ${describeMember(members[i])}, expected ${describePattern(patterns[i]!)}`;
      }
    }
    return undefined;
  }
  if (assign(members, patterns, options, equals) !== undefined) return undefined;
  const unmatched = patterns.filter(
    (p) => !members.some((m) => memberMatches(m, p, options, equals)),
  );
  return unmatched.length > 0
    ? `no member matches ${unmatched.map(describePattern).join(", ")}; members: [${members.map(describeMember).join(", ")}]`
    : `the members [${members.map(describeMember).join(", ")}] cannot be paired one to one with the patterns`;
}

/** The part of vitest's matcher context the matchers use. @inline */
interface MatcherContext {
  isNot: boolean;
  equals(a: unknown, b: unknown): boolean;
}

/**
 * Custom matchers for vitest's `expect.extend`:
 *
 * - `toBeNurseryError(patterns, options?)` — the value is a `NurseryError`
 *   whose members match `patterns` one to one (any order unless
 *   `{ ordered: true }`; see {@link NurseryErrorPattern}). Works with
 *   `.rejects` too.
 *
 * ```ts fragment
 * import { copseMatchers } from "@copse/testing/vitest";
 * import { expect } from "vitest";
 *
 * expect.extend(copseMatchers); // once, e.g. in a setup file
 * await expect(task).rejects.toBeNurseryError([ValueError, /disk full/]);
 * ```
 */
export const copseMatchers = {
  /** Passes when the value is a `NurseryError` whose members match `patterns` one to one. */
  toBeNurseryError(
    this: MatcherContext,
    received: unknown,
    patterns: readonly NurseryErrorPattern[],
    options: NurseryErrorMatchOptions = {},
  ) {
    if (!Array.isArray(patterns)) {
      throw new TypeError(
        `toBeNurseryError expects an array of member patterns, got ${describe(patterns)}`,
      );
    }
    const why = nurseryErrorMismatch(received, patterns, options, (a, b) => this.equals(a, b));
    const expected = `NurseryError[${patterns.map(describePattern).join(", ")}]${options.ordered === true ? " (in order)" : " (any order)"}`;
    return {
      pass: why === undefined,
      message: () =>
        why === undefined
          ? `expected ${describeMember(received)} not to be ${expected}`
          : `expected ${describeMember(received)} to be ${expected}: ${why}`,
    };
  },
};

/** The matchers {@link copseMatchers} adds, for vitest's `Assertion` type. */
export interface CopseMatchers<R = unknown> {
  /** The value is a `NurseryError` whose members match `patterns` one to one. */
  toBeNurseryError(patterns: readonly NurseryErrorPattern[], options?: NurseryErrorMatchOptions): R;
}

declare module "vitest" {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends CopseMatchers<T> {}
}
