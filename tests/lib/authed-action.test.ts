import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import type { Database } from "@/db";
import { upsertUserByExternalId } from "@/db/queries/users";
import { AppError } from "@/lib/http/errors";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

// The session comes from Auth.js and the database from the app's handle; both are pointed at the test's.
const state = vi.hoisted(() => ({ session: null as { user: { id: string } } | null, db: null as Database | null }));
vi.mock("@/auth", () => ({ auth: async () => state.session }));
vi.mock("@/db", () => ({ getDb: async () => state.db }));

const { authedAction, requireUser } = await import("@/lib/auth/session");

describe("authedAction and requireUser", () => {
  let t: TestDatabase;
  let userId: string;
  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    state.db = t.db;
    // The local-dev user: its sessions are valid while local-dev sign-in is on (the default without Firebase).
    userId = (await upsertUserByExternalId(t.db, { externalUserId: "local-dev", displayName: "Ava" })).id;
  });
  beforeEach(() => {
    state.session = null;
  });
  afterAll(async () => {
    await t?.close();
  });

  const rename = authedAction(z.object({ title: z.string().min(1) }), async (input, user) => `${user.displayName} renamed to ${input.title}`);

  it("refuses an anonymous caller without running the action", async () => {
    const run = vi.fn();
    const action = authedAction(z.object({}), run);
    expect(await action({})).toEqual({ ok: false, error: { code: "UNAUTHENTICATED", message: "Sign in to continue." } });
    expect(run).not.toHaveBeenCalled();
    await expect(requireUser()).rejects.toBeInstanceOf(AppError);
  });

  it("treats a session whose user no longer exists as signed out", async () => {
    state.session = { user: { id: "00000000-0000-4000-8000-000000000000" } };
    expect((await rename({ title: "x" })).ok).toBe(false);
  });

  it("validates the input, injects the user, and returns typed errors instead of throwing", async () => {
    state.session = { user: { id: userId } };
    expect(await rename({ title: "Q3 review" })).toEqual({ ok: true, data: "Ava renamed to Q3 review" });
    const invalid = await rename({ title: "" } as never);
    expect(invalid).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    const failing = authedAction(z.object({}), async () => {
      throw new Error("database exploded at /srv/secret/path");
    });
    const result = await failing({});
    expect(result).toMatchObject({ ok: false, error: { code: "INTERNAL" } });
    expect(JSON.stringify(result)).not.toContain("/srv/secret");
  });
});
