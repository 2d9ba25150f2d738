// The crawl as a process: the compiled CLI (examples/dist, built here with
// `tsc -b examples` if it is not up to date) is spawned with small runs.
// What only a process shows is tested here: exit codes, Ctrl-C (SIGINT), and
// that nothing stays open after the summary.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { helpText } from "../../src/crawl/options.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const cli = fileURLToPath(new URL("../../dist/crawl/main.js", import.meta.url));
const happyEyeballsDemo = fileURLToPath(
  new URL("../../dist/happy-eyeballs-demo.js", import.meta.url),
);
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `onStderr` sees stderr as it arrives and may act on the child. */
function crawlProcess(
  args: string[],
  onStderr?: (text: string, child: ReturnType<typeof spawn>) => void,
): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      onStderr?.(stderr, child);
    });
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

interface Summary {
  ending: string;
  count: number;
  done: number;
  cached: number;
  eager: number;
  failed: number;
  timedOut: number;
  cancelled: number;
  cancelledInFlight: number;
  inFlight: number;
  peakInFlight: number;
  limit: number;
  server: { requests: number; answered: number; abandoned: number; cut: number };
  openSockets: number;
}

function expectCleanEnd(summary: Summary): void {
  expect(summary.done + summary.failed + summary.timedOut + summary.cancelled).toBe(summary.count);
  expect(summary.inFlight).toBe(0);
  expect(summary.peakInFlight).toBeLessThanOrEqual(summary.limit);
  expect(summary.eager).toBe(summary.cached);
  expect(summary.server.cut).toBe(0);
  expect(summary.server.answered + summary.server.abandoned).toBe(summary.server.requests);
  expect(summary.openSockets).toBe(0);
}

beforeAll(() => {
  execFileSync(process.execPath, [tsc, "-b", "examples"], { cwd: root, stdio: "pipe" });
}, 180_000);

describe("the crawl CLI", () => {
  test("--help prints every option with its default, exit code 0", async () => {
    const exit = await crawlProcess(["--help"]);
    expect(exit).toEqual({ code: 0, signal: null, stdout: `${helpText()}\n`, stderr: "" });
  });

  test("a bad option is a clear error and exit code 2", async () => {
    expect(await crawlProcess(["--limit", "0"])).toEqual({
      code: 2,
      signal: null,
      stdout: "",
      stderr:
        'crawl: --limit must be a whole number of at least 1, got "0"\nRun with --help to see every option.\n',
    });
    const typo = await crawlProcess(["--cuont", "10"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr.split("\n")[0]).toBe("crawl: unknown option --cuont; did you mean --count?");
  });

  test("a small run prints progress lines and a summary table whose counts add up, exit code 0", async () => {
    const exit = await crawlProcess([
      "--count",
      "200",
      "--limit",
      "16",
      "--timeout",
      "1500",
      "--backoff",
      "5",
      "--progress",
      "lines",
    ]);
    expect(exit.code).toBe(0);
    expect(exit.stderr).toMatch(
      /^crawling 200 URLs from http:\/\/127\.0\.0\.1:\d+: at most 16 in flight, timeout 1500 ms, 2 retries, deadline 30000 ms\n/,
    );
    const lines = exit.stdout.split("\n");
    expect(lines[1]).toMatch(
      /^crawl finished: 200 URLs from http:\/\/127\.0\.0\.1:\d+ in \d+\.\d\d s$/,
    );
    const row = (label: string): number => {
      const line = lines.find((l) => l.startsWith(`  ${label} `));
      expect(line, `the ${label} row`).toBeDefined();
      return Number(/^ {2}\S.*? {2,}(\d+)/.exec(line!)![1]);
    };
    expect(row("done") + row("failed") + row("timed out") + row("cancelled")).toBe(200);
    expect(row("total")).toBe(200);
    expect(row("cancelled")).toBe(0);
    expect(row("peak in flight")).toBeLessThanOrEqual(16);
    const cached = row("cached (eager)");
    expect(exit.stdout).toContain(`all ${cached} finished inside startTask, without suspending`);
    expect(exit.stdout).toMatch(/shutdown: server closed, 0 connections cut, 0 sockets left open;/);
  });

  test("--deadline ends the run early with a summary, exit code 1", async () => {
    const exit = await crawlProcess([
      "--count",
      "3000",
      "--timeout",
      "10000",
      "--deadline",
      "400",
      "--progress",
      "off",
      "--json",
    ]);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toBe("");
    const summary = JSON.parse(exit.stdout) as Summary;
    expect(summary.ending).toBe("deadline");
    expect(summary.done).toBeGreaterThan(0);
    expect(summary.cancelled).toBeGreaterThan(0);
    expectCleanEnd(summary);
  });

  test("SIGINT mid-run: every request in flight is aborted, the server closes, summary and exit code 130", async () => {
    let interrupted = false;
    const exit = await crawlProcess(
      ["--count", "3000", "--limit", "16", "--timeout", "10000", "--progress", "lines", "--json"],
      (stderr, child) => {
        // After the first progress line the crawl is under way, with requests hanging.
        if (!interrupted && stderr.includes("\nprogress: ")) {
          interrupted = true;
          child.kill("SIGINT");
        }
      },
    );
    expect(interrupted).toBe(true);
    expect(exit.code).toBe(130);
    const summary = JSON.parse(exit.stdout) as Summary;
    expect(summary.ending).toBe("interrupted");
    expect(summary.cancelled).toBeGreaterThan(0);
    expect(summary.cancelledInFlight).toBeGreaterThan(0);
    // The server saw the aborts: requests dropped by the client, none left open, none cut.
    expect(summary.server.abandoned).toBeGreaterThan(0);
    expectCleanEnd(summary);
  });
});

// Built by the same `tsc -b` (one test file builds, so two builds never race).
describe("the Happy Eyeballs demo", () => {
  test("the refused port fails, the slow server is overtaken and its connection closed", () => {
    const demo = spawnSync(process.execPath, [happyEyeballsDemo], { encoding: "utf8" });
    expect(demo.status).toBe(0);
    const events = demo.stdout
      .split("\n")
      .filter((line) => line.includes(" attempt "))
      .map((line) =>
        line
          .replace(/^ *\d+ ms {2}/, "")
          .replace(/port \d+/g, "port N")
          .replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:N"),
      );
    expect(events).toEqual([
      "attempt 0 → port N (refuses): starts (first)",
      "attempt 0 → port N (refuses): failed: connect ECONNREFUSED 127.0.0.1:N",
      "attempt 1 → slow (greets after 1000 ms): starts (previous failed)",
      "attempt 2 → fast (greets after 20 ms): starts (delay elapsed)",
      "attempt 2 → fast (greets after 20 ms): won",
      "attempt 1 → slow (greets after 1000 ms): cancelled",
    ]);
    expect(demo.stdout).toContain('connected to fast (greets after 20 ms): "hello from fast"');
    expect(demo.stdout).toContain("the slow server saw its connection closed: 0 open of 1");
  });
});
