/** Layer of each top folder of packages/core/src, lowest first. */
export declare const CORE_LAYERS: Readonly<Record<string, number>>;
/** The relative modules `source` imports values from. */
export declare function valueImports(source: string): string[];
/** Checks a module graph (path from the source root → text); returns the violations. */
export declare function checkLayers(
  files: Readonly<Record<string, string>>,
  layers?: Readonly<Record<string, number>>,
): string[];
/** Reads every `.ts` file below `dir`, keyed by its path from `dir`. */
export declare function readSources(dir: string): Record<string, string>;
