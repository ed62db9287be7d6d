import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createStorage, getStorage } from "@/lib/storage";
import { analysisKey, callPrefix, originalAudioKey, transcriptRawKey } from "@/lib/storage/keys";
import { createLocalStorage } from "@/lib/storage/local";
import { StorageError, type ObjectStorage } from "@/lib/storage/types";

// Driver-independent behaviour (puts, ranges, deletes, aborts, 20 MB streams, invalid keys) runs
// against both drivers in vercel-blob.contract.test.ts; this file covers the filesystem specifics.

let sandbox: string;
let root: string;
let storage: ObjectStorage;
const userId = randomUUID();
let callId: string;

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(current: string) {
    let entries;
    try {
      entries = await fs.readdir(current, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else out.push(path.relative(dir, full).split(path.sep).join("/"));
    }
  }
  await walk(dir);
  return out.sort();
}

async function text(result: { body: ReadableStream<Uint8Array> } | null): Promise<string> {
  if (!result) throw new Error("expected an object");
  return Buffer.from(await new Response(result.body).arrayBuffer()).toString("utf8");
}

async function expectCode(promise: Promise<unknown>, code: StorageError["code"]) {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StorageError);
  expect((error as StorageError).code).toBe(code);
}

beforeEach(async () => {
  sandbox = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-local-storage-"));
  root = path.join(sandbox, "root");
  storage = createLocalStorage(root);
  callId = randomUUID();
});

afterEach(async () => {
  await fs.rm(sandbox, { recursive: true, force: true });
});

describe("local driver", () => {
  it("lays objects out under the root with a content-type sidecar and no leftovers", async () => {
    const key = analysisKey(userId, callId);
    const stored = await storage.put(key, '{"a":1}', { contentType: "application/json" });
    expect(stored).toMatchObject({ key, size: 7, contentType: "application/json" });
    expect(storage.driver).toBe("local");

    expect(await listFiles(root)).toEqual([key, `${key}~meta.json`]);
    expect(await fs.readFile(path.join(root, key), "utf8")).toBe('{"a":1}');
    expect(JSON.parse(await fs.readFile(path.join(root, `${key}~meta.json`), "utf8"))).toEqual({
      contentType: "application/json",
    });
  });

  it("falls back to application/octet-stream when the sidecar is missing", async () => {
    const key = analysisKey(userId, callId);
    await storage.put(key, "{}", { contentType: "application/json" });
    await fs.rm(path.join(root, `${key}~meta.json`));
    expect(await storage.head(key)).toMatchObject({ size: 2, contentType: "application/octet-stream" });
  });

  it("never touches anything outside the root, whatever the key", async () => {
    await fs.mkdir(path.join(sandbox, "outside"), { recursive: true });
    await fs.writeFile(path.join(sandbox, "outside", "secret.txt"), "keep me");
    const evil = [
      "../x",
      "../outside/secret.txt",
      "a/../../x",
      "a/../../outside/secret.txt",
      path.join(sandbox, "outside", "secret.txt"), // absolute path
      "/etc/passwd",
      "..\\outside\\secret.txt",
      "a/%2e%2e/%2e%2e/x",
      "a\u0000/../../x",
    ];
    for (const key of evil) {
      await expectCode(storage.put(key, "pwned", { contentType: "text/plain" }), "INVALID_KEY");
      await expectCode(storage.get(key), "INVALID_KEY");
      await expectCode(storage.head(key), "INVALID_KEY");
      await expectCode(storage.delete(key), "INVALID_KEY");
    }
    for (const prefix of ["../", "../outside/", "a/../../", "/", path.join(sandbox, "outside") + "/"]) {
      await expectCode(storage.deletePrefix(prefix), "INVALID_KEY");
    }
    expect(await listFiles(sandbox)).toEqual(["outside/secret.txt"]);
    expect(await fs.readFile(path.join(sandbox, "outside", "secret.txt"), "utf8")).toBe("keep me");
  });

  it("leaves no temp file behind after an aborted or failed upload", async () => {
    const key = originalAudioKey(userId, callId, "mp3");
    const controller = new AbortController();
    let sent = 0;
    const stalling = new ReadableStream<Uint8Array>({
      pull(streamController) {
        if (sent >= 5) {
          setTimeout(() => controller.abort(), 20);
          return new Promise<void>(() => {});
        }
        streamController.enqueue(new Uint8Array(64 * 1024).fill(sent));
        sent += 1;
      },
    });
    await expect(storage.put(key, stalling, { contentType: "audio/mpeg", signal: controller.signal })).rejects.toMatchObject({
      name: "AbortError",
    });

    const failing = new ReadableStream<Uint8Array>({
      start(streamController) {
        streamController.enqueue(new Uint8Array(1000));
        streamController.error(new Error("boom"));
      },
    });
    await expect(storage.put(key, failing, { contentType: "audio/mpeg" })).rejects.toThrow("boom");

    expect(await listFiles(root)).toEqual([]);
    expect(await storage.head(key)).toBeNull();
  });

  it("never shows a half-written upload under the real key", async () => {
    const key = originalAudioKey(userId, callId, "mp3");
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let step = 0;
    const slow = new ReadableStream<Uint8Array>({
      async pull(streamController) {
        if (step === 1) await gate;
        if (step === 2) {
          streamController.close();
          return;
        }
        streamController.enqueue(new Uint8Array(1000).fill(step));
        step += 1;
      },
    });
    const pending = storage.put(key, slow, { contentType: "audio/mpeg" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await storage.head(key)).toBeNull(); // only the temp file exists so far
    expect((await listFiles(root)).some((file) => file.endsWith(".tmp"))).toBe(true);
    release();
    expect((await pending).size).toBe(2000);
    expect(await listFiles(root)).toEqual([key, `${key}~meta.json`]);
  });

  it("reads a consistent snapshot even if the key is overwritten mid-read", async () => {
    const key = analysisKey(userId, callId);
    await storage.put(key, "old old old", { contentType: "text/plain" });
    const reading = await storage.get(key, { range: { start: 4 } });
    await storage.put(key, "NEW", { contentType: "text/plain" });
    expect(await text(reading)).toBe("old old");
    expect(await text(await storage.get(key))).toBe("NEW");
  });

  it("treats folders as non-objects and refuses keys that collide with them", async () => {
    await storage.put("a/b", "x", { contentType: "text/plain" });
    expect(await storage.head("a")).toBeNull();
    expect(await storage.get("a")).toBeNull();
    await expect(storage.delete("a")).resolves.toBeUndefined();
    expect(await storage.head("a/b")).not.toBeNull();
    await expectCode(storage.put("a", "y", { contentType: "text/plain" }), "INVALID_KEY");

    await storage.put("c", "x", { contentType: "text/plain" });
    await expectCode(storage.put("c/d", "y", { contentType: "text/plain" }), "INVALID_KEY");
    expect(await text(await storage.get("c"))).toBe("x");
  });

  it("deletePrefix removes the call's folder tree, including stray temp files", async () => {
    await storage.put(analysisKey(userId, callId), "{}", { contentType: "application/json" });
    await storage.put(transcriptRawKey(userId, callId), "{}", { contentType: "application/json" });
    await storage.put(originalAudioKey(userId, callId, "mp3"), "abc", { contentType: "audio/mpeg" });
    const folder = path.join(root, callPrefix(userId, callId));
    await fs.writeFile(path.join(folder, ".analysis.json~stale.tmp"), "half");

    expect(await storage.deletePrefix(callPrefix(userId, callId))).toBe(3);
    await expect(fs.stat(folder)).rejects.toMatchObject({ code: "ENOENT" });
    expect(await fs.readdir(path.join(root, "users", userId, "calls"))).toEqual([]);
  });

  it("is what createStorage builds for the local driver", async () => {
    const viaFactory = createStorage({ driver: "local", root });
    expect(viaFactory.driver).toBe("local");
    await viaFactory.put(analysisKey(userId, callId), "{}", { contentType: "application/json" });
    expect(await storage.head(analysisKey(userId, callId))).toMatchObject({ size: 2 });
  });

  it("getStorage builds one local storage from the environment", async () => {
    const globals = globalThis as unknown as Record<string, unknown>;
    const names = ["SCRYON_DATA_DIR", "SCRYON_STORAGE", "BLOB_READ_WRITE_TOKEN"] as const;
    const saved = names.map((name) => [name, process.env[name]] as const);
    delete globals.__scryonEnv;
    delete globals.__scryonStorage;
    try {
      process.env.SCRYON_DATA_DIR = sandbox;
      process.env.SCRYON_STORAGE = "local";
      delete process.env.BLOB_READ_WRITE_TOKEN;
      const first = getStorage();
      expect(first.driver).toBe("local");
      expect(getStorage()).toBe(first);
      const key = analysisKey(userId, callId);
      await first.put(key, "{}", { contentType: "application/json" });
      expect(await fs.readFile(path.join(sandbox, "blob", key), "utf8")).toBe("{}");
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      delete globals.__scryonEnv;
      delete globals.__scryonStorage;
    }
  });
});
