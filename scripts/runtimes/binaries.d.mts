/** Debian's chromium, where binaries.mjs expects it. */
export declare const CHROMIUM: string;
/**
 * The executable of a pinned runtime (`node24`, `bun`, `deno`); installs
 * the workspace from the lockfile once when it is missing.
 */
export declare function pinnedBinary(runtime: "node24" | "bun" | "deno"): string;
/** Debian's chromium, installed with apt-get when it is missing. */
export declare function chromiumBinary(): string;
/** The version an executable prints for `--version`. */
export declare function versionOf(binary: string): string;
