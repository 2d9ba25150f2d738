import {
  exploreSchedules,
  replaySchedule,
  runScheduled,
  type ScheduleContext,
} from "@copse/testing";
import { describe, expect, test } from "vitest";
import { Account, OverdraftError, SafeAccount, twoWithdrawals } from "../src/bank.js";

const racy = ({ note }: ScheduleContext) => twoWithdrawals(new Account(100, note));
const safe = ({ note }: ScheduleContext) => twoWithdrawals(new SafeAccount(100, note));

describe("bank: a check-then-act race across a checkpoint", () => {
  test("FIFO never exposes the race", async () => {
    const fifo = await runScheduled(racy);
    expect(fifo.failed).toBe(false);
    expect(fifo.outcome).toEqual({ status: "ok", value: 40 });
  });

  test("exploration finds it, shrunk to one deviation, and the token replays it", async () => {
    const result = await exploreSchedules(racy);
    console.log(result.report);
    expect(result.ok).toBe(false);
    expect(result.fifo.failed).toBe(false);
    const failure = result.failure!;
    expect(failure.schedule.deviations.length).toBeLessThanOrEqual(1);
    expect(failure.error).toBeInstanceOf(OverdraftError);
    const replay = await replaySchedule(failure.token, racy);
    expect(replay.failed).toBe(true);
    expect(replay.error).toBeInstanceOf(OverdraftError);
    expect(replay.token).toBe(failure.token);
    expect(replay.notes.map((n) => n.text)).toEqual([
      "alice checked 100 >= 60",
      "bob checked 100 >= 60",
      "alice debited 60, balance 40",
      "bob debited 60, balance -20",
    ]);
    expect(result.report).toContain("ran bob instead of alice");
  });

  test("the fixed account passes every explored schedule", async () => {
    const result = await exploreSchedules(safe);
    expect(result.ok).toBe(true);
  });
});
