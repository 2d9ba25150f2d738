import { stringify } from "fast-check";
import type { Block, CustomStmt, Stmt, TaskSpec } from "./ast.js";

/** A program as indented pseudo-code: what `Program.toString()` returns. */
export function printProgram(main: TaskSpec): string {
  const lines: string[] = [`task ${main.id}:`];
  printBlock(main.body, 1, lines);
  lines.push(`  return ${JSON.stringify(main.value)}`);
  return lines.join("\n");
}

const sleepThen = (after: number | null): string => (after === null ? "" : `sleep(${after}); `);

const START_NAMES = { soon: "startSoon", task: "startTask", start: "yield* start" } as const;

function printBlock(block: Block, depth: number, lines: string[]): void {
  const pad = "  ".repeat(depth);
  for (const stmt of block) printStmt(stmt, pad, depth, lines);
}

function printStmt(stmt: Stmt, pad: string, depth: number, lines: string[]): void {
  switch (stmt.kind) {
    case "sleep":
      lines.push(`${pad}sleep(${stmt.ms})`);
      return;
    case "checkpoint":
      lines.push(`${pad}checkpoint()`);
      return;
    case "cancel":
      lines.push(`${pad}${sleepThen(stmt.after)}cancel(${stmt.target})`);
      return;
    case "throw":
      lines.push(`${pad}${sleepThen(stmt.after)}throw ${stmt.error}`);
      return;
    case "started":
      lines.push(`${pad}${sleepThen(stmt.after)}started(${JSON.stringify(stmt.value)})`);
      return;
    case "scope": {
      const opts = [
        ...(stmt.deadline === null ? [] : [`deadline +${stmt.deadline}`]),
        ...(stmt.shield ? ["shield"] : []),
      ];
      lines.push(`${pad}scope ${stmt.id}${opts.length > 0 ? ` (${opts.join(", ")})` : ""}:`);
      printBody(stmt.body, depth + 1, lines);
      return;
    }
    case "timeout":
      lines.push(`${pad}${stmt.fail ? "failAfter" : "moveOnAfter"}(${stmt.ms}) ${stmt.id}:`);
      printBody(stmt.body, depth + 1, lines);
      return;
    case "nursery":
      lines.push(`${pad}nursery ${stmt.id}:`);
      printBody(stmt.body, depth + 1, lines);
      return;
    case "spawn":
      lines.push(
        `${pad}${sleepThen(stmt.after)}${START_NAMES[stmt.via]} ${stmt.task.id} in ${stmt.into}:`,
      );
      printTaskBody(stmt.task, depth + 1, lines);
      return;
    case "try":
      lines.push(`${pad}try ${stmt.id}:`);
      printBody(stmt.body, depth + 1, lines);
      if (stmt.onCancelled !== null) {
        lines.push(`${pad}catch Cancelled:`);
        printBlock(stmt.onCancelled, depth + 1, lines);
        lines.push(`${pad}  rethrow`);
      }
      if (stmt.catchErrors) lines.push(`${pad}catch other errors: log and continue`);
      if (stmt.cleanup !== null) {
        lines.push(`${pad}finally${stmt.cleanup.shield ? " (shielded)" : ""}:`);
        printBody(stmt.cleanup.body, depth + 1, lines);
      }
      return;
    case "join":
      lines.push(
        `${pad}${sleepThen(stmt.after)}join ${stmt.target}${stmt.rethrow ? " (rethrow errors)" : ""}`,
      );
      return;
    case "call": {
      const how =
        stmt.settle === "sync"
          ? "returns a value (no promise)"
          : stmt.settle === "now"
            ? "already resolved"
            : `${stmt.rejects === null ? "resolves" : `rejects ${stmt.rejects}`} after ${stmt.settle}`;
      lines.push(`${pad}${sleepThen(stmt.after)}call ${stmt.id}: ${how}`);
      return;
    }
    case "group":
      lines.push(`${pad}${sleepThen(stmt.after)}${stmt.op} ${stmt.id}:`);
      for (const child of stmt.children) {
        lines.push(`${pad}  child ${child.id}:`);
        printTaskBody(child, depth + 2, lines);
      }
      return;
    case "set":
      lines.push(`${pad}${sleepThen(stmt.after)}set ${stmt.event}`);
      return;
    case "wait":
      lines.push(`${pad}${sleepThen(stmt.after)}wait ${stmt.event} (patience ${stmt.patience})`);
      return;
    case "lock":
      lines.push(
        `${pad}${sleepThen(stmt.after)}withLock ${stmt.lock} (patience ${stmt.patience}):`,
      );
      printBody(stmt.body, depth + 1, lines);
      return;
    case "permit":
      lines.push(
        `${pad}${sleepThen(stmt.after)}withPermit ${stmt.semaphore} of ${stmt.initial} (patience ${stmt.patience}):`,
      );
      printBody(stmt.body, depth + 1, lines);
      return;
    case "send":
      lines.push(
        `${pad}${sleepThen(stmt.after)}send ${JSON.stringify(stmt.id)} to ${stmt.channel}${capacity(stmt.capacity)} (patience ${stmt.patience})`,
      );
      return;
    case "receive":
      lines.push(
        `${pad}${sleepThen(stmt.after)}receive from ${stmt.channel}${capacity(stmt.capacity)} (patience ${stmt.patience})`,
      );
      return;
    case "close":
      lines.push(
        `${pad}${sleepThen(stmt.after)}close the ${stmt.end} end of ${stmt.channel}${capacity(stmt.capacity)}`,
      );
      return;
    case "custom":
      lines.push(`${pad}${customHead(stmt)}${stmt.body === null ? "" : ":"}`);
      if (stmt.body !== null) printBody(stmt.body, depth + 1, lines);
      return;
  }
}

const capacity = (n: number): string => `[${n}]`;

/** The first line of a custom statement: the definition's own, or name, id, data and durations. */
function customHead(stmt: CustomStmt): string {
  if (stmt.def.print !== undefined) return stmt.def.print(stmt);
  const data = stmt.data === undefined ? "" : ` ${stringify(stmt.data)}`;
  const durations = stmt.durations.length === 0 ? "" : ` (${stmt.durations.join(", ")})`;
  return `${stmt.def.name} ${stmt.id}${data}${durations}`;
}

function printTaskBody(task: TaskSpec, depth: number, lines: string[]): void {
  printBlock(task.body, depth, lines);
  lines.push(`${"  ".repeat(depth)}return ${JSON.stringify(task.value)}`);
}

function printBody(block: Block, depth: number, lines: string[]): void {
  if (block.length === 0) lines.push(`${"  ".repeat(depth)}pass`);
  else printBlock(block, depth, lines);
}
