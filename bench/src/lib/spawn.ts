import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/**
 * Runs a built bench script (a path relative to bench/dist) in a new
 * process of `executable` (default: this node) with `nodeFlags`, and
 * collects what it printed. A process that runs past `timeoutMs` is killed.
 */
export function runNode(
  script: string,
  args: readonly string[],
  options: { nodeFlags?: readonly string[]; timeoutMs?: number; executable?: string } = {},
): Promise<ProcessResult> {
  const path = fileURLToPath(new URL(`../${script}`, import.meta.url));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      options.executable ?? process.execPath,
      [...(options.nodeFlags ?? []), path, ...args],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
          }, options.timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, ms: performance.now() - started });
    });
  });
}

/** The last JSON line a worker printed, or an error that shows what went wrong. */
export function parseLastJson<T>(what: string, result: ProcessResult): T {
  if (result.code !== 0 || result.timedOut) {
    const how = result.timedOut
      ? "timed out"
      : `exited with ${result.code ?? result.signal ?? "nothing"}`;
    throw new Error(`${what} ${how}:\n${result.stderr.trim() || result.stdout.trim()}`);
  }
  const lines = result.stdout.trim().split("\n");
  const last = lines[lines.length - 1];
  if (last === undefined || last === "") throw new Error(`${what} printed nothing`);
  return JSON.parse(last) as T;
}
