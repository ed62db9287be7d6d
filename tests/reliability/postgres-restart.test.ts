import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db";
import { migrateDatabase, openDatabase, type DatabaseHandle } from "@/db/client";
import { createCall, getCall } from "@/db/queries/calls";
import { upsertUserByExternalId } from "@/db/queries/users";
import type { User } from "@/db/schema";
import { unauthenticated } from "@/lib/http/errors";
import { createThrowawayCluster, pgClusterAvailable, type ThrowawayCluster } from "../helpers/pg-cluster";

/**
 * PostgreSQL restarted under the app (issue 14): a throwaway cluster started by the test on its own port is
 * stopped with `pg_ctl stop -m immediate` (a crash, from the app's side) while route handlers are being
 * called. During the outage they answer 503 SERVICE_UNAVAILABLE with the JSON error (no 500, no stack);
 * once the server is back, the same database handle recovers by itself and nothing written before is lost.
 */

const world = vi.hoisted(() => ({ user: null as User | null, db: null as Database | null }));
vi.mock("@/lib/auth/session", () => ({
  requireUser: async () => {
    if (!world.user) throw unauthenticated();
    return world.user;
  },
}));
vi.mock("@/db", () => ({ getDb: async () => world.db }));

const available = pgClusterAvailable();

describe.runIf(available)("PostgreSQL restarted under the app", () => {
  let cluster: ThrowawayCluster;
  let handle: DatabaseHandle;
  const listRoute = () => import("@/app/api/calls/route");
  const callRoute = () => import("@/app/api/calls/[id]/route");

  const start = () => cluster.start();
  const stop = () => cluster.stopImmediate();

  beforeAll(async () => {
    cluster = await createThrowawayCluster("scryon-pg-restart-");
    handle = await openDatabase({ databaseUrl: cluster.url, maxConnections: 2 });
    await migrateDatabase(handle);
    world.db = handle.db;
    world.user = await upsertUserByExternalId(handle.db, { externalUserId: "restart-user", displayName: "Rita" });
  }, 120_000);
  afterAll(async () => {
    await handle?.close().catch(() => {});
    cluster?.destroy();
  });

  it("answers 503 with the JSON error during the outage and recovers by itself, nothing lost", async () => {
    const { GET } = await listRoute();
    const { PATCH } = await callRoute();
    const before = await createCall(handle.db, world.user!.id, { title: "Written before the outage" });
    const ctx = { params: Promise.resolve({}) };
    const list = () => GET(new Request("http://localhost/api/calls?status=UPLOADING"), ctx);
    expect((await list()).status).toBe(200);

    stop();
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      for (let i = 0; i < 3; i++) {
        const response = await list();
        expect(response.status).toBe(503);
        const text = await response.text();
        expect(JSON.parse(text)).toMatchObject({ error: { code: "SERVICE_UNAVAILABLE" } });
        expect(text).not.toMatch(/ECONNREFUSED|select|at .*\.(ts|js)/i);
      }
      const patch = await PATCH(
        new Request(`http://localhost/api/calls/${before.id}`, { method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ title: "During" }) }),
        { params: Promise.resolve({ id: before.id }) },
      );
      expect(patch.status).toBe(503);
    } finally {
      errors.mockRestore();
    }

    start();
    const restarted = Date.now();
    let status = 0;
    while (Date.now() - restarted < 20_000) {
      status = (await list()).status;
      if (status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe(200);
    const recoveredMs = Date.now() - restarted;
    console.info(`[postgres-restart] first 200 after the restart: ${recoveredMs} ms`);
    expect(recoveredMs).toBeLessThan(20_000);
    const after = await getCall(handle.db, { userId: world.user!.id, callId: before.id });
    expect(after?.title).toBe("Written before the outage");
    const body = (await (await list()).json()) as { items: { id: string }[] };
    expect(body.items.map((item) => item.id)).toContain(before.id);
  }, 120_000);
});
