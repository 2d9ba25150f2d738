// The command line of the crawl: every option, its default, and the
// checks that turn a bad value into an error that says what to type.

/** How progress is shown while the crawl runs. */
export type ProgressMode = "auto" | "bar" | "lines" | "off";

/** Everything the crawl can be told from the command line. */
export interface CrawlOptions {
  /** URLs to fetch. */
  count: number;
  /** HTTP requests in flight at most. */
  limit: number;
  /** Per-request timeout in ms (each attempt has its own). */
  timeout: number;
  /** Retries per URL after the first attempt. */
  retries: number;
  /** Wait before the first retry in ms; it doubles for each further retry. */
  backoff: number;
  /** Deadline of the whole crawl in ms. */
  deadline: number;
  /** Seed of the URL list and of the embedded server's behaviour. */
  seed: number;
  /** `bar` redraws one line (for a terminal), `lines` prints a line now and then. */
  progress: ProgressMode;
  /** Print the summary as one JSON object instead of a table. */
  json: boolean;
}

/** A mistake on the command line (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

type Kind = "count" | "whole" | "ms" | "integer" | "progress" | "flag";

interface OptionSpec {
  readonly name: keyof CrawlOptions;
  readonly kind: Kind;
  readonly value: string;
  readonly help: string;
}

const SPECS: readonly OptionSpec[] = [
  { name: "count", kind: "count", value: "<n>", help: "URLs to fetch" },
  { name: "limit", kind: "count", value: "<n>", help: "HTTP requests in flight at most" },
  { name: "timeout", kind: "ms", value: "<ms>", help: "timeout of each request (failAfter)" },
  { name: "retries", kind: "whole", value: "<n>", help: "retries per URL after the first attempt" },
  {
    name: "backoff",
    kind: "ms",
    value: "<ms>",
    help: "wait before the first retry; doubles per retry",
  },
  {
    name: "deadline",
    kind: "ms",
    value: "<ms>",
    help: "deadline of the whole crawl (moveOnAfter)",
  },
  {
    name: "seed",
    kind: "integer",
    value: "<n>",
    help: "seed of the URL list and the server's behaviour",
  },
  {
    name: "progress",
    kind: "progress",
    value: "<mode>",
    help: "auto, bar, lines or off (auto: bar on a terminal)",
  },
  { name: "json", kind: "flag", value: "", help: "print the summary as JSON" },
];

/** The defaults: a run of a few seconds. */
export const DEFAULT_OPTIONS: Readonly<CrawlOptions> = Object.freeze({
  count: 5_000,
  limit: 64,
  timeout: 250,
  retries: 2,
  backoff: 50,
  deadline: 30_000,
  seed: 1,
  progress: "auto",
  json: false,
});

const PROGRESS_MODES: readonly ProgressMode[] = ["auto", "bar", "lines", "off"];

/** What the command line asks for: a crawl, or the help text. */
export type Command = { kind: "crawl"; options: CrawlOptions } | { kind: "help" };

/** The text of `--help`: every option with its default. */
export function helpText(): string {
  const rows = SPECS.map((spec) => {
    const left = `  --${spec.name}${spec.value === "" ? "" : ` ${spec.value}`}`;
    const fallback = DEFAULT_OPTIONS[spec.name];
    const shown = spec.kind === "flag" ? "" : ` (default: ${String(fallback)})`;
    return `${left.padEnd(22)}${spec.help}${shown}`;
  });
  return [
    "Usage: crawl [options]",
    "",
    "Fetches --count URLs from an HTTP server it starts on 127.0.0.1, with at most",
    "--limit requests in flight, a timeout per request, retries with backoff, an",
    "in-memory cache (repeated URLs finish eagerly, without suspending) and a",
    "deadline for the whole crawl. Ctrl-C cancels every request in flight, closes",
    "the server and prints the summary (exit code 130).",
    "",
    "Options:",
    ...rows,
    `${"  --help, -h".padEnd(22)}show this help`,
    "",
    "Exit codes: 0 finished, 1 deadline reached, 2 bad option, 130 interrupted.",
  ].join("\n");
}

function closest(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const spec of SPECS) {
    const d = editDistance(name, spec.name);
    if (d < bestDistance) {
      best = spec.name;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next.push(Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + cost));
    }
    row = next;
  }
  return row[b.length]!;
}

function parseValue(spec: OptionSpec, text: string): number | ProgressMode {
  const option = `--${spec.name}`;
  if (spec.kind === "progress") {
    if (!(PROGRESS_MODES as readonly string[]).includes(text)) {
      throw new UsageError(
        `${option} must be one of ${PROGRESS_MODES.join(", ")}, got ${JSON.stringify(text)}`,
      );
    }
    return text as ProgressMode;
  }
  const n = text.trim() === "" ? NaN : Number(text);
  switch (spec.kind) {
    case "count":
      if (!Number.isSafeInteger(n) || n < 1) {
        throw new UsageError(
          `${option} must be a whole number of at least 1, got ${JSON.stringify(text)}`,
        );
      }
      return n;
    case "whole":
      if (!Number.isSafeInteger(n) || n < 0) {
        throw new UsageError(
          `${option} must be a whole number (0 or more), got ${JSON.stringify(text)}`,
        );
      }
      return n;
    case "ms":
      if (!Number.isFinite(n) || n <= 0) {
        throw new UsageError(
          `${option} must be a positive number of milliseconds, got ${JSON.stringify(text)}`,
        );
      }
      return n;
    default:
      if (!Number.isSafeInteger(n)) {
        throw new UsageError(`${option} must be a whole number, got ${JSON.stringify(text)}`);
      }
      return n;
  }
}

/**
 * Reads the command line (`process.argv.slice(2)`). Options are
 * `--name value` or `--name=value`; `--help` wins over everything else.
 * Throws {@link UsageError} for an unknown option, a missing value or a
 * value out of range, with a message that names the option and what it takes.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { UsageError, parseCommand } from "@copse/examples/crawl/options";
 *
 * const command = parseCommand(["--count", "100", "--limit=8"]);
 * assert.ok(command.kind === "crawl" && command.options.limit === 8);
 * assert.throws(
 *   () => parseCommand(["--cout", "100"]),
 *   new UsageError("unknown option --cout; did you mean --count?"),
 * );
 * ```
 */
export function parseCommand(argv: readonly string[]): Command {
  if (argv.includes("--help") || argv.includes("-h")) return { kind: "help" };
  const options: CrawlOptions = { ...DEFAULT_OPTIONS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) {
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)}: options start with --`);
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = SPECS.find((s) => s.name === name);
    if (spec === undefined) {
      const guess = closest(name);
      throw new UsageError(
        `unknown option --${name}${guess === undefined ? "" : `; did you mean --${guess}?`}`,
      );
    }
    if (spec.kind === "flag") {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      (options as unknown as Record<string, unknown>)[name] = true;
      continue;
    }
    let text: string | undefined;
    if (eq !== -1) text = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) text = argv[++i];
    if (text === undefined)
      throw new UsageError(`--${name} needs a value: --${name} ${spec.value}`);
    (options as unknown as Record<string, unknown>)[name] = parseValue(spec, text);
  }
  return { kind: "crawl", options };
}
