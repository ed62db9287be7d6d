import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { discoverModels, inspectModels } from "@/lib/speech/models/discover";
import { readLock } from "@/lib/speech/models/lock";
import type { ModelSpec } from "@/lib/speech/models/manifest";
import { checkExtractTools, defaultModelsDir, main, parseArgs, planPull, PullError, pullModel, UsageError, type PullContext } from "@/scripts/models-pull";

/**
 * `scripts/models-pull.ts` without the network: a fixture archive made here with `tar -cjf`, served by a local
 * HTTP server, installed into a temp models dir with test manifests whose pins are the fixtures' own hashes.
 */

const execFileAsync = promisify(execFile);
const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

const root = await mkdtemp(path.join(os.tmpdir(), "scryon-pull-test-"));
let server: http.Server;
let base: string;
const hits = new Map<string, number>();
const routes = new Map<string, Buffer>();
let archive: Buffer;
let wrongRootArchive: Buffer;
const embedding = Buffer.from("a small speaker embedding model");

beforeAll(async () => {
  // The fixture "release asset": a root dir like sherpa-onnx's, with files the engine loads and files it prunes.
  const src = path.join(root, "src", "fake-asr-model");
  await mkdir(path.join(src, "test_wavs"), { recursive: true });
  await writeFile(path.join(src, "enc.int8.onnx"), "int8 encoder");
  await writeFile(path.join(src, "dec.int8.onnx"), "int8 decoder");
  await writeFile(path.join(src, "tokens.txt"), "a 0\nb 1\n");
  await writeFile(path.join(src, "enc.onnx"), "fp32 encoder, pruned");
  await writeFile(path.join(src, "test_wavs", "0.wav"), "RIFF");
  await execFileAsync("tar", ["-cjf", path.join(root, "asr.tar.bz2"), "-C", path.join(root, "src"), "fake-asr-model"]);
  archive = await readFile(path.join(root, "asr.tar.bz2"));
  await execFileAsync("tar", ["-cjf", path.join(root, "other.tar.bz2"), "-C", src, "tokens.txt"]);
  wrongRootArchive = await readFile(path.join(root, "other.tar.bz2"));
  routes.set("/asr.tar.bz2", archive);
  routes.set("/other.tar.bz2", wrongRootArchive);
  routes.set("/emb.onnx", embedding);
  routes.set("/tofu.onnx", Buffer.from("an unpinned model"));

  server = http.createServer((req, res) => {
    const url = req.url ?? "/";
    hits.set(url, (hits.get(url) ?? 0) + 1);
    if (url === "/redirect/emb.onnx") {
      res.writeHead(302, { location: "/emb.onnx" }).end();
      return;
    }
    const body = routes.get(url);
    if (!body) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-length": body.length, "content-type": "application/octet-stream" });
    // Two chunks, so progress is reported more than once.
    res.write(body.subarray(0, body.length >> 1));
    setTimeout(() => res.end(body.subarray(body.length >> 1)), 5);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await rm(root, { recursive: true, force: true });
});

let modelsDir: string;
let logs: string[];
let n = 0;
beforeEach(() => {
  modelsDir = path.join(root, `models-${++n}`);
  logs = [];
  hits.clear();
});

function asrSpec(overrides: Partial<ModelSpec> = {}): ModelSpec {
  return {
    id: "fake-asr",
    role: "asr",
    engine: "whisper",
    shortName: "fake-asr",
    title: "Fake ASR",
    license: "test",
    downloadMb: 1,
    asset: { url: `${base}/asr.tar.bz2`, kind: "tar.bz2", sha256: sha(archive), root: "fake-asr-model" },
    files: {
      encoder: { path: "enc.int8.onnx", sha256: null },
      decoder: { path: "dec.int8.onnx", sha256: sha("int8 decoder") },
      tokens: { path: "tokens.txt", sha256: null },
    },
    prune: ["enc.onnx", "test_wavs"],
    quality: "draft",
    hashSource: "test",
    ...overrides,
  };
}

function embSpec(overrides: Partial<ModelSpec> = {}): ModelSpec {
  return {
    id: "fake-emb",
    role: "embedding",
    engine: "speaker-embedding",
    shortName: "fake-emb",
    title: "Fake embedding",
    license: "test",
    downloadMb: 1,
    asset: { url: `${base}/emb.onnx`, kind: "file", sha256: sha(embedding) },
    files: { model: { path: "emb.onnx", sha256: sha(embedding) } },
    voiceprintThreshold: 0.6,
    hashSource: "test",
    ...overrides,
  };
}

function tofuSpec(): ModelSpec {
  return embSpec({ id: "fake-tofu", asset: { url: `${base}/tofu.onnx`, kind: "file", sha256: null }, files: { model: { path: "tofu.onnx", sha256: null } } });
}

function ctx(spec: ModelSpec | ModelSpec[], overrides: Partial<PullContext> = {}): PullContext {
  return {
    modelsDir,
    pinOnFirstDownload: false,
    dryRun: false,
    force: false,
    log: (line) => logs.push(line),
    manifest: Array.isArray(spec) ? spec : [spec],
    ...overrides,
  };
}

async function leftovers(): Promise<string[]> {
  return existsSync(modelsDir) ? (await readdir(modelsDir)).filter((f) => f.startsWith(".")) : [];
}

describe("models:pull arguments", () => {
  const cwd = "/srv/scryon";

  it("defaults to <data dir>/models, read like lib/env.ts reads SCRYON_DATA_DIR; SCRYON_MODELS_DIR wins", () => {
    expect(parseArgs([], {}, cwd).modelsDir).toBe("/srv/scryon/.data/models");
    expect(parseArgs([], { SCRYON_DATA_DIR: "  " }, cwd).modelsDir).toBe("/srv/scryon/.data/models");
    expect(parseArgs([], { SCRYON_DATA_DIR: "/var/lib/scryon" }, cwd).modelsDir).toBe("/var/lib/scryon/models");
    expect(parseArgs([], { SCRYON_DATA_DIR: "state" }, cwd).modelsDir).toBe("/srv/scryon/state/models");
    expect(defaultModelsDir({ SCRYON_MODELS_DIR: "/models", SCRYON_DATA_DIR: "/x" }, cwd)).toBe("/models");
    expect(parseArgs(["--models-dir", "m"], { SCRYON_MODELS_DIR: "/models" }, cwd).modelsDir).toBe("/srv/scryon/m");
    expect(parseArgs(["--models-dir=/abs"], {}, cwd).modelsDir).toBe("/abs");
  });

  it("parses roles, models and switches", () => {
    const args = parseArgs(["--only", "asr,embedding", "--only=embedding", "--model", "whisper-tiny.en", "--dry-run", "--pin-on-first-download", "--force"], {}, cwd);
    expect(args).toMatchObject({ only: ["asr", "embedding"], models: ["whisper-tiny.en"], dryRun: true, pinOnFirstDownload: true, force: true, list: false, verify: false });
    expect(parseArgs(["--list"], {}, cwd).list).toBe(true);
    expect(parseArgs(["--verify"], {}, cwd).verify).toBe(true);
    expect(parseArgs(["-h"], {}, cwd).help).toBe(true);
  });

  it("refuses what it does not know", () => {
    expect(() => parseArgs(["--only", "vad"], {}, cwd)).toThrow(UsageError);
    expect(() => parseArgs(["--model", "whisper-huge"], {}, cwd)).toThrow(/unknown model "whisper-huge"; known: whisper-base\.en/);
    expect(() => parseArgs(["--models-dir"], {}, cwd)).toThrow(/needs a value/);
    expect(() => parseArgs(["--only", "--dry-run"], {}, cwd)).toThrow(/needs a value/);
    expect(() => parseArgs(["--yes"], {}, cwd)).toThrow(/unknown argument "--yes"/);
  });

  it("plans one default model per role, or what --only/--model ask for", () => {
    const ids = (a: { only: PullArgsOnly; models: string[] }) => planPull(a).map((m) => m.id);
    type PullArgsOnly = Parameters<typeof planPull>[0]["only"];
    expect(ids({ only: null, models: [] })).toEqual(["whisper-base.en", "pyannote-segmentation-3.0", "nemo-titanet-small"]);
    expect(ids({ only: ["asr"], models: [] })).toEqual(["whisper-base.en"]);
    expect(ids({ only: null, models: ["whisper-tiny.en"] })).toEqual(["whisper-tiny.en"]);
    expect(ids({ only: ["asr", "segmentation"], models: ["moonshine-tiny-en"] })).toEqual(["moonshine-tiny-en", "pyannote-segmentation-3.0"]);
  });

  it("main: usage errors exit 2, a dry run exits 0 and touches nothing", async () => {
    const out = vi.spyOn(console, "log").mockImplementation(() => {});
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      expect(await main(["--only", "nope"], {})).toBe(2);
      expect(await main(["--dry-run", "--models-dir", modelsDir], {})).toBe(0);
      expect(existsSync(modelsDir)).toBe(false);
      expect(out.mock.calls.flat().join("\n")).toMatch(/would fetch https:\/\/github\.com\/k2-fsa\/sherpa-onnx\/releases\/download\/asr-models\/sherpa-onnx-whisper-base\.en\.tar\.bz2/);
      expect(await main(["--verify", "--models-dir", modelsDir], {})).toBe(0);
      expect(await main(["--dry-run", "--model", "wespeaker-resnet34-lm", "--models-dir", modelsDir], {})).toBe(0);
      expect(out.mock.calls.flat().join("\n")).toMatch(/would be refused without --pin-on-first-download/);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});

describe("models:pull install (local fixture server)", () => {
  it("downloads, verifies, extracts, prunes, installs atomically and records the lock", async () => {
    const spec = asrSpec();
    const progress: number[] = [];
    expect(await pullModel(spec, ctx(spec, { progress: (_id, received) => progress.push(received) }))).toBe("installed");
    const dir = path.join(modelsDir, "fake-asr");
    expect((await readdir(dir)).sort()).toEqual(["dec.int8.onnx", "enc.int8.onnx", "tokens.txt"]);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toBe(archive.length);
    const lock = await readLock(modelsDir);
    expect(lock.models["fake-asr"]).toMatchObject({
      asset: { url: spec.asset.url, sha256: sha(archive), size: archive.length, trust: "pinned" },
      files: {
        "enc.int8.onnx": { sha256: sha("int8 encoder"), size: 12 },
        "dec.int8.onnx": { sha256: sha("int8 decoder"), size: 12 },
        "tokens.txt": { sha256: sha("a 0\nb 1\n"), size: 8 },
      },
    });
    const found = await discoverModels(modelsDir, { manifest: [spec] });
    expect(found.selected.asr).toMatchObject({ trust: "pinned-archive" });
    // Each file is stamped with its mtime as hashed, so the server's synchronous check need not hash it again.
    const encoder = path.join(dir, "enc.int8.onnx");
    expect(lock.models["fake-asr"]!.files["enc.int8.onnx"]!.mtimeMs).toBe((await stat(encoder)).mtimeMs);
    expect(inspectModels(modelsDir, { manifest: [spec] }).selected.asr?.paths.encoder).toBe(encoder);
    expect(await leftovers()).toEqual([]);
    expect(logs.join("\n")).toMatch(/SHA-256 ok \(pinned\)[\s\S]*✓ fake-asr: installed \(pinned-archive\)/);
  });

  it("is idempotent: a verified install is skipped without a download; --force reinstalls", async () => {
    const spec = asrSpec();
    await pullModel(spec, ctx(spec));
    expect(hits.get("/asr.tar.bz2")).toBe(1);
    expect(await pullModel(spec, ctx(spec))).toBe("skipped");
    expect(hits.get("/asr.tar.bz2")).toBe(1);
    expect(await pullModel(spec, ctx(spec, { force: true }))).toBe("installed");
    expect(hits.get("/asr.tar.bz2")).toBe(2);
  });

  it("repairs an install that no longer verifies, replacing the directory", async () => {
    const spec = asrSpec();
    await pullModel(spec, ctx(spec));
    await writeFile(path.join(modelsDir, "fake-asr", "enc.int8.onnx"), "a corrupted encoder");
    await writeFile(path.join(modelsDir, "fake-asr", "stray.txt"), "left from before");
    expect(await pullModel(spec, ctx(spec))).toBe("installed");
    expect(logs.join("\n")).toMatch(/present but not usable .*enc\.int8\.onnx.*reinstalling/);
    expect(await readFile(path.join(modelsDir, "fake-asr", "enc.int8.onnx"), "utf8")).toBe("int8 encoder");
    expect(existsSync(path.join(modelsDir, "fake-asr", "stray.txt"))).toBe(false);
  });

  it("installs a single-file asset, following redirects (GitHub release downloads redirect)", async () => {
    const spec = embSpec({ asset: { url: `${base}/redirect/emb.onnx`, kind: "file", sha256: sha(embedding) } });
    expect(await pullModel(spec, ctx(spec))).toBe("installed");
    expect(await readFile(path.join(modelsDir, "fake-emb", "emb.onnx"))).toEqual(embedding);
    expect((await discoverModels(modelsDir, { manifest: [spec] })).selected.embedding?.trust).toBe("pinned");
  });

  it("refuses a download whose SHA-256 does not match the pin: nothing installed, nothing left behind", async () => {
    const spec = asrSpec({ asset: { ...asrSpec().asset, sha256: sha("some other archive") } });
    const error = await pullModel(spec, ctx(spec)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PullError);
    expect((error as Error).message).toMatch(/SHA-256 is [0-9a-f]{64}, but the manifest pins [0-9a-f]{64}.*nothing was installed/);
    expect(existsSync(path.join(modelsDir, "fake-asr"))).toBe(false);
    expect(await leftovers()).toEqual([]);
    expect((await readLock(modelsDir)).models).toEqual({});
  });

  it("refuses an archive whose pinned member does not match, or that lacks the expected root dir", async () => {
    const badMember = asrSpec({ files: { ...asrSpec().files, decoder: { path: "dec.int8.onnx", sha256: sha("another decoder") } } });
    await expect(pullModel(badMember, ctx(badMember))).rejects.toThrow(/dec\.int8\.onnx has SHA-256 .* the manifest pins/);
    const wrongRoot = asrSpec({ asset: { url: `${base}/other.tar.bz2`, kind: "tar.bz2", sha256: sha(wrongRootArchive), root: "fake-asr-model" } });
    await expect(pullModel(wrongRoot, ctx(wrongRoot))).rejects.toThrow(/does not hold fake-asr-model\/ \(found: tokens\.txt\)/);
    const missingFile = asrSpec({ files: { ...asrSpec().files, tokens: { path: "vocab.txt", sha256: null } } });
    await expect(pullModel(missingFile, ctx(missingFile))).rejects.toThrow(/vocab\.txt is missing from the download/);
    expect(existsSync(path.join(modelsDir, "fake-asr"))).toBe(false);
    expect(await leftovers()).toEqual([]);
  });

  it("an unpinned asset needs --pin-on-first-download; then its hash is printed, recorded, and enforced later", async () => {
    const spec = tofuSpec();
    await expect(pullModel(spec, ctx(spec))).rejects.toThrow(/pins no SHA-256 .* --pin-on-first-download/);
    expect(hits.get("/tofu.onnx")).toBeUndefined(); // refused before downloading

    expect(await pullModel(spec, ctx(spec, { pinOnFirstDownload: true }))).toBe("installed");
    const hash = sha("an unpinned model");
    expect(logs.join("\n")).toContain(`SHA-256 of tofu.onnx: ${hash}`);
    expect(logs.join("\n")).toMatch(/trust on first use/);
    expect((await readLock(modelsDir)).models["fake-tofu"]?.asset).toMatchObject({ sha256: hash, trust: "trust-on-first-use" });
    expect((await discoverModels(modelsDir, { manifest: [spec] })).selected.embedding?.trust).toBe("trust-on-first-use");

    // Later runs verify against the record, with or without the flag; a changed upstream asset is refused.
    expect(await pullModel(spec, ctx(spec))).toBe("skipped");
    routes.set("/tofu.onnx", Buffer.from("a different model under the same name"));
    try {
      await expect(pullModel(spec, ctx(spec, { force: true }))).rejects.toThrow(/models\.lock\.json recorded [0-9a-f]{64} on first download/);
      expect(await readFile(path.join(modelsDir, "fake-tofu", "tofu.onnx"), "utf8")).toBe("an unpinned model");
    } finally {
      routes.set("/tofu.onnx", Buffer.from("an unpinned model"));
    }
  });

  it("a dry run fetches nothing and creates nothing", async () => {
    const specs = [asrSpec(), embSpec(), tofuSpec()];
    for (const spec of specs) expect(await pullModel(spec, ctx(specs, { dryRun: true }))).toBe("dry-run");
    expect(hits.size).toBe(0);
    expect(existsSync(modelsDir)).toBe(false);
    expect(logs.join("\n")).toMatch(/would fetch .*asr\.tar\.bz2[\s\S]*SHA-256 [0-9a-f]{64} \(pinned\)[\s\S]*would be refused without --pin-on-first-download/);
  });

  it("says clearly when the machine is offline, or the asset is gone", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const offline = embSpec({ asset: { url: `http://127.0.0.1:${port}/emb.onnx`, kind: "file", sha256: sha(embedding) } });
    const error = await pullModel(offline, ctx(offline)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PullError);
    expect((error as Error).message).toMatch(/Could not reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\): this machine seems to be offline.*copy the models dir/);

    const gone = embSpec({ asset: { url: `${base}/nope.onnx`, kind: "file", sha256: sha(embedding) } });
    await expect(pullModel(gone, ctx(gone))).rejects.toThrow(/HTTP 404 \(the release asset may have been renamed/);
    expect(await leftovers()).toEqual([]);
  });

  it("aborts a download that stalls", async () => {
    const stall = http.createServer((_req, res) => {
      res.writeHead(200, { "content-length": 1000 });
      res.write(Buffer.alloc(10));
      // …and nothing more
    });
    await new Promise<void>((resolve) => stall.listen(0, "127.0.0.1", resolve));
    try {
      const spec = embSpec({ asset: { url: `http://127.0.0.1:${(stall.address() as AddressInfo).port}/emb.onnx`, kind: "file", sha256: sha(embedding) } });
      await expect(pullModel(spec, ctx(spec, { idleTimeoutMs: 300 }))).rejects.toThrow(/broke off after 0\.0 MB.*nothing was installed/);
      expect(await leftovers()).toEqual([]);
    } finally {
      stall.closeAllConnections();
      await new Promise<void>((resolve) => stall.close(() => resolve()));
    }
  });

  it("says what to install when bzip2 (or tar) is missing, before downloading", async () => {
    const bin = path.join(root, "bin-without-bzip2");
    await mkdir(bin, { recursive: true });
    const { stdout } = await execFileAsync("sh", ["-c", "command -v tar"]);
    await symlink(stdout.trim(), path.join(bin, "tar")).catch(() => {});
    expect(() => checkExtractTools({ PATH: bin })).toThrow(/`bzip2` is not installed.*apt-get install bzip2/);
    expect(() => checkExtractTools({ PATH: path.join(root, "empty-bin") })).toThrow(/`tar` is not installed/);
    expect(() => checkExtractTools(process.env)).not.toThrow();
    const spec = asrSpec();
    await expect(pullModel(spec, ctx(spec, { env: { PATH: bin } }))).rejects.toThrow(/bzip2/);
    expect(hits.get("/asr.tar.bz2")).toBeUndefined();
  });
});
