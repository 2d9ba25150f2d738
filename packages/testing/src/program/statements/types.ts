import type fc from "fast-check";
import type { Stmt } from "../ast.js";
import type { ProgramFeatures } from "../features.js";
import type { Normalizer } from "./normalize.js";

// fast-check generates (and shrinks) a raw tree in which every reference is
// a plain number: time keys, cancel targets, nursery and handle choices.
// The Normalizer turns it into a Program by walking it once: it numbers
// ids, resolves references against what is in scope, and gives every timed
// statement a distinct power of two, ranked by its time key. Shrinking the
// raw tree therefore always yields a valid, race-free program.

/** A generated statement before normalisation: what a {@link StatementArbitrary} produces. */
export interface RawStmt {
  /** The statement at `place`, or `null` when it cannot be there (it is left out). */
  normalize(n: Normalizer, place: Place): Stmt | null;
  /** For a block statement: its statements, which take its place when shrinking drops the block. */
  readonly body?: RawBlock;
}

/** A block statement shrunk to its body: the body's statements, in place. */
export interface RawInline {
  readonly inline: RawBlock;
}

/** One entry of a raw block. */
export type RawItem = RawStmt | RawInline;

/** A raw block. */
export type RawBlock = readonly RawItem[];

/** What a {@link StatementArbitrary} builds its arbitrary from. */
export interface StatementTools {
  /** Raw blocks (recursive: they hold statements of every kind in the program). */
  readonly block: fc.Arbitrary<RawBlock>;
  /** Time keys: the normaliser ranks them into distinct powers of two (smaller key, shorter). */
  readonly timeKey: fc.Arbitrary<number>;
  /** The features the program may use. */
  readonly features: ProgramFeatures;
}

/**
 * The generator of one kind of statement: a value to compose with
 * {@link programArbitrary}'s `statements` option. The kit's own kinds are
 * in {@link statements}; {@link defineStatement} makes one for a kind of
 * your own.
 */
export interface StatementArbitrary {
  /** The kind's name, for messages. */
  readonly name: string;
  /** How often it is picked, relative to the other kinds of its group (leaves or blocks); any positive number. */
  readonly weight: number;
  /** Whether it holds blocks: block statements thin out with depth, leaves do not. */
  readonly nests: boolean;
  /**
   * Its raw statements, or `null` when the features leave it out. The raw
   * form is the assembler's own: kinds of your own are built with
   * {@link defineStatement}, which writes this for you.
   *
   * @internal
   */
  arbitrary(tools: StatementTools): fc.Arbitrary<RawStmt> | null;
}

/** A nursery visible at a point of the program, with the task that opened it. */
export interface VisibleNursery {
  readonly id: string;
  readonly task: string;
}

/** A task handle that code may join: started with `startSoon`/`startTask` into `into`. */
export interface Handle {
  readonly id: string;
  readonly into: string;
  /** Whether the task has certainly ended here: its nursery's block has ended before this point. */
  finished: boolean;
}

/** Where a statement is normalised (and checked): what encloses it and what it may refer to. */
export interface Place {
  /** Nurseries lexically enclosing this point, innermost last, with the task that opened them. */
  readonly nurseries: readonly VisibleNursery[];
  /** Scopes, timeouts and nurseries that lexically enclose this point (across tasks), innermost last. */
  readonly enclosing: readonly string[];
  /** The task whose code this is. */
  readonly task: string;
  /** Whether that task was started with `start` (so it may call `started`). */
  readonly startChild: boolean;
  /** Whether this code may run at the instant its task was started (rule 4). */
  readonly fresh: boolean;
  /** Whether this is `finally`/`catch` code of its task, where an error may be on its way out. */
  readonly cleanup: boolean;
  /** The locks this task's code holds here (`withLock` blocks of the same task around it). */
  readonly held: readonly string[];
  /**
   * The handles this code may join: tasks its task started earlier (in
   * program order), and those its spawner could join when it started it.
   * One list per task's code, extended as the task's statements are read.
   */
  readonly handles: Handle[];
}

/** A statement kind as a frozen value (and typed, so that its `arbitrary` needs no annotations). */
export function statementKind(kind: StatementArbitrary): StatementArbitrary {
  return Object.freeze(kind);
}
