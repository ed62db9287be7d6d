import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db";
import { bumpSessionVersion, upsertUserByExternalId } from "@/db/queries/users";
import type { User } from "@/db/schema";
import { LOCAL_DEV_EXTERNAL_ID } from "@/lib/auth/local-dev";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";

/**
 * Sessions follow the current sign-in policy and the user's session version (issue 14): getCurrentUser()
 * with a real database, the Auth.js session and the configuration swapped per case.
 */

const world = vi.hoisted(() => ({
  session: null as { user: { id: string }; sessionVersion?: number } | null,
  db: null as Database | null,
  env: {} as Record<string, string>,
}));

vi.mock("@/auth", () => ({ auth: async () => world.session }));
vi.mock("@/db", () => ({ getDb: async () => world.db }));
vi.mock("@/lib/env", async (importOriginal) => {
  const original = await importOriginal<typeof import("@/lib/env")>();
  return { ...original, loadEnv: () => original.parseEnv(world.env) };
});

const { getCurrentUser, requireUser, sessionStillValid } = await import("@/lib/auth/session");
const { parseEnv } = await import("@/lib/env");

const FIREBASE = { FIREBASE_PROJECT_ID: "acme", FIREBASE_API_KEY: "key" };

describe.each(databaseKinds())("session policy on %s", (kind) => {
  let t: TestDatabase;
  let localDev: User;
  let firebaseUser: User;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    world.db = t.db;
    localDev = await upsertUserByExternalId(t.db, { externalUserId: LOCAL_DEV_EXTERNAL_ID, displayName: "Local Developer" });
    firebaseUser = await upsertUserByExternalId(t.db, { externalUserId: `firebase-uid-${kind}`, email: "a@example.com" });
  });
  afterAll(async () => {
    await t?.close();
  });

  const as = (user: User, sessionVersion?: number) => {
    world.session = { user: { id: user.id }, ...(sessionVersion === undefined ? {} : { sessionVersion }) };
  };

  it("a local-dev session stops working when local-dev sign-in is turned off, and works again when it is on", async () => {
    as(localDev, 0);
    world.env = {};
    expect((await getCurrentUser())?.id).toBe(localDev.id);
    world.env = { SCRYON_LOCAL_DEV_SIGN_IN: "off" };
    expect(await getCurrentUser()).toBeNull();
    await expect(requireUser()).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    // auto: off as soon as Firebase is configured
    world.env = { ...FIREBASE };
    expect(await getCurrentUser()).toBeNull();
    world.env = { ...FIREBASE, SCRYON_LOCAL_DEV_SIGN_IN: "on" };
    expect((await getCurrentUser())?.id).toBe(localDev.id);
    // refused in production unless allowed
    world.env = { NODE_ENV: "production", AUTH_SECRET: "s" };
    expect(await getCurrentUser()).toBeNull();
  });

  it("a Firebase session needs Firebase to still be configured", async () => {
    as(firebaseUser, 0);
    world.env = { ...FIREBASE };
    expect((await getCurrentUser())?.id).toBe(firebaseUser.id);
    world.env = {};
    expect(await getCurrentUser()).toBeNull();
  });

  it("sign out everywhere ends every session issued before it, not the ones after", async () => {
    world.env = { ...FIREBASE };
    const user = await upsertUserByExternalId(t.db, { externalUserId: `everywhere-${kind}` });
    expect(user.sessionVersion).toBe(0);
    as(user); // a token from before session versions existed counts as 0
    expect((await getCurrentUser())?.id).toBe(user.id);
    expect(await bumpSessionVersion(t.db, user.id)).toBe(1);
    expect(await getCurrentUser()).toBeNull();
    as(user, 0);
    expect(await getCurrentUser()).toBeNull();
    as(user, 1); // signed in again afterwards
    expect((await getCurrentUser())?.id).toBe(user.id);
    expect(await bumpSessionVersion(t.db, "00000000-0000-4000-8000-000000000000")).toBeNull();
    // another user's sessions are untouched
    as(firebaseUser, 0);
    expect((await getCurrentUser())?.id).toBe(firebaseUser.id);
  });

  it("no session, or a session whose user is gone, is signed out", async () => {
    world.env = {};
    world.session = null;
    expect(await getCurrentUser()).toBeNull();
    world.session = { user: { id: "00000000-0000-4000-8000-000000000000" }, sessionVersion: 0 };
    expect(await getCurrentUser()).toBeNull();
  });

  it("sessionStillValid is a pure function of user, version and configuration", () => {
    expect(sessionStillValid(localDev, 0, parseEnv({}))).toBe(true);
    expect(sessionStillValid(localDev, 1, parseEnv({}))).toBe(false);
    expect(sessionStillValid(firebaseUser, 0, parseEnv(FIREBASE))).toBe(true);
  });
});
