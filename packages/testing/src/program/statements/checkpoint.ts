import fc from "fast-check";
import { statementKind, type RawStmt, type StatementArbitrary } from "./types.js";

const raw: RawStmt = {
  // Rule 4: no checkpoint while the task may still be at its start instant.
  normalize: (_n, place) => (place.fresh ? null : { kind: "checkpoint" }),
};

/** `checkpoint()`, left out where its task may still be at its start instant (rule 4). */
export const checkpointStatement: StatementArbitrary = statementKind({
  name: "checkpoint",
  weight: 2,
  nests: false,
  arbitrary: ({ features }) => (features.checkpoint ? fc.constant(raw) : null),
});
