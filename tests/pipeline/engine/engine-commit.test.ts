import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EmbeddedEngine } from "@/lib/pipeline/engine";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../../helpers/db";
import { gate, makeHarness, resetPipelineTables, testClient } from "./harness";

/**
 * The one-statement step commit (`commitStepAndContinue`): the slot goes on with the run's next call and
 * the run state read under the run's lock, and immediate execution comes back after parallel steps.
 */
describe.each(databaseKinds())("embedded engine: step commits on %s", (kind) => {
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
    for (const engine of running.splice(0)) await engine.stop();
  });

  it("after parallel steps, runs each later step in the discovery call that finds it, each step once", async () => {
    const client = testClient();
    const AFTER = ["c", "d", "e", "f", "g"];
    const runs: Record<string, number> = {};
    let calls = 0; // the function body runs once per call of the serve handler
    const once = (name: string, value: string) => () => ((runs[name] = (runs[name] ?? 0) + 1), value);
    const fn = client.createFunction({ id: "fan", triggers: [{ event: "test/fan" }] }, async ({ step }) => {
      calls++;
      let out = await step.run("first", once("first", "1"));
      const [a, b] = await Promise.all([step.run("a", once("a", "a")), step.run("b", once("b", "b"))]);
      out += a + b;
      for (const name of AFTER) out += await step.run(name, once(name, name));
      return out;
    });
    const { engine } = await start(t.db, client, [fn]);
    await engine.send({ name: "test/fan" });
    await engine.waitForIdle();

    const [run] = await engine.listRuns();
    // The run went parallel (and stays marked so), yet ran to the same result with every step once.
    expect(run).toMatchObject({ status: "COMPLETED", output: "1abcdefg", disableImmediateExecution: true });
    expect(runs).toEqual({ first: 1, a: 1, b: 1, c: 1, d: 1, e: 1, f: 1, g: 1 });
    expect((await engine.getRun(run!.id))?.steps.map((step) => step.name)).toHaveLength(8);
    // first, the fan-out, a, b, at most one discovery while a branch was out, one call per later step, the
    // end. Keeping immediate execution off after the fan-out takes two calls per later step (≥ 15 here).
    expect(calls).toBeLessThanOrEqual(5 + AFTER.length + 1);
    expect(await engine.listJobs(run!.id)).toEqual([]);
  });

  it("a run cancelled while its step is out stores nothing of that call and leaves nothing queued", async () => {
    const client = testClient();
    const hold = gate();
    let later = 0;
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const fn = client.createFunction({ id: "cancelled", triggers: [{ event: "test/cancelled" }] }, async ({ step }) => {
      await step.run("before", () => "ok");
      await step.run("held", async () => {
        entered();
        await hold.promise;
        return "late";
      });
      await step.run("later", () => ++later);
    });
    const { engine } = await start(t.db, client, [fn]);
    await engine.send({ name: "test/cancelled" });
    await inside;
    const [run] = await engine.listRuns();
    expect(await engine.cancelRun(run!.id)).toBe(true);
    hold.open();
    await engine.waitForIdle();

    const view = await engine.getRun(run!.id);
    expect(view?.status).toBe("CANCELLED");
    expect(view?.steps.map((step) => step.name)).toEqual(["before"]);
    expect(later).toBe(0);
    expect(await engine.listJobs(run!.id)).toEqual([]);
  });

  it("a stopped engine gives back the call its last commit claimed; the next engine finishes the run", async () => {
    const client = testClient();
    const hold = gate();
    const runs: Record<string, number> = {};
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const fn = client.createFunction({ id: "handover", triggers: [{ event: "test/handover" }] }, async ({ step }) => {
      await step.run("one", async () => {
        runs.one = (runs.one ?? 0) + 1;
        entered();
        await hold.promise;
        return 1;
      });
      return step.run("two", () => ((runs.two = (runs.two ?? 0) + 1), 2));
    });
    const first = await start(t.db, client, [fn]);
    await first.engine.send({ name: "test/handover" });
    await inside;
    // Stop while "one" runs: its commit claims the next call for this engine, which must hand it back.
    const stopping = first.engine.stop();
    hold.open();
    await stopping;
    const [run] = await first.engine.listRuns();
    expect((await first.engine.listJobs(run!.id)).map((job) => job.lockedBy)).toEqual([null]);

    const second = await start(t.db, client, [fn]);
    await second.engine.waitForIdle();
    expect(await second.engine.getRun(run!.id)).toMatchObject({ status: "COMPLETED", output: 2 });
    expect(runs).toEqual({ one: 1, two: 1 });
  });
});
