// A setup file of every runtime leg: fails each test file whose tests do not
// run in the runtime the leg started (a pool that fell back to another
// binary, a browser that is not the one asked for), so a green line always
// means that runtime.

/** The runtime this code runs in, and its version. */
function detect() {
  const g = /** @type {any} */ (globalThis);
  if (typeof g.Deno?.version?.deno === "string") return ["deno", g.Deno.version.deno];
  if (typeof g.Bun?.version === "string") return ["bun", g.Bun.version];
  if (typeof g.process?.versions?.node === "string") return ["node", g.process.versions.node];
  const chrome = /(?:Headless)?Chrome\/(\d[\d.]*)/.exec(g.navigator?.userAgent ?? "");
  if (chrome !== null) return ["chromium", chrome[1]];
  return ["an unknown runtime", g.navigator?.userAgent ?? "?"];
}

const env = globalThis.process?.env ?? import.meta.env;
const expected = [env.COPSE_RUNTIME, env.COPSE_RUNTIME_VERSION];
const [name, version] = detect();
// Chromium reports only its major version to pages (user-agent reduction).
const same =
  name === expected[0] &&
  (name === "chromium"
    ? version.split(".")[0] === expected[1]?.split(".")[0]
    : version === expected[1]);
if (!same) {
  throw new Error(
    `this leg was to run its tests in ${expected.join(" ")}, but they run in ${name} ${version}`,
  );
}
