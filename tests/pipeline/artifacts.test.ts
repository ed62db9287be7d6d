import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { createCall } from "@/db/queries/calls";
import { upsertUserByExternalId } from "@/db/queries/users";
import { callArtifacts } from "@/db/schema";
import { loadJsonArtifact, saveJsonArtifact, type ArtifactDeps } from "@/lib/pipeline/artifacts";
import { createLocalStorage, diarizationKey } from "@/lib/storage";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";

describe.each(databaseKinds())("JSON artifacts on %s", (kind) => {
  let t: TestDatabase;
  let root: string;
  let deps: ArtifactDeps;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-artifacts-"));
    deps = { db: t.db, storage: createLocalStorage(root) };
  });
  afterAll(async () => {
    await t?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it("stores bytes then the row, reads it back, and a retried save keeps the first result", async () => {
    const user = await upsertUserByExternalId(t.db, { externalUserId: `artifacts-${kind}` });
    const call = await createCall(t.db, user.id, { title: "c" });
    const key = diarizationKey(user.id, call.id);
    const ref = { userId: user.id, callId: call.id, type: "DIARIZATION_JSON" as const };

    expect(await loadJsonArtifact(deps, ref)).toBeNull();
    const first = await saveJsonArtifact(deps, { ...ref, key, value: { speakers: ["A", "B"] } });
    expect(first.byteSize).toBe(JSON.stringify({ speakers: ["A", "B"] }).length);
    const again = await saveJsonArtifact(deps, { ...ref, key, value: { speakers: ["changed"] } });
    expect(again.id).toBe(first.id);
    expect(await loadJsonArtifact(deps, ref)).toEqual({ speakers: ["A", "B"] });

    // Two attempts racing: one row wins, both get it.
    const other = await createCall(t.db, user.id, { title: "d" });
    const raced = await Promise.all(
      [1, 2].map((n) => saveJsonArtifact(deps, { ...ref, callId: other.id, key: diarizationKey(user.id, other.id), value: { n } })),
    );
    expect(raced[0]!.id).toBe(raced[1]!.id);
    expect(await t.db.select().from(callArtifacts).where(eq(callArtifacts.callId, other.id))).toHaveLength(1);

    const stranger = await upsertUserByExternalId(t.db, { externalUserId: `artifacts-stranger-${kind}` });
    expect(await loadJsonArtifact(deps, { ...ref, userId: stranger.id })).toBeNull();
  });
});
