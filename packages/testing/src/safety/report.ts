import type { SafetyFailure, SafetyReport, SafetyScenario, TraceEvent } from "./types.js";

const TRACE_LIMIT = 60;

function scenarioLiteral(s: SafetyScenario): string {
  const where =
    s.deadline !== undefined
      ? `deadline: ${s.deadline}`
      : s.point !== undefined
        ? `point: ${s.point}`
        : "";
  return `{ variant: "${s.variant}", start: "${s.start}"${where === "" ? "" : `, ${where}`} }`;
}

function shortName(s: SafetyScenario): string {
  if (s.variant === "baseline") return `baseline (${s.start})`;
  if (s.variant === "timeout") return `timeout ${s.deadline} ms (${s.start})`;
  return `${s.variant} @${s.point} (${s.start})`;
}

function formatTrace(trace: readonly TraceEvent[]): string[] {
  const width = Math.max(...trace.map((e) => `t=${e.time} ms`.length), 6);
  const lines = trace
    .slice(0, TRACE_LIMIT)
    .map((e) => `    ${`t=${e.time} ms`.padEnd(width)}  ${e.text}`);
  if (trace.length > TRACE_LIMIT) lines.push(`    … ${trace.length - TRACE_LIMIT} more events`);
  return lines;
}

/** One failing scenario in words: what was violated, the trace, how to rerun it alone. */
export function formatSafetyFailure(failure: SafetyFailure): string {
  const lines = [`✗ ${failure.description}`];
  for (const v of failure.violations) lines.push(`  ${v.kind}: ${v.message}`);
  lines.push("  trace:");
  lines.push(...formatTrace(failure.trace));
  lines.push(`  rerun it alone with options { only: ${scenarioLiteral(failure.scenario)} }`);
  return lines.join("\n");
}

/**
 * The text of a {@link SafetyReport}: a summary line, the first `detail`
 * failures in full (violations, virtual-time trace, how to rerun), and a
 * list of all failures.
 */
export function formatSafetyReport(report: Omit<SafetyReport, "text">, detail = 3): string {
  const lines: string[] = [];
  const bases = report.baselines
    .map(
      (b) =>
        `${b.start}: ${b.points} points, deadlines at +${b.instants.join("/")} ms, ${b.suspensions} suspensions, ${b.outcome} after ${b.duration} ms`,
    )
    .join("; ");
  if (report.ok) {
    lines.push(`Cancellation safety of ${report.name}: all ${report.scenarios} scenarios passed.`);
    if (bases !== "") lines.push(`Uncancelled runs: ${bases}.`);
    return lines.join("\n");
  }
  lines.push(
    `Cancellation safety of ${report.name}: ${report.failures.length} of ${report.scenarios} scenarios broke a rule.`,
  );
  if (bases !== "") lines.push(`Uncancelled runs: ${bases}.`);
  for (const failure of report.failures.slice(0, detail)) {
    lines.push("");
    lines.push(formatSafetyFailure(failure));
  }
  lines.push("");
  lines.push("All failing scenarios:");
  for (const failure of report.failures) {
    const kinds = [...new Set(failure.violations.map((v) => v.kind))].join(", ");
    lines.push(`  ${shortName(failure.scenario)}: ${kinds}`);
  }
  return lines.join("\n");
}
