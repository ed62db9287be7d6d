import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { EmbeddedEngine } from "@/lib/pipeline/engine";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../../helpers/db";
import { APP_ID, FakeClock, HOUR, MINUTE, gate, makeHarness, openAllGates, resetPipelineTables, testClient } from "./harness";

/** Sleeps, waits, invokes, parallel steps, concurrency limits and cron. */
describe.each(databaseKinds())("embedded engine: flow control on %s", (kind) => {
  let t: TestDatabase;
  const running: EmbeddedEngine[] = [];
  const start = makeHarness(running);

  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await resetPipelineTables(t.db);
  });
  afterEach(async () => {
    openAllGates();
    for (const engine of running.splice(0)) await engine.stop();
  });

  it("sleeps until the engine clock reaches the wake time (duration and sleepUntil)", async () => {
    const client = testClient();
    const log: string[] = [];
    const fn = client.createFunction({ id: "sleepy", triggers: [{ event: "test/sleep" }] }, async ({ step }) => {
      await step.run("before", () => log.push("before"));
      await step.sleep("nap", "1h");
      await step.run("middle", () => log.push("middle"));
      await step.sleepUntil("until", new Date("2030-01-02T00:00:00.000Z"));
      await step.run("after", () => log.push("after"));
      return "rested";
    });
    const { engine, clock } = await start(t.db, client, [fn]);

    await engine.send({ name: "test/sleep" });
    await engine.waitForIdle();
    const [run] = await engine.listRuns();
    expect(log).toEqual(["before"]);
    expect((await engine.listJobs(run!.id)).map((job) => [job.kind, job.runAt.toISOString()])).toEqual([["sleep", "2030-01-01T01:00:00.000Z"]]);

    clock.advance(HOUR - 1);
    await engine.waitForIdle();
    expect(log).toEqual(["before"]);

    clock.advance(1);
    await engine.waitForIdle();
    expect(log).toEqual(["before", "middle"]);

    clock.advance(22 * HOUR);
    await engine.waitForIdle();
    expect(log).toEqual(["before", "middle"]);
    clock.advance(HOUR);
    await engine.waitForIdle();
    expect(log).toEqual(["before", "middle", "after"]);
    expect((await engine.getRun(run!.id))?.output).toBe("rested");
  });

  it("waitForEvent resumes on a matching event (match), ignores others, and returns null on timeout", async () => {
    const client = testClient();
    const results: Record<string, unknown> = {};
    const fn = client.createFunction({ id: "approval", triggers: [{ event: "test/review-requested" }] }, async ({ event, step }) => {
      const approval = await step.waitForEvent("wait-approval", { event: "test/approved", match: "data.callId", timeout: "2h" });
      results[String(event.data.callId)] = approval ? approval.data : null;
      return approval?.data.by ?? "timed out";
    });
    const { engine, clock } = await start(t.db, client, [fn]);

    await engine.send([
      { name: "test/review-requested", data: { callId: "A" } },
      { name: "test/review-requested", data: { callId: "B" } },
    ]);
    await engine.waitForIdle();
    expect((await engine.listJobs()).filter((job) => job.kind === "wait_event")).toHaveLength(2);

    await engine.send({ name: "test/approved", data: { callId: "C", by: "nobody" } }); // matches neither
    await engine.waitForIdle();
    expect(results).toEqual({});

    clock.advance(HOUR);
    await engine.send({ name: "test/approved", data: { callId: "A", by: "ada" } });
    await engine.waitForIdle();
    expect(results).toEqual({ A: { callId: "A", by: "ada" } });

    clock.advance(HOUR); // B's two hours are up
    await engine.waitForIdle();
    expect(results).toEqual({ A: { callId: "A", by: "ada" }, B: null });
    const outputs = (await engine.listRuns()).map((run) => [(run.event as { data: { callId: string } }).data.callId, run.status, run.output]);
    expect(outputs.sort()).toEqual([
      ["A", "COMPLETED", "ada"],
      ["B", "COMPLETED", "timed out"],
    ]);
  });

  it("waitForEvent with an `if` expression compares the waiting run's event and the incoming one", async () => {
    const client = testClient();
    const fn = client.createFunction({ id: "big-payment", triggers: [{ event: "test/watch" }] }, async ({ step }) => {
      const payment = await step.waitForEvent("wait-payment", {
        event: "test/paid",
        timeout: "1d",
        if: "event.data.userId == async.data.userId && async.data.amount >= 100",
      });
      return payment?.data.amount ?? null;
    });
    const { engine } = await start(t.db, client, [fn]);
    await engine.send({ name: "test/watch", data: { userId: "u1" } });
    await engine.waitForIdle();
    await engine.send([
      { name: "test/paid", data: { userId: "u2", amount: 500 } },
      { name: "test/paid", data: { userId: "u1", amount: 5 } },
    ]);
    await engine.waitForIdle();
    expect((await engine.listRuns())[0]?.status).toBe("RUNNING");
    await engine.send({ name: "test/paid", data: { userId: "u1", amount: 150 } });
    await engine.waitForIdle();
    expect((await engine.listRuns())[0]).toMatchObject({ status: "COMPLETED", output: 150 });
  });

  it("invokes another function and resumes the caller with its result, or with its error", async () => {
    const client = testClient();
    const square = client.createFunction({ id: "square", retries: 0, triggers: [] }, async ({ event, step }) => {
      const n = Number((event.data as { n?: number }).n);
      if (n < 0) throw new Error("negative input");
      return step.run("compute", () => n * n);
    });
    const caller = client.createFunction({ id: "caller", retries: 0, triggers: [{ event: "test/invoke" }] }, async ({ event, step }) => {
      try {
        return await step.invoke("square-it", { function: square, data: { n: event.data.n } });
      } catch (error) {
        return `caught: ${(error as Error).message}`;
      }
    });
    const { engine } = await start(t.db, client, [square, caller]);

    await engine.send([
      { name: "test/invoke", data: { n: 7 }, id: "ok" },
      { name: "test/invoke", data: { n: -1 }, id: "bad" },
    ]);
    await engine.waitForIdle();

    const [ok] = await engine.listRuns({ eventId: "ok" });
    const [bad] = await engine.listRuns({ eventId: "bad" });
    expect(ok).toMatchObject({ status: "COMPLETED", output: 49 });
    expect(bad).toMatchObject({ status: "COMPLETED", output: "caught: negative input" });
    const children = await engine.listRuns({ functionId: `${APP_ID}-square` });
    expect(children.map((child) => child.status).sort()).toEqual(["COMPLETED", "FAILED"]);
    expect(children.every((child) => (child.event as { name: string }).name === "inngest/function.invoked")).toBe(true);
    expect((await engine.listRuns({ parentRunId: ok!.id }))[0]?.output).toBe(49);
  });

  it("times out an invoke whose function does not finish in time", async () => {
    const client = testClient();
    const slow = client.createFunction({ id: "slow", triggers: [] }, async ({ step }) => {
      await step.sleep("forever-ish", "1d");
      return "late";
    });
    const caller = client.createFunction({ id: "impatient", triggers: [{ event: "test/impatient" }] }, async ({ step }) => {
      try {
        return await step.invoke("call-slow", { function: slow, data: {}, timeout: "1h" });
      } catch (error) {
        return `gave up: ${(error as Error).message}`;
      }
    });
    const { engine, clock } = await start(t.db, client, [slow, caller]);
    await engine.send({ name: "test/impatient" });
    await engine.waitForIdle();
    clock.advance(HOUR);
    await engine.waitForIdle();
    const [run] = await engine.listRuns({ functionId: `${APP_ID}-impatient` });
    expect(run).toMatchObject({ status: "COMPLETED", output: expect.stringContaining("gave up: Timed out") });
    // The child still finishes on its own; its late result no longer matters.
    clock.advance(24 * HOUR);
    await engine.waitForIdle();
    expect((await engine.listRuns({ functionId: `${APP_ID}-slow` }))[0]?.status).toBe("COMPLETED");
    expect((await engine.getRun(run!.id))?.output).toMatch(/^gave up/);
  });

  it("runs parallel steps each in its own call, exactly once, and memoizes them all", async () => {
    const client = testClient();
    const counts: Record<string, number> = { diarize: 0, transcribe: 0, probe: 0, merge: 0 };
    const bump = (name: string, value: string) => () => ((counts[name] = (counts[name] ?? 0) + 1), value);
    const fn = client.createFunction({ id: "parallel", triggers: [{ event: "test/parallel" }] }, async ({ step }) => {
      const [speakers, words, meta] = await Promise.all([
        step.run("diarize", bump("diarize", "S")),
        step.run("transcribe", bump("transcribe", "W")),
        step.run("probe", bump("probe", "M")),
      ]);
      return step.run("merge", bump("merge", `${speakers}${words}${meta}`));
    });
    const { engine } = await start(t.db, client, [fn]);
    await engine.send({ name: "test/parallel" });
    await engine.waitForIdle();

    const [run] = await engine.listRuns();
    expect(run).toMatchObject({ status: "COMPLETED", output: "SWM", disableImmediateExecution: true });
    expect(counts).toEqual({ diarize: 1, transcribe: 1, probe: 1, merge: 1 });
    const view = await engine.getRun(run!.id);
    expect(view?.steps.map((step) => step.name).sort()).toEqual(["diarize", "merge", "probe", "transcribe"]);
    expect(view?.steps.at(-1)?.name).toBe("merge");
  });

  it("never runs more steps of a function at once than its concurrency limit", async () => {
    const client = testClient();
    let active = 0;
    let maxActive = 0;
    let started = 0;
    const hold = gate();
    const fn = client.createFunction({ id: "limited", concurrency: { limit: 2 }, triggers: [{ event: "test/limited" }] }, async ({ step }) => {
      await step.run("work", async () => {
        started++;
        active++;
        maxActive = Math.max(maxActive, active);
        await hold.promise;
        active--;
      });
      await step.run("more-work", async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await Promise.resolve();
        active--;
      });
    });
    const { engine } = await start(t.db, client, [fn]);
    await engine.send(Array.from({ length: 5 }, (_, i) => ({ name: "test/limited", data: { i } })));

    // Everything that may start has been claimed: two runs' calls, the other three wait for a slot.
    await engine.waitForSettled();
    expect((await engine.listJobs()).filter((job) => job.lockedUntil !== null)).toHaveLength(2);
    await vi.waitFor(() => expect(active).toBe(2));
    await engine.waitForSettled();
    expect(started).toBe(2);

    hold.open();
    await engine.waitForIdle();
    expect(started).toBe(5);
    expect(maxActive).toBe(2);
    expect((await engine.listRuns({ status: "COMPLETED" })).length).toBe(5);
  });

  it("applies a keyed concurrency limit per key value", async () => {
    const client = testClient();
    const activeByUser = new Map<string, number>();
    let maxPerUser = 0;
    let maxTotal = 0;
    const hold = gate();
    const fn = client.createFunction(
      { id: "per-user", concurrency: { limit: 1, key: "event.data.userId" }, triggers: [{ event: "test/per-user" }] },
      async ({ event, step }) => {
        const user = String(event.data.userId);
        await step.run("work", async () => {
          activeByUser.set(user, (activeByUser.get(user) ?? 0) + 1);
          maxPerUser = Math.max(maxPerUser, activeByUser.get(user)!);
          maxTotal = Math.max(maxTotal, [...activeByUser.values()].reduce((a, b) => a + b, 0));
          await hold.promise;
          activeByUser.set(user, activeByUser.get(user)! - 1);
        });
      },
    );
    const { engine } = await start(t.db, client, [fn]);
    await engine.send(["u1", "u1", "u1", "u2", "u2"].map((userId) => ({ name: "test/per-user", data: { userId } })));
    await engine.waitForSettled();
    expect((await engine.listJobs()).filter((job) => job.lockedUntil !== null)).toHaveLength(2);
    await vi.waitFor(() => expect([...activeByUser.values()].reduce((a, b) => a + b, 0)).toBe(2));
    expect([...activeByUser.entries()].sort()).toEqual([
      ["u1", 1],
      ["u2", 1],
    ]);
    hold.open();
    await engine.waitForIdle();
    expect(maxPerUser).toBe(1);
    expect(maxTotal).toBe(2);
    expect((await engine.listRuns({ status: "COMPLETED" })).length).toBe(5);
  });

  it("runs cron functions on their schedule from the engine clock, once per tick, across restarts", async () => {
    const client = testClient();
    const ticks: string[] = [];
    const fn = client.createFunction({ id: "sweeper", triggers: [{ cron: "0 * * * *" }] }, async ({ event }) => {
      ticks.push(`${event.name}@${new Date(event.ts!).toISOString()}`);
      return (event.data as { cron?: string }).cron;
    });
    const clock = new FakeClock("2030-01-01T00:30:00.000Z");
    const { engine } = await start(t.db, client, [fn], { clock });
    await engine.waitForIdle();
    expect(ticks).toEqual([]);
    expect((await engine.listJobs()).map((job) => [job.kind, job.runAt.toISOString()])).toEqual([["cron", "2030-01-01T01:00:00.000Z"]]);

    clock.advance(30 * MINUTE);
    await engine.waitForIdle();
    expect(ticks).toEqual(["inngest/scheduled.timer@2030-01-01T01:00:00.000Z"]);

    // A restart keeps the queued tick: nothing runs twice, nothing is skipped.
    await engine.stop();
    const { engine: again } = await start(t.db, client, [fn], { clock });
    await again.waitForIdle();
    expect(ticks).toHaveLength(1);
    clock.advance(HOUR);
    await again.waitForIdle();
    expect(ticks).toEqual(["inngest/scheduled.timer@2030-01-01T01:00:00.000Z", "inngest/scheduled.timer@2030-01-01T02:00:00.000Z"]);
    expect((await again.listRuns()).map((run) => run.output)).toEqual(["0 * * * *", "0 * * * *"]);

    // After a long outage, one catch-up run, then back on schedule.
    clock.advance(5 * HOUR + 10 * MINUTE);
    await again.waitForIdle();
    expect(ticks).toHaveLength(3);
    expect((await again.listJobs()).map((job) => job.runAt.toISOString())).toEqual(["2030-01-01T08:00:00.000Z"]);
  });
});
