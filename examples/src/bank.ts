// A check-then-act race across a checkpoint, for schedule exploration
// (examples/test/bank.test.ts). Under copse's FIFO schedule the race never
// shows; one different choice of which ready task runs next exposes it.
import { checkpoint, currentTask, nursery, type Operation } from "@copse/core";

/** Thrown when an account would go below zero. */
export class OverdraftError extends Error {
  constructor(readonly balance: number) {
    super(`overdraft: the balance is ${balance}`);
    this.name = "OverdraftError";
  }
}

/** An account whose `withdraw` checks the balance, then writes an audit record, then debits. */
export class Account {
  constructor(
    public balance: number,
    /** Where audit lines go (a schedule exploration's `note`, in the tests). */
    protected readonly audit: (line: string) => void = () => {},
  ) {}

  /**
   * **Racy**: checks, suspends (the audit write is a checkpoint), then acts
   * on a balance that another task may have changed meanwhile.
   */
  *withdraw(amount: number): Operation<boolean> {
    if (this.balance < amount) return false;
    this.audit(`${currentTask().name} checked ${this.balance} >= ${amount}`);
    yield* checkpoint(); // write the audit record
    this.balance -= amount;
    this.audit(`${currentTask().name} debited ${amount}, balance ${this.balance}`);
    return true;
  }
}

/** The fix: debit first (a reservation), then suspend; refund if the audit fails. */
export class SafeAccount extends Account {
  override *withdraw(amount: number): Operation<boolean> {
    if (this.balance < amount) return false;
    this.balance -= amount; // reserve before suspending
    this.audit(`${currentTask().name} debited ${amount}, balance ${this.balance}`);
    try {
      yield* checkpoint(); // write the audit record
    } catch (error) {
      this.balance += amount;
      throw error;
    }
    return true;
  }
}

/**
 * Two clients withdraw 60 from an account holding 100; the second
 * authenticates first (one checkpoint). Throws {@link OverdraftError} if
 * the account ends below zero; returns the final balance otherwise.
 */
export function* twoWithdrawals(account: Account): Operation<number> {
  yield* nursery(function* (n) {
    n.startSoon(() => account.withdraw(60), { name: "alice" });
    n.startSoon(
      function* () {
        yield* checkpoint(); // authenticate
        return yield* account.withdraw(60);
      },
      { name: "bob" },
    );
  });
  if (account.balance < 0) throw new OverdraftError(account.balance);
  return account.balance;
}
