import { callStatement } from "./call.js";
import { cancelStatement } from "./cancel.js";
import { closeStatement, receiveStatement, sendStatement } from "./channel.js";
import { checkpointStatement } from "./checkpoint.js";
import { setStatement, waitStatement } from "./event.js";
import { allStatement, raceStatement } from "./group.js";
import { joinStatement } from "./join.js";
import { lockStatement } from "./lock.js";
import { nurseryStatement } from "./nursery.js";
import { scopeStatement } from "./scope.js";
import { permitStatement } from "./semaphore.js";
import { sleepStatement } from "./sleep.js";
import { spawnStatement } from "./spawn.js";
import { startedStatement } from "./started.js";
import { throwStatement } from "./throw.js";
import { timeoutStatement } from "./timeout.js";
import { tryStatement } from "./try.js";
import type { StatementArbitrary } from "./types.js";

/**
 * The kit's statement kinds, one {@link StatementArbitrary} each: pick
 * some for {@link programArbitrary}'s `statements`, add your own
 * ({@link defineStatement}), or change a weight with
 * `{ ...statements.call, weight: 6 }`. `features` still narrow each kind.
 */
export const statements = Object.freeze({
  sleep: sleepStatement,
  checkpoint: checkpointStatement,
  cancel: cancelStatement,
  throw: throwStatement,
  started: startedStatement,
  join: joinStatement,
  call: callStatement,
  scope: scopeStatement,
  timeout: timeoutStatement,
  nursery: nurseryStatement,
  spawn: spawnStatement,
  try: tryStatement,
  all: allStatement,
  race: raceStatement,
  set: setStatement,
  wait: waitStatement,
  send: sendStatement,
  receive: receiveStatement,
  close: closeStatement,
  lock: lockStatement,
  permit: permitStatement,
});

/** Every kind of {@link statements}: what {@link programArbitrary} uses by default. */
export const defaultStatements: readonly StatementArbitrary[] = Object.freeze(
  Object.values(statements),
);
