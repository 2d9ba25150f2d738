import { statementKind, type RawStmt, type StatementArbitrary } from "./types.js";

/** A nursery (children are started into it by `spawn` statements inside). */
export const nurseryStatement: StatementArbitrary = statementKind({
  name: "nursery",
  weight: 2,
  nests: true,
  arbitrary: ({ block, features }) =>
    features.spawn || features.start
      ? block.map((body): RawStmt => ({ body, normalize: (n, place) => n.nursery(body, place) }))
      : null,
});
