import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSpeechProviders } from "@/lib/speech";
import { discoverModels } from "@/lib/speech/models/discover";
import {
  cancelModelDownload,
  DownloadBusyError,
  getDownload,
  partialFile,
  removeModel,
  resumeModelDownloads,
  startModelDownload,
  waitForDownload,
  type DownloadDeps,
  type DownloadSnapshot,
} from "@/lib/speech/models/downloads";
import { readLock, updateLock } from "@/lib/speech/models/lock";
import { findModelSpec, type ModelSpec } from "@/lib/speech/models/manifest";
import { PullError, removeInstalledModel } from "@/lib/speech/models/pull";
import { assetPath, closedPort, generateModelArchive, sha256, startModelHost, type GeneratedModel, type ModelHost } from "./model-host";

/**
 * The background model downloader (Settings → Speech) against a local model host that serves a generated
 * `.tar.bz2`: progress, cancel, resume after a dropped connection and after a restart (of this server and of
 * the host), a wrong checksum, a full disk refused before any request, the host unreachable, concurrent
 * starts, removal, and the engine switching to a newly installed model without a restart.
 */

const root = await mkdtemp(path.join(os.tmpdir(), "scryon-downloads-test-"));
let host: ModelHost;
let model: GeneratedModel;
let modelsDir: string;
let n = 0;

/** A clock that moves 50 ms per reading: speed and time left are deterministic. */
function fakeClock() {
  let t = Date.parse("2026-12-04T10:00:00Z");
  return () => (t += 50);
}

function deps(overrides: Partial<DownloadDeps> = {}, spec: ModelSpec = model.spec): DownloadDeps {
  return { modelsDir, manifest: [spec], baseUrl: host.url, retryDelayMs: 5, log: () => {}, now: fakeClock(), ...overrides };
}

const installed = async (spec: ModelSpec = model.spec) => (await discoverModels(modelsDir, { manifest: [spec] })).installed.map((m) => m.spec.id);

beforeAll(async () => {
  model = await generateModelArchive("fake-asr", { bytes: 1536 * 1024 });
  host = await startModelHost();
});

afterAll(async () => {
  await host?.close();
  await rm(root, { recursive: true, force: true });
});

beforeEach(() => {
  modelsDir = path.join(root, `models-${++n}`);
  host.assets.clear();
  host.assets.set(assetPath(model.spec), { body: model.archive });
  host.requests.length = 0;
});

describe("model downloads", () => {
  it("reports progress (bytes, speed, time left) through the phases, verifies, installs, and leaves no state behind", async () => {
    const events: DownloadSnapshot[] = [];
    const d = deps({ onEvent: (s) => events.push(s) });
    const started = await startModelDownload(d, "fake-asr");
    expect(started).toMatchObject({ id: "fake-asr", status: "active", phase: "downloading", total: model.archive.length });
    await waitForDownload(d, "fake-asr");

    const received = events.map((e) => e.received);
    expect(received.length).toBeGreaterThan(5);
    expect(received).toEqual([...received].sort((a, b) => a - b));
    expect(received.at(-1)).toBe(model.archive.length);
    const mid = events.find((e) => e.phase === "downloading" && e.received > 0 && e.received < model.archive.length && e.bytesPerSecond !== null);
    expect(mid?.bytesPerSecond).toBeGreaterThan(0);
    expect(mid?.secondsLeft).toBeGreaterThan(0);
    const phases = [...new Set(events.map((e) => e.phase))];
    expect(phases).toEqual(["downloading", "verifying", "installing"]);

    expect(await installed()).toEqual(["fake-asr"]);
    expect((await readdir(path.join(modelsDir, "fake-asr"))).sort()).toEqual(["model.int8.onnx", "tokens.txt"]);
    expect((await readLock(modelsDir)).models["fake-asr"]?.asset).toMatchObject({ sha256: sha256(model.archive), url: model.spec.asset.url, trust: "pinned" });
    expect(await getDownload(d, "fake-asr")).toBeNull();
    expect((await readdir(modelsDir)).filter((f) => f.startsWith("."))).toEqual([]);
    // Fetched from the configured host, under the manifest's path.
    expect(host.requests.map((r) => r.path)).toEqual([assetPath(model.spec)]);
  });

  it("two starts at once (two administrators clicking) make one download", async () => {
    const d = deps();
    const [a, b, c] = await Promise.all([startModelDownload(d, "fake-asr"), startModelDownload(d, "fake-asr"), startModelDownload(d, "fake-asr")]);
    expect([a?.startedAt, b?.startedAt, c?.startedAt].every((s) => s === a?.startedAt)).toBe(true);
    await waitForDownload(d, "fake-asr");
    expect(host.requests).toHaveLength(1);
    expect(await installed()).toEqual(["fake-asr"]);
    // Once installed, another start downloads nothing.
    expect(await startModelDownload(d, "fake-asr")).toBeNull();
    expect(host.requests).toHaveLength(1);
  });

  it("cancel stops the transfer and deletes the partial file; nothing is installed", async () => {
    host.assets.set(assetPath(model.spec), { body: model.archive, holdAfter: 512 * 1024 });
    const d = deps();
    await startModelDownload(d, "fake-asr");
    await host.held(assetPath(model.spec));
    expect(await cancelModelDownload(d, "fake-asr")).toBe(true);
    expect(await getDownload(d, "fake-asr")).toBeNull();
    expect(existsSync(partialFile(modelsDir, "fake-asr"))).toBe(false);
    expect(existsSync(path.join(modelsDir, ".downloads"))).toBe(false);
    expect(await installed()).toEqual([]);
    expect(existsSync(path.join(modelsDir, "fake-asr"))).toBe(false);
    // Cancelling again: there is nothing to cancel.
    expect(await cancelModelDownload(d, "fake-asr")).toBe(false);
  });

  it("a dropped connection is resumed with a Range request for the rest (the bytes already here are not fetched again)", async () => {
    host.assets.set(assetPath(model.spec), { body: model.archive, dropAfterOnce: 700 * 1024 });
    const d = deps();
    await startModelDownload(d, "fake-asr");
    await waitForDownload(d, "fake-asr");
    expect(await installed()).toEqual(["fake-asr"]);
    expect(host.requests).toHaveLength(2);
    const [first, second] = host.requests;
    expect(first).toMatchObject({ range: null, status: 200 });
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(second!.range ?? "")?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(700 * 1024);
    expect(second).toMatchObject({ status: 206, ifRange: expect.stringMatching(/^".+"$/) });
    expect(second!.bytesSent).toBe(model.archive.length - resumedAt);
  });

  it("after a restart of this server (and of the model host), an interrupted download continues where its partial file ends", async () => {
    host.assets.set(assetPath(model.spec), { body: model.archive, holdAfter: 800 * 1024 });
    const d = deps();
    await startModelDownload(d, "fake-asr");
    await host.held(assetPath(model.spec));
    // The disk as a crash would leave it: the state file says "active", the partial file holds what arrived.
    const crashed = path.join(root, `crashed-${n}`);
    await waitForFile(partialFile(modelsDir, "fake-asr"), 800 * 1024);
    await cp(path.join(modelsDir, ".downloads"), path.join(crashed, ".downloads"), { recursive: true });
    await cancelModelDownload(d, "fake-asr"); // the "old process" is gone
    const state = JSON.parse(await readFile(path.join(crashed, ".downloads", "fake-asr.json"), "utf8")) as { status: string; validator: string };
    expect(state.status).toBe("active");
    const have = (await readFile(partialFile(crashed, "fake-asr"))).length;
    expect(have).toBe(800 * 1024);

    // The model host restarts too (same port, same asset and ETag).
    const port = host.port;
    await host.close();
    host = await startModelHost({ port, assets: { [assetPath(model.spec)]: { body: model.archive } } });

    modelsDir = crashed;
    const events: DownloadSnapshot[] = [];
    const after = deps({ onEvent: (s) => events.push(s) });
    // What the page shows before the boot resumes it: as far as the partial file got.
    expect(await getDownload(after, "fake-asr")).toMatchObject({ status: "interrupted", received: have });
    expect(await resumeModelDownloads(after)).toEqual(["fake-asr"]);
    await waitUntil(async () => (await installed()).length > 0 || (await getDownload(after, "fake-asr"))?.status === "failed");
    await waitForDownload(after, "fake-asr");
    expect(await installed()).toEqual(["fake-asr"]);
    expect(host.requests).toEqual([expect.objectContaining({ range: `bytes=${have}-`, ifRange: state.validator, status: 206, bytesSent: model.archive.length - have })]);
    expect(events[0]?.received).toBe(have);
  });

  it("a partial file of an asset that changed on the host is fetched again whole (If-Range)", async () => {
    await mkdir(path.join(modelsDir, ".downloads"), { recursive: true });
    await writeFile(partialFile(modelsDir, "fake-asr"), Buffer.from("bytes of an older version of the asset"));
    const url = `${host.url}${assetPath(model.spec)}`;
    await writeFile(
      path.join(modelsDir, ".downloads", "fake-asr.json"),
      JSON.stringify({ version: 1, id: "fake-asr", url, status: "active", received: 38, total: null, validator: '"old-etag"', startedAt: "", updatedAt: "", error: null }),
    );
    const d = deps();
    expect(await resumeModelDownloads(d)).toEqual(["fake-asr"]);
    await waitUntil(async () => (await installed()).length > 0 || (await getDownload(d, "fake-asr"))?.status === "failed");
    await waitForDownload(d, "fake-asr");
    expect(await installed()).toEqual(["fake-asr"]);
    expect(host.requests).toEqual([expect.objectContaining({ range: "bytes=38-", ifRange: '"old-etag"', status: 200 })]);
  });

  it("a download whose SHA-256 does not match its pin is refused: nothing installed, no partial file kept, the failure shown", async () => {
    const wrong: ModelSpec = { ...model.spec, asset: { ...model.spec.asset, sha256: sha256("another archive") } };
    const d = deps({}, wrong);
    await startModelDownload(d, "fake-asr");
    await waitForDownload(d, "fake-asr");
    const state = await getDownload(d, "fake-asr");
    expect(state).toMatchObject({ status: "failed", error: { code: "CHECKSUM", message: expect.stringMatching(/SHA-256 is [0-9a-f]{64}, but the manifest pins .*nothing was installed/) } });
    expect(await installed(wrong)).toEqual([]);
    expect(existsSync(path.join(modelsDir, "fake-asr"))).toBe(false);
    expect(existsSync(partialFile(modelsDir, "fake-asr"))).toBe(false);
    expect((await readLock(modelsDir)).models).toEqual({});
    // Dismissing the failure clears it.
    expect(await cancelModelDownload(d, "fake-asr")).toBe(true);
    expect(await getDownload(d, "fake-asr")).toBeNull();
  });

  it("a disk without room is refused up front: no request is made", async () => {
    const asked: string[] = [];
    const d = deps({
      freeBytes: async (dir) => {
        asked.push(dir);
        return 10 * 1024 * 1024;
      },
    });
    const error = await startModelDownload(d, "fake-asr").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PullError);
    expect(error).toMatchObject({ code: "DISK_FULL", message: expect.stringMatching(/Not enough disk space for fake-asr: it needs about \d+ MB in .*, and 11 MB are free/) });
    expect(asked).toEqual([modelsDir]);
    expect(host.requests).toEqual([]);
    expect(await getDownload(d, "fake-asr")).toMatchObject({ status: "failed", error: { code: "DISK_FULL" } });
  });

  it("an unreachable model host fails the start at once, saying to run `npm run models:pull` where the internet is", async () => {
    const d = deps({ baseUrl: `http://127.0.0.1:${await closedPort()}` });
    const error = await startModelDownload(d, "fake-asr").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "OFFLINE", message: expect.stringMatching(/Could not reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\).*offline.*npm run models:pull/) });
    expect(await getDownload(d, "fake-asr")).toMatchObject({ status: "failed", error: { code: "OFFLINE" } });
  });

  it("removes an installed model (refused while it downloads)", async () => {
    const d = deps();
    await startModelDownload(d, "fake-asr");
    await expect(removeModel(d, "fake-asr")).rejects.toBeInstanceOf(DownloadBusyError);
    await waitForDownload(d, "fake-asr");
    expect(await removeModel(d, "fake-asr")).toBe(true);
    expect(await installed()).toEqual([]);
    expect(existsSync(path.join(modelsDir, "fake-asr"))).toBe(false);
    expect((await readLock(modelsDir)).models).toEqual({});
    expect(await removeModel(d, "fake-asr")).toBe(false);
  });

  it("refuses a model it does not know", async () => {
    await expect(startModelDownload(deps(), "../etc")).rejects.toThrow(/No model/);
  });
});

describe("the engine follows the models dir", () => {
  it("uses a model installed while the server runs on the next call, and stops using it once removed (no restart)", async () => {
    const dir = path.join(root, "engine-models");
    const providers = createSpeechProviders({ local: { modelsDir: dir }, followModelChanges: true });
    const fixed = createSpeechProviders({ local: { modelsDir: dir } });
    expect(providers.transcription.name).toBe("local");
    // whisper-base.en installed as models:pull leaves it: its files, and the lock entry of a download that matched the pin.
    const spec = findModelSpec("whisper-base.en")!;
    await mkdir(path.join(dir, spec.id), { recursive: true });
    const files: Record<string, { sha256: string; size: number }> = {};
    for (const f of Object.values(spec.files)) {
      await writeFile(path.join(dir, spec.id, f.path), `fake ${f.path}`);
      files[f.path] = { sha256: sha256(`fake ${f.path}`), size: Buffer.byteLength(`fake ${f.path}`) };
    }
    await updateLock(dir, spec.id, { asset: { url: spec.asset.url, sha256: spec.asset.sha256!, size: 1, trust: "pinned" }, files, installedAt: "now" });
    expect(providers.transcription.name).toBe("local:whisper-base.en");
    expect(fixed.transcription.name).toBe("local"); // chosen once at creation: the old behaviour
    expect(providers.diarization.name).toBe("local");
    await removeInstalledModel(dir, spec.id);
    expect(providers.transcription.name).toBe("local");
  });
});

async function waitUntil(predicate: () => Promise<boolean>): Promise<void> {
  while (!(await predicate())) await new Promise((r) => setTimeout(r, 10));
}

async function waitForFile(file: string, bytes: number): Promise<void> {
  await waitUntil(async () => ((await readFile(file).catch(() => Buffer.alloc(0))).length ?? 0) >= bytes);
}
