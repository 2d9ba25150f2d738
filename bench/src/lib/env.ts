import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** The commit the tree is on, and whether the core's sources differ from it (read-only git calls). */
function gitState(): string {
  try {
    const git = (...args: string[]): string =>
      execFileSync("git", args, {
        cwd: repoRoot,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }).trim();
    const head = git("rev-parse", "--short", "HEAD");
    const dirty = git("diff", "--name-only", "HEAD", "--", "packages/core/src") !== "";
    return `commit ${head}${dirty ? " + uncommitted changes in packages/core/src" : ""}`;
  } catch {
    return "no git";
  }
}

/**
 * A fingerprint of the built core that was measured: every `.js` file
 * under packages/core/dist, subfolders included (the kernel lives there).
 */
function coreFingerprint(): string {
  try {
    const dir = join(repoRoot, "packages/core/dist");
    const hash = createHash("sha256");
    const files = (readdirSync(dir, { recursive: true }) as string[])
      .filter((f) => f.endsWith(".js"))
      .sort();
    for (const file of files) hash.update(file).update(readFileSync(join(dir, file)));
    return hash.digest("hex").slice(0, 12);
  } catch {
    return "not built";
  }
}

function versionOf(packageJson: string): string {
  try {
    const path = fileURLToPath(new URL(`../../${packageJson}`, import.meta.url));
    return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

/** What the numbers were measured with, for the report header. */
export function environment(): string {
  const cpus = os.cpus();
  return [
    `- Node ${process.version} (V8 ${process.versions.v8}), ${os.platform()} ${os.arch()}, ` +
      `${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown CPU"}, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")} at the start`,
    `- @copse/core ${versionOf("../packages/core/package.json")} (${gitState()}; dist fingerprint ${coreFingerprint()}), ` +
      `effect ${versionOf("node_modules/effect/package.json")}, ` +
      `effection ${versionOf("node_modules/effection/package.json")}`,
  ].join("\n");
}
