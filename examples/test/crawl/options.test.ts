import { describe, expect, test } from "vitest";
import { DEFAULT_OPTIONS, UsageError, helpText, parseCommand } from "../../src/crawl/options.js";

function usageError(argv: string[]): string {
  try {
    parseCommand(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${argv.join(" ")} was accepted`);
}

describe("crawl options", () => {
  test("no arguments: the defaults", () => {
    expect(parseCommand([])).toEqual({ kind: "crawl", options: DEFAULT_OPTIONS });
  });

  test("--name value and --name=value, flags, and --help winning over everything", () => {
    expect(
      parseCommand([
        "--count",
        "10",
        "--limit=3",
        "--timeout",
        "1.5",
        "--retries",
        "0",
        "--backoff=5",
        "--deadline",
        "900",
        "--seed",
        "-4",
        "--progress",
        "lines",
        "--json",
      ]),
    ).toEqual({
      kind: "crawl",
      options: {
        count: 10,
        limit: 3,
        timeout: 1.5,
        retries: 0,
        backoff: 5,
        deadline: 900,
        seed: -4,
        progress: "lines",
        json: true,
      },
    });
    expect(parseCommand(["--count", "nope", "--help"])).toEqual({ kind: "help" });
    expect(parseCommand(["-h"])).toEqual({ kind: "help" });
  });

  test("--help lists every option with its default", () => {
    const help = helpText();
    for (const [name, value] of Object.entries(DEFAULT_OPTIONS)) {
      const line = help.split("\n").find((l) => l.startsWith(`  --${name}`));
      expect(line, `--${name} is listed`).toBeDefined();
      if (typeof value !== "boolean") expect(line).toContain(`(default: ${value})`);
    }
    expect(help).toContain(
      "Exit codes: 0 finished, 1 deadline reached, 2 bad option, 130 interrupted.",
    );
  });

  test("bad input: the message names the option and what it takes", () => {
    expect(usageError(["--cont", "5"])).toBe("unknown option --cont; did you mean --count?");
    expect(usageError(["--frobnicate"])).toBe("unknown option --frobnicate");
    expect(usageError(["5000"])).toBe('unexpected argument "5000": options start with --');
    expect(usageError(["--limit", "0"])).toBe(
      '--limit must be a whole number of at least 1, got "0"',
    );
    expect(usageError(["--count=2.5"])).toBe(
      '--count must be a whole number of at least 1, got "2.5"',
    );
    expect(usageError(["--retries", "-1"])).toBe(
      '--retries must be a whole number (0 or more), got "-1"',
    );
    expect(usageError(["--timeout", "0"])).toBe(
      '--timeout must be a positive number of milliseconds, got "0"',
    );
    expect(usageError(["--deadline="])).toBe(
      '--deadline must be a positive number of milliseconds, got ""',
    );
    expect(usageError(["--seed", "x"])).toBe('--seed must be a whole number, got "x"');
    expect(usageError(["--progress", "fancy"])).toBe(
      '--progress must be one of auto, bar, lines, off, got "fancy"',
    );
    expect(usageError(["--count"])).toBe("--count needs a value: --count <n>");
    expect(usageError(["--limit", "--json"])).toBe("--limit needs a value: --limit <n>");
    expect(usageError(["--json=yes"])).toBe("--json takes no value");
  });
});
