import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { NonRetriableError } from "inngest";
import { createEmbeddedEngine, type EmbeddedEngine } from "@/lib/pipeline/engine";
import { pipelineJobs } from "@/db/schema";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../../helpers/db";
import { APP_ID, FakeClock, HOUR, MINUTE, SECOND, makeHarness, recordingLogger, resetPipelineTables, testClient } from "./harness";

/** Sequential steps, memoization, retries, failures, restarts and event ids. */
describe.each(databaseKinds())("embedded engine: steps and failures on %s", (kind) => {
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

  it("runs a multi-step function to completion, feeding each step the previous results", async () => {
    const client = testClient();
    const counts = { a: 0, b: 0, c: 0 };
    const fn = client.createFunction({ id: "multi", triggers: [{ event: "test/multi" }] }, async ({ event, step }) => {
      const a = await step.run("a", () => (counts.a++, `${String(event.data.x)}-a`));
      const b = await step.run("b", () => (counts.b++, `${a}-b`));
      const c = await step.run("c", () => (counts.c++, `${b}-c`));
      return { c };
    });
    const { engine } = await start(t.db, client, [fn]);

    const { ids } = await engine.send({ name: "test/multi", data: { x: 1 } });
    await engine.waitForIdle();

    const [run] = await engine.listRuns({ eventId: ids[0] });
    expect(run?.functionId).toBe(`${APP_ID}-multi`);
    const view = await engine.getRun(run!.id);
    expect(view?.status).toBe("COMPLETED");
    expect(view?.output).toEqual({ c: "1-a-b-c" });
    expect(view?.steps.map((step) => [step.name, step.result])).toEqual([
      ["a", { type: "data", data: "1-a" }],
      ["b", { type: "data", data: "1-a-b" }],
      ["c", { type: "data", data: "1-a-b-c" }],
    ]);
    expect(counts).toEqual({ a: 1, b: 1, c: 1 });
    expect(await engine.listJobs()).toEqual([]);
  });

  it("retries a failing step with exponential backoff, never re-running the steps before it", async () => {
    const client = testClient();
    const counts = { first: 0, flaky: 0 };
    const attempts: number[] = [];
    const fn = client.createFunction({ id: "retry", retries: 3, triggers: [{ event: "test/retry" }] }, async ({ step, attempt }) => {
      await step.run("first", () => counts.first++);
      return step.run("flaky", () => {
        counts.flaky++;
        attempts.push(attempt);
        if (counts.flaky < 3) throw new Error(`transient ${counts.flaky}`);
        return "ok";
      });
    });
    const { engine, clock } = await start(t.db, client, [fn], { backoff: (attempt) => 10 * SECOND * 2 ** attempt });

    await engine.send({ name: "test/retry", data: {} });
    await engine.waitForIdle();
    expect(counts).toEqual({ first: 1, flaky: 1 });
    const [run] = await engine.listRuns();
    const [retryJob] = await engine.listJobs(run!.id);
    expect(retryJob).toMatchObject({ kind: "call", attempt: 1 });
    expect(retryJob!.runAt.getTime() - clock.now().getTime()).toBe(10 * SECOND);

    clock.advance(10 * SECOND - 1);
    await engine.waitForIdle();
    expect(counts.flaky).toBe(1); // not before the backoff

    clock.advance(1);
    await engine.waitForIdle();
    expect(counts.flaky).toBe(2);

    clock.advance(20 * SECOND); // second backoff doubles
    await engine.waitForIdle();
    expect(counts).toEqual({ first: 1, flaky: 3 });
    expect(attempts).toEqual([0, 1, 2]);
    expect((await engine.getRun(run!.id))?.status).toBe("COMPLETED");
    expect((await engine.getRun(run!.id))?.output).toBe("ok");
  });

  it("fails the run when retries are exhausted and calls onFailure with the SDK's failure event", async () => {
    const client = testClient();
    let executions = 0;
    const failures: { error: Error; functionId: unknown; runId: unknown; original: unknown }[] = [];
    const fn = client.createFunction(
      {
        id: "exhaust",
        retries: 1,
        triggers: [{ event: "test/exhaust" }],
        onFailure: async ({ error, event }) => {
          failures.push({ error, functionId: event.data.function_id, runId: event.data.run_id, original: event.data.event.data });
        },
      },
      async ({ step }) => {
        await step.run("always-fails", () => {
          executions++;
          throw new Error("provider is down");
        });
      },
    );
    const { engine, clock } = await start(t.db, client, [fn]);

    await engine.send({ name: "test/exhaust", data: { callId: "c-1" } });
    await engine.waitForIdle();
    clock.advance(HOUR);
    await engine.waitForIdle();

    expect(executions).toBe(2); // retries: 1 → two attempts
    const [run] = await engine.listRuns({ functionId: `${APP_ID}-exhaust` });
    expect(run?.status).toBe("FAILED");
    expect(run?.error).toMatchObject({ message: "provider is down" });
    expect(failures).toHaveLength(1);
    expect(failures[0]!.error.message).toBe("provider is down");
    expect(failures[0]!.functionId).toBe(`${APP_ID}-exhaust`);
    expect(failures[0]!.runId).toBe(run!.id);
    expect(failures[0]!.original).toEqual({ callId: "c-1" });
    const [failureRun] = await engine.listRuns({ functionId: `${APP_ID}-exhaust-failure` });
    expect(failureRun?.status).toBe("COMPLETED");
  });

  it("does not retry a NonRetriableError, in a step or in the function body", async () => {
    const client = testClient();
    let stepExecutions = 0;
    let bodyExecutions = 0;
    const failed: string[] = [];
    const inStep = client.createFunction(
      { id: "non-retriable-step", retries: 5, triggers: [{ event: "test/nr-step" }], onFailure: ({ error }) => void failed.push(error.message) },
      async ({ step }) => {
        await step.run("bad-audio", () => {
          stepExecutions++;
          throw new NonRetriableError("audio is not decodable");
        });
      },
    );
    const inBody = client.createFunction({ id: "non-retriable-body", retries: 5, triggers: [{ event: "test/nr-body" }] }, async () => {
      bodyExecutions++;
      throw new NonRetriableError("bad input");
    });
    const { engine, clock } = await start(t.db, client, [inStep, inBody]);

    await engine.send([{ name: "test/nr-step" }, { name: "test/nr-body" }]);
    await engine.waitForIdle();
    clock.advance(24 * HOUR);
    await engine.waitForIdle();

    expect(stepExecutions).toBe(1);
    expect(bodyExecutions).toBe(1);
    expect(failed).toEqual(["audio is not decodable"]);
    const runs = await engine.listRuns({ status: "FAILED" });
    expect(runs.map((run) => run.functionId).sort()).toEqual([`${APP_ID}-non-retriable-body`, `${APP_ID}-non-retriable-step`]);
    expect(runs.find((run) => run.functionId.endsWith("body"))?.error).toMatchObject({ name: "NonRetriableError", message: "bad input" });
  });

  it("retries a function-level error (thrown outside any step) and then completes", async () => {
    const client = testClient();
    let calls = 0;
    const fn = client.createFunction({ id: "fn-error", retries: 2, triggers: [{ event: "test/fn-error" }] }, async ({ step, attempt }) => {
      const value = await step.run("before", () => "memoized");
      calls++;
      if (attempt === 0) throw new Error("flaky outside steps");
      return value;
    });
    const { engine, clock } = await start(t.db, client, [fn]);

    await engine.send({ name: "test/fn-error" });
    await engine.waitForIdle();
    const [run] = await engine.listRuns();
    expect(run?.status).toBe("RUNNING");
    clock.advance(10 * SECOND);
    await engine.waitForIdle();
    expect((await engine.getRun(run!.id))?.status).toBe("COMPLETED");
    expect((await engine.getRun(run!.id))?.output).toBe("memoized");
    expect(calls).toBe(2);
  });

  it("resumes a run on a new engine after a graceful stop, without re-running finished steps", async () => {
    const client = testClient();
    const counts = { one: 0, two: 0 };
    let stopping: Promise<void> | undefined;
    const engines: { first?: EmbeddedEngine } = {};
    const fn = client.createFunction({ id: "restart", triggers: [{ event: "test/restart" }] }, async ({ step }) => {
      const one = await step.run("one", () => {
        counts.one++;
        // Stop the engine while this step is in flight: stop() waits for it to be stored.
        stopping ??= engines.first!.stop();
        return 1;
      });
      const two = await step.run("two", () => (counts.two++, one + 1));
      return two;
    });
    const clock = new FakeClock();
    const first = (engines.first = (await start(t.db, client, [fn], { clock })).engine);
    await first.send({ name: "test/restart" });
    await vi.waitFor(() => expect(stopping).toBeDefined());
    await stopping;

    const [run] = await first.listRuns();
    expect(run?.status).toBe("RUNNING");
    expect((await first.getRun(run!.id))?.steps.map((step) => step.name)).toEqual(["one"]);
    expect(counts).toEqual({ one: 1, two: 0 });

    const { engine: second } = await start(t.db, client, [fn], { clock });
    await second.waitForIdle();
    expect(counts).toEqual({ one: 1, two: 1 });
    expect((await second.getRun(run!.id))?.status).toBe("COMPLETED");
    expect((await second.getRun(run!.id))?.output).toBe(2);
  });

  it("picks up a job claimed by an engine that died once its lease lapses", async () => {
    const client = testClient();
    let executions = 0;
    const fn = client.createFunction({ id: "lease", triggers: [{ event: "test/lease" }] }, async ({ step }) => step.run("work", () => ++executions));
    const clock = new FakeClock();
    // Store the event without running anything, then pretend a dead engine holds the job.
    const stopped = createEmbeddedEngine({ db: t.db, client, functions: [fn], now: clock.now, logger: recordingLogger() });
    await stopped.send({ name: "test/lease" });
    await t.db.update(pipelineJobs).set({ lockedUntil: new Date(clock.now().getTime() + 5 * MINUTE), lockedBy: "dead-engine" });
    await stopped.stop();

    const { engine } = await start(t.db, client, [fn], { clock, leaseMs: 5 * MINUTE });
    await engine.waitForIdle();
    expect(executions).toBe(0);
    clock.advance(5 * MINUTE + 1);
    await engine.waitForIdle();
    expect(executions).toBe(1);
    expect((await engine.listRuns())[0]?.status).toBe("COMPLETED");
  });

  it("takes over a dead engine's jobs at once when it is the only engine on the database (exclusive)", async () => {
    const client = testClient();
    let executions = 0;
    const fn = client.createFunction({ id: "exclusive", triggers: [{ event: "test/exclusive" }] }, async ({ step }) => step.run("work", () => ++executions));
    const clock = new FakeClock();
    const stopped = createEmbeddedEngine({ db: t.db, client, functions: [fn], now: clock.now, logger: recordingLogger() });
    await stopped.send({ name: "test/exclusive" });
    await t.db.update(pipelineJobs).set({ lockedUntil: new Date(clock.now().getTime() + 5 * MINUTE), lockedBy: "dead-engine" });
    await stopped.stop();

    const { engine } = await start(t.db, client, [fn], { clock, exclusive: true });
    await engine.waitForIdle();
    expect(executions).toBe(1);
  });

  it("processes an event id once, however often it is sent (engine.send, inngest.send)", async () => {
    const client = testClient();
    let runs = 0;
    const fn = client.createFunction({ id: "dedupe", triggers: [{ event: "test/dedupe" }] }, async () => ++runs);
    const { engine } = await start(t.db, client, [fn]);

    const first = await engine.send({ name: "test/dedupe", id: "upload-42", data: { n: 1 } });
    const again = await engine.send({ name: "test/dedupe", id: "upload-42", data: { n: 2 } });
    const viaClient = await client.send({ name: "test/dedupe", id: "upload-42", data: { n: 3 } });
    await engine.waitForIdle();

    expect(first.ids).toEqual(["upload-42"]);
    expect(again.ids).toEqual(["upload-42"]);
    expect(viaClient.ids).toEqual(["upload-42"]);
    expect(runs).toBe(1);
    const all = await engine.listRuns();
    expect(all).toHaveLength(1);
    expect((all[0]!.event as { data: unknown }).data).toEqual({ n: 1 });
  });

  it("delivers inngest.send() and step.sendEvent() through the client's fetch hook to the engine", async () => {
    const client = testClient();
    const received: unknown[] = [];
    const producer = client.createFunction({ id: "producer", triggers: [{ event: "test/produce" }] }, async ({ step, event }) => {
      await step.sendEvent("fan-out", [1, 2].map((n) => ({ name: "test/consume", data: { n, from: event.data.source } })));
    });
    const consumer = client.createFunction({ id: "consumer", triggers: [{ event: "test/consume" }] }, async ({ event }) => {
      received.push(event.data);
    });
    const { engine } = await start(t.db, client, [producer, consumer]);

    const { ids } = await client.send({ name: "test/produce", data: { source: "client" } });
    expect(ids).toHaveLength(1);
    await engine.waitForIdle();

    expect(received).toEqual(expect.arrayContaining([{ n: 1, from: "client" }, { n: 2, from: "client" }]));
    expect(received).toHaveLength(2);
    await expect(engine.send({ name: "inngest/function.failed", data: {} })).rejects.toThrow(/reserved/);
  });

  it("matches triggers by name, wildcard and `if` expression", async () => {
    const client = testClient();
    const seen: string[] = [];
    const exact = client.createFunction({ id: "exact", triggers: [{ event: "calls/uploaded", if: "event.data.size > 10" }] }, async ({ event }) => {
      seen.push(`exact:${String(event.data.size)}`);
    });
    const wildcard = client.createFunction({ id: "wildcard", triggers: [{ event: "calls/*" }] }, async ({ event }) => {
      seen.push(`wildcard:${event.name}`);
    });
    const { engine } = await start(t.db, client, [exact, wildcard]);

    await engine.send([
      { name: "calls/uploaded", data: { size: 5 } },
      { name: "calls/uploaded", data: { size: 50 } },
      { name: "calls/deleted", data: {} },
      { name: "other/thing", data: {} },
    ]);
    await engine.waitForIdle();
    expect(seen.sort()).toEqual(["exact:50", "wildcard:calls/deleted", "wildcard:calls/uploaded", "wildcard:calls/uploaded"]);
  });

  it("fails a run that uses a step type the embedded engine does not implement, with a clear error", async () => {
    const client = testClient();
    const fn = client.createFunction({ id: "signal", triggers: [{ event: "test/signal" }] }, async ({ step }) => {
      await step.waitForSignal("wait-signal", { signal: "approve", timeout: "1h", onConflict: "replace" });
    });
    const { engine } = await start(t.db, client, [fn]);
    await engine.send({ name: "test/signal" });
    await engine.waitForIdle();
    const [run] = await engine.listRuns();
    expect(run?.status).toBe("FAILED");
    expect(run?.error).toMatchObject({ message: expect.stringContaining('does not support the "WaitForSignal" op') });
  });

  it("warns about flow-control options it ignores, and refuses expressions it cannot evaluate at start", async () => {
    const client = testClient();
    const debounced = client.createFunction({ id: "debounced", debounce: { period: "5s" }, triggers: [{ event: "test/debounced" }] }, async () => "ran");
    const { engine, logger } = await start(t.db, client, [debounced]);
    expect(logger.warnings.join("\n")).toMatch(/"engine-test-debounced" uses debounce, which the embedded engine ignores/);
    await engine.send({ name: "test/debounced" });
    await engine.waitForIdle();
    expect((await engine.listRuns())[0]).toMatchObject({ status: "COMPLETED", output: "ran" });

    const odd = client.createFunction({ id: "odd", triggers: [{ event: "test/odd", if: "size(event.data.items) > 0" }] }, async () => null);
    const refused = createEmbeddedEngine({ db: t.db, client, functions: [odd], logger: recordingLogger() });
    running.push(refused);
    await expect(refused.start()).rejects.toThrow(/Unsupported expression "size\(event.data.items\) > 0"/);
  });

  it("cancels a run: its queued work is dropped", async () => {
    const client = testClient();
    let after = 0;
    const fn = client.createFunction({ id: "cancel", triggers: [{ event: "test/cancel" }] }, async ({ step }) => {
      await step.sleep("long-nap", "1d");
      await step.run("after", () => ++after);
    });
    const { engine, clock } = await start(t.db, client, [fn]);
    await engine.send({ name: "test/cancel" });
    await engine.waitForIdle();
    const [run] = await engine.listRuns();
    expect(await engine.cancelRun(run!.id)).toBe(true);
    expect(await engine.cancelRun(run!.id)).toBe(false);
    clock.advance(2 * 24 * HOUR);
    await engine.waitForIdle();
    expect(after).toBe(0);
    expect((await engine.getRun(run!.id))?.status).toBe("CANCELLED");
    expect(await engine.listJobs(run!.id)).toEqual([]);
  });
});
