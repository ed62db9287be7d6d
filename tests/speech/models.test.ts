import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { SpeechEngineUnavailableError } from "@/lib/speech/errors";
import { discoverModels, inspectModels, verifyInstalledModel } from "@/lib/speech/models/discover";
import { emptyLock, lockPath, parseLock, readLock, updateLock, writeLock, type LockedModel } from "@/lib/speech/models/lock";
import { DEFAULT_MODELS, MODEL_MANIFEST, MODEL_ROLES, SHA256_PATTERN, type ModelSpec } from "@/lib/speech/models/manifest";

/**
 * The model manifest, the lock file and discovery, on small fake model files in a temp dir (the hashes in
 * the test manifests are the fakes' own). No network, no real models.
 */

const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const root = await mkdtemp(path.join(os.tmpdir(), "scryon-models-test-"));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
let dir: string;
beforeEach(async () => {
  dir = path.join(root, `case-${++n}`);
  await mkdir(dir, { recursive: true });
});

interface FakeFile {
  path: string;
  content: string;
  /** Pin the file's hash in the test manifest (else only the lock knows it). */
  pinned: boolean;
}

function spec(id: string, role: ModelSpec["role"], files: Record<string, FakeFile>, assetSha: string | null): ModelSpec {
  return {
    id,
    role,
    engine: role === "asr" ? "whisper" : role === "segmentation" ? "pyannote-segmentation" : "speaker-embedding",
    shortName: id,
    title: id,
    license: "test",
    downloadMb: 1,
    asset: { url: `http://127.0.0.1/${id}.tar.bz2`, kind: "tar.bz2", sha256: assetSha, root: id },
    files: Object.fromEntries(Object.entries(files).map(([k, f]) => [k, { path: f.path, sha256: f.pinned ? sha(f.content) : null }])),
    hashSource: "test",
  };
}

async function install(
  s: ModelSpec,
  files: Record<string, FakeFile>,
  lock?: { assetSha?: string; trust?: LockedModel["asset"]["trust"]; overrides?: Record<string, string>; stamp?: boolean },
) {
  const modelDir = path.join(dir, s.id);
  await mkdir(modelDir, { recursive: true });
  for (const f of Object.values(files)) {
    await mkdir(path.dirname(path.join(modelDir, f.path)), { recursive: true });
    await writeFile(path.join(modelDir, f.path), f.content);
    // Whole milliseconds, so a test can put an mtime back exactly (utimes takes no nanoseconds).
    await utimes(path.join(modelDir, f.path), STAMP, STAMP);
  }
  if (lock) {
    await updateLock(dir, s.id, {
      asset: { url: s.asset.url, sha256: lock.assetSha ?? s.asset.sha256 ?? sha("first download"), size: 123, trust: lock.trust ?? (s.asset.sha256 ? "pinned" : "trust-on-first-use") },
      files: Object.fromEntries(
        await Promise.all(
          Object.values(files).map(async (f) => [
            f.path,
            {
              sha256: lock.overrides?.[f.path] ?? sha(f.content),
              size: Buffer.byteLength(f.content),
              ...(lock.stamp ? { mtimeMs: (await stat(path.join(modelDir, f.path))).mtimeMs } : {}),
            },
          ]),
        ),
      ),
      installedAt: "2026-01-01T00:00:00.000Z",
    });
  }
  return modelDir;
}

const STAMP = new Date("2026-01-02T03:04:05.678Z");

const ASR_FILES: Record<string, FakeFile> = {
  encoder: { path: "enc.int8.onnx", content: "encoder weights", pinned: false },
  decoder: { path: "dec.int8.onnx", content: "decoder weights", pinned: false },
  tokens: { path: "tokens.txt", content: "a 0\nb 1\n", pinned: false },
};
const EMB_FILES: Record<string, FakeFile> = { model: { path: "emb.onnx", content: "embedding model", pinned: true } };
const SEG_FILES: Record<string, FakeFile> = { model: { path: "model.onnx", content: "segmentation model", pinned: true } };

describe("the model manifest", () => {
  it("lists well-formed entries: official sherpa-onnx release URLs, hashes pinned or explicitly null", () => {
    const ids = MODEL_MANIFEST.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of MODEL_MANIFEST) {
      expect(m.asset.url).toMatch(/^https:\/\/github\.com\/k2-fsa\/sherpa-onnx\/releases\/download\/(asr-models|speaker-segmentation-models|speaker-recongition-models)\/[^/]+$/);
      expect(m.asset.sha256 === null || SHA256_PATTERN.test(m.asset.sha256)).toBe(true);
      for (const f of Object.values(m.files)) {
        expect(f.sha256 === null || SHA256_PATTERN.test(f.sha256)).toBe(true);
        expect(path.isAbsolute(f.path) || f.path.split("/").includes("..")).toBe(false);
      }
      if (m.asset.kind === "tar.bz2") {
        expect(m.asset.url).toMatch(/\.tar\.bz2$/);
        expect(m.asset.root).toBeTruthy();
      } else {
        expect(Object.keys(m.files)).toHaveLength(1);
        expect(path.basename(new URL(m.asset.url).pathname)).toBe(Object.values(m.files)[0]!.path);
      }
      const roleOfEngine = { whisper: "asr", moonshine: "asr", "pyannote-segmentation": "segmentation", "speaker-embedding": "embedding" } as const;
      expect(roleOfEngine[m.engine]).toBe(m.role);
      if (m.engine === "whisper") expect(Object.keys(m.files).sort()).toEqual(["decoder", "encoder", "tokens"]);
      if (m.engine === "moonshine") expect(Object.keys(m.files).sort()).toEqual(["cachedDecoder", "encoder", "preprocessor", "tokens", "uncachedDecoder"]);
      if (m.role !== "asr") expect(Object.keys(m.files)).toEqual(["model"]);
      if (m.role === "asr") expect(m.quality).toBeDefined();
      if (m.role === "embedding") expect(m.voiceprintThreshold).toBeGreaterThan(0);
      // A file asset's one file carries the asset's hash (it is the same bytes).
      if (m.asset.kind === "file") expect(Object.values(m.files)[0]!.sha256).toBe(m.asset.sha256);
    }
  });

  it("has a pinned default for every role, and only the documented asset is trust-on-first-use", () => {
    for (const role of MODEL_ROLES) {
      const d = MODEL_MANIFEST.find((m) => m.id === DEFAULT_MODELS[role]);
      expect(d?.role).toBe(role);
      expect(d?.asset.sha256).toMatch(SHA256_PATTERN);
    }
    expect(MODEL_MANIFEST.filter((m) => m.asset.sha256 === null).map((m) => m.id)).toEqual(["wespeaker-resnet34-lm"]);
  });

  it("docs/models.md lists every pinned hash and names every model", async () => {
    const docs = await readFile(path.resolve("docs/models.md"), "utf8");
    for (const m of MODEL_MANIFEST) {
      expect(docs).toContain(m.id);
      if (m.asset.sha256) expect(docs).toContain(m.asset.sha256);
      for (const f of Object.values(m.files)) if (f.sha256) expect(docs).toContain(f.sha256);
    }
  });
});

describe("the lock file", () => {
  it("round-trips, is written atomically and sorted, and an entry can be removed", async () => {
    const entry: LockedModel = { asset: { url: "u", sha256: sha("a"), size: 1, trust: "pinned" }, files: { f: { sha256: sha("f"), size: 1 } }, installedAt: "t" };
    await writeLock(dir, { version: 1, models: { zeta: entry, alpha: entry } });
    expect(Object.keys((await readLock(dir)).models)).toEqual(["alpha", "zeta"]);
    expect(await readdir(dir)).toEqual(["models.lock.json"]); // no temp file left
    await updateLock(dir, "zeta", null);
    expect(Object.keys((await readLock(dir)).models)).toEqual(["alpha"]);
  });

  it("is empty when missing or unreadable, and drops malformed entries", async () => {
    expect(await readLock(path.join(dir, "nowhere"))).toEqual(emptyLock());
    expect(parseLock("not json")).toEqual(emptyLock());
    expect(parseLock(JSON.stringify({ version: 2, models: {} }))).toEqual(emptyLock());
    const good = { asset: { url: "u", sha256: sha("a"), size: 1, trust: "trust-on-first-use" }, files: {}, installedAt: "t" };
    const parsed = parseLock(
      JSON.stringify({
        version: 1,
        models: {
          good,
          shortSha: { ...good, asset: { ...good.asset, sha256: "abc" } },
          badTrust: { ...good, asset: { ...good.asset, trust: "whatever" } },
          badFile: { ...good, files: { f: { sha256: sha("f"), size: -1 } } },
        },
      }),
    );
    expect(Object.keys(parsed.models)).toEqual(["good"]);
  });
});

describe("model discovery", () => {
  it("finds nothing (and no problem) in an empty or missing dir", async () => {
    for (const d of [dir, path.join(dir, "missing")]) {
      const found = await discoverModels(d);
      expect(found).toMatchObject({ installed: [], problems: [], selected: {}, hashed: true });
      expect(inspectModels(d)).toMatchObject({ installed: [], problems: [], selected: {}, hashed: false });
    }
  });

  it("accepts files pinned in the manifest without any lock file (trust: pinned)", async () => {
    const s = spec("emb", "embedding", EMB_FILES, sha("asset"));
    await install(s, EMB_FILES);
    const found = await discoverModels(dir, { manifest: [s] });
    expect(found.problems).toEqual([]);
    expect(found.selected.embedding).toMatchObject({ trust: "pinned", paths: { model: path.join(dir, "emb", "emb.onnx") } });
  });

  it("checks files the manifest does not pin against the lock, when the lock's download matches the manifest's pin", async () => {
    const s = spec("asr", "asr", ASR_FILES, sha("archive"));
    await install(s, ASR_FILES, {});
    const found = await discoverModels(dir, { manifest: [s] });
    expect(found.problems).toEqual([]);
    expect(found.selected.asr?.trust).toBe("pinned-archive");
    expect(Object.keys(found.selected.asr!.paths).sort()).toEqual(["decoder", "encoder", "tokens"]);
  });

  it("refuses unpinned files without a lock entry, and a lock that records another download than the manifest pins", async () => {
    const s = spec("asr", "asr", ASR_FILES, sha("archive"));
    await install(s, ASR_FILES);
    let found = await discoverModels(dir, { manifest: [s] });
    expect(found.installed).toEqual([]);
    expect(found.problems[0]?.reason).toMatch(/no SHA-256 is known/);

    await install(s, ASR_FILES, { assetSha: sha("an older archive") });
    found = await discoverModels(dir, { manifest: [s] });
    expect(found.installed).toEqual([]);
    expect(found.problems[0]?.reason).toMatch(/records a download .* but the manifest pins/);
  });

  it("accepts a trust-on-first-use install and says so", async () => {
    const files = { model: { ...EMB_FILES.model!, pinned: false } };
    const s = { ...spec("tofu", "embedding", files, null), asset: { url: "http://127.0.0.1/tofu.onnx", kind: "file" as const, sha256: null } };
    await install(s, files, { trust: "trust-on-first-use" });
    const found = await discoverModels(dir, { manifest: [s] });
    expect(found.selected.embedding?.trust).toBe("trust-on-first-use");
  });

  it("a pinned file's hash wins over whatever the lock claims", async () => {
    const files = { model: { ...SEG_FILES.model!, content: "tampered segmentation model" } };
    const s = spec("seg", "segmentation", SEG_FILES, sha("archive")); // pins the hash of the original content
    await install(s, files, { stamp: true }); // the lock records the tampered file's hash, size and mtime
    for (const found of [inspectModels(dir, { manifest: [s] }), await discoverModels(dir, { manifest: [s] })]) {
      expect(found.installed).toEqual([]);
      expect(found.problems[0]?.reason).toMatch(/model\.onnx has SHA-256 .* expected/);
    }
  });

  it("reports incomplete installs, wrong sizes and directories where files belong", async () => {
    const s = spec("asr", "asr", ASR_FILES, sha("archive"));
    const modelDir = await install(s, ASR_FILES, {});
    await rm(path.join(modelDir, "dec.int8.onnx"));
    expect(inspectModels(dir, { manifest: [s] }).problems[0]?.reason).toMatch(/dec\.int8\.onnx is missing \(incomplete install/);

    await writeFile(path.join(modelDir, "dec.int8.onnx"), "decoder weights, but longer");
    expect(inspectModels(dir, { manifest: [s] }).problems[0]?.reason).toMatch(/dec\.int8\.onnx has \d+ bytes, expected 15/);

    await rm(path.join(modelDir, "dec.int8.onnx"));
    await mkdir(path.join(modelDir, "dec.int8.onnx"));
    expect(inspectModels(dir, { manifest: [s] }).problems[0]?.reason).toMatch(/not a regular file/);
  });

  it("the synchronous check trusts an untouched install (hash, size and mtime as recorded) and hashes anything else", async () => {
    const s = spec("asr", "asr", ASR_FILES, sha("archive"));
    const modelDir = await install(s, ASR_FILES, { stamp: true });
    expect(inspectModels(dir, { manifest: [s] }).installed).toHaveLength(1);
    const file = path.join(modelDir, "enc.int8.onnx");

    // Changed in place with the same size, mtime put back: the record vouches for it (only hashing can tell)…
    await writeFile(file, "ENCODER WEIGHTS");
    await utimes(file, STAMP, STAMP);
    expect(inspectModels(dir, { manifest: [s] }).installed).toHaveLength(1);
    // …and the full check, which always hashes, does tell.
    const full = await discoverModels(dir, { manifest: [s] });
    expect(full.installed).toEqual([]);
    expect(full.problems[0]?.reason).toMatch(/enc\.int8\.onnx has SHA-256/);

    // A new mtime (an edit, a copy without -p): the synchronous check hashes the file and refuses it.
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    const quick = inspectModels(dir, { manifest: [s] });
    expect(quick.installed).toEqual([]);
    expect(quick.problems[0]?.reason).toMatch(/enc\.int8\.onnx has SHA-256/);

    // Put right again but without the stamp (a copied dir): hashed, and accepted.
    await writeFile(file, "encoder weights");
    expect(inspectModels(dir, { manifest: [s] }).installed).toHaveLength(1);
  });

  it("verifyInstalledModel refuses a file changed after the choice, before anything loads it (ENGINE_UNAVAILABLE)", async () => {
    const s = spec("emb", "embedding", EMB_FILES, sha("asset"));
    const modelDir = await install(s, EMB_FILES);
    const model = inspectModels(dir, { manifest: [s] }).selected.embedding!;
    await expect(verifyInstalledModel(model)).resolves.toBeUndefined();
    const file = path.join(modelDir, "emb.onnx");
    await writeFile(file, "EMBEDDING MODEL");
    await utimes(file, new Date(), new Date(Date.now() + 10_000));
    const error = await verifyInstalledModel(model).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpeechEngineUnavailableError);
    expect(error).toMatchObject({ code: "ENGINE_UNAVAILABLE", transient: false });
    expect((error as Error).message).toMatch(/SHA-256.*models:pull/);
  });

  it("selects per role in manifest order, or the preferred model when it is usable", async () => {
    const first = spec("asr-first", "asr", ASR_FILES, sha("a1"));
    const second = spec("asr-second", "asr", ASR_FILES, sha("a2"));
    const broken = spec("asr-broken", "asr", ASR_FILES, sha("a3"));
    const emb = spec("emb", "embedding", EMB_FILES, sha("e"));
    const manifest = [broken, first, second, emb];
    await install(first, ASR_FILES, {});
    await install(second, ASR_FILES, {});
    await install(broken, ASR_FILES); // no lock entry: unusable
    await install(emb, EMB_FILES);
    let found = await discoverModels(dir, { manifest });
    expect(found.installed.map((m) => m.spec.id)).toEqual(["asr-first", "asr-second", "emb"]);
    expect(found.problems.map((p) => p.id)).toEqual(["asr-broken"]);
    expect([found.selected.asr?.spec.id, found.selected.embedding?.spec.id, found.selected.segmentation]).toEqual(["asr-first", "emb", undefined]);
    found = await discoverModels(dir, { manifest, prefer: { asr: "asr-second" } });
    expect(found.selected.asr?.spec.id).toBe("asr-second");
    found = await discoverModels(dir, { manifest, prefer: { asr: "asr-broken" } });
    expect(found.selected.asr?.spec.id).toBe("asr-first");
  });

  it("with the real manifest: fake whisper-base.en files verify only through a lock whose download matches the pin", async () => {
    const base = MODEL_MANIFEST.find((m) => m.id === "whisper-base.en")!;
    const files = Object.fromEntries(Object.entries(base.files).map(([k, f]) => [k, { path: f.path, content: `fake ${k}`, pinned: false }]));
    await install(base, files, {});
    expect(lockPath(dir)).toBe(path.join(dir, "models.lock.json"));
    expect((await discoverModels(dir)).selected.asr?.spec.id).toBe("whisper-base.en");
    // tiny.en pins its files: fakes are refused even with a lock that vouches for them.
    const tiny = MODEL_MANIFEST.find((m) => m.id === "whisper-tiny.en")!;
    await install(tiny, Object.fromEntries(Object.entries(tiny.files).map(([k, f]) => [k, { path: f.path, content: `fake ${k}`, pinned: false }])), {});
    const found = await discoverModels(dir);
    expect(found.installed.map((m) => m.spec.id)).toEqual(["whisper-base.en"]);
    expect(found.problems.find((p) => p.id === "whisper-tiny.en")?.reason).toMatch(/SHA-256/);
  });
});
