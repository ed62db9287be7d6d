import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { ModelSpec } from "@/lib/speech/models/manifest";

/**
 * A local stand-in for the model host (GitHub releases): serves generated archives with ETags and single
 * `bytes=N-` ranges, and can misbehave on purpose — drop the connection after some bytes, hold a response
 * half-way until released, or trickle bytes so a progress bar has time to move. Used by the downloader tests
 * and by e2e/speech-setup.spec.ts; nothing here touches the network.
 */

const execFileAsync = promisify(execFile);
export const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

export interface Asset {
  body: Buffer;
  /** Destroy the socket after this many bytes of the next response (once). */
  dropAfterOnce?: number;
  /** Send this many bytes, then wait for `release(path)`. */
  holdAfter?: number;
  /** Send in chunks of this size with this pause between them. */
  trickle?: { chunkBytes: number; pauseMs: number };
  etag?: string;
}

export interface LoggedRequest {
  path: string;
  range: string | null;
  ifRange: string | null;
  status: number;
  bytesSent: number;
}

export interface ModelHost {
  url: string;
  port: number;
  assets: Map<string, Asset>;
  requests: LoggedRequest[];
  /** Resolves when a held response has sent its first part. */
  held(pathname: string): Promise<void>;
  release(pathname: string): void;
  close(): Promise<void>;
}

export async function startModelHost(options: { port?: number; assets?: Record<string, Asset> } = {}): Promise<ModelHost> {
  const assets = new Map(Object.entries(options.assets ?? {}));
  const requests: LoggedRequest[] = [];
  const holds = new Map<string, { reached: Promise<void>; reach: () => void; release: () => void; released: Promise<void> }>();
  const holdOf = (pathname: string) => {
    let entry = holds.get(pathname);
    if (!entry) {
      let reach!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((r) => (reach = r));
      const released = new Promise<void>((r) => (release = r));
      entry = { reached, reach, release, released };
      holds.set(pathname, entry);
    }
    return entry;
  };
  const server = http.createServer(async (req, res) => {
    const pathname = new URL(req.url ?? "/", "http://x").pathname;
    const asset = assets.get(pathname);
    const log: LoggedRequest = { path: pathname, range: req.headers.range ?? null, ifRange: (req.headers["if-range"] as string | undefined) ?? null, status: 0, bytesSent: 0 };
    requests.push(log);
    if (!asset) {
      log.status = 404;
      res.writeHead(404).end("not found");
      return;
    }
    const etag = asset.etag ?? `"${sha256(asset.body).slice(0, 16)}"`;
    let start = 0;
    const match = log.range ? /^bytes=(\d+)-$/.exec(log.range) : null;
    if (match && (!log.ifRange || log.ifRange === etag)) {
      start = Number(match[1]);
      if (start >= asset.body.length) {
        log.status = 416;
        res.writeHead(416, { "content-range": `bytes */${asset.body.length}` }).end();
        return;
      }
    }
    const slice = asset.body.subarray(start);
    log.status = start > 0 ? 206 : 200;
    res.writeHead(log.status, {
      "content-length": slice.length,
      "content-type": "application/octet-stream",
      "accept-ranges": "bytes",
      etag,
      ...(start > 0 ? { "content-range": `bytes ${start}-${asset.body.length - 1}/${asset.body.length}` } : {}),
    });
    const send = (part: Buffer) =>
      new Promise<void>((resolve) => {
        log.bytesSent += part.length;
        if (!res.write(part)) res.once("drain", resolve);
        else resolve();
      });
    let offset = 0;
    const drop = asset.dropAfterOnce;
    if (drop !== undefined) {
      delete asset.dropAfterOnce;
      await send(slice.subarray(0, drop));
      // Let the bytes reach the client before the connection dies.
      await new Promise((r) => setTimeout(r, 50));
      res.socket?.destroy();
      return;
    }
    if (asset.holdAfter !== undefined) {
      const hold = holdOf(pathname);
      await send(slice.subarray(0, asset.holdAfter));
      offset = asset.holdAfter;
      hold.reach();
      await hold.released;
      if (res.destroyed || res.socket?.destroyed) return;
    }
    const chunk = asset.trickle?.chunkBytes ?? 64 * 1024;
    while (offset < slice.length) {
      if (res.destroyed) return;
      await send(slice.subarray(offset, offset + chunk));
      offset += chunk;
      if (asset.trickle) await new Promise((r) => setTimeout(r, asset.trickle!.pauseMs));
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    assets,
    requests,
    held: (pathname) => holdOf(pathname).reached,
    release: (pathname) => holdOf(pathname).release(),
    close: async () => {
      for (const hold of holds.values()) hold.release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on (the "offline" host). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface GeneratedModel {
  archive: Buffer;
  spec: ModelSpec;
}

/**
 * A sherpa-onnx-shaped `.tar.bz2` release asset made here: a root dir with the files the engine loads (random,
 * so bzip2 cannot shrink them and the download takes several chunks) and files it prunes; with a spec whose
 * pins are the archive's own hashes, served at `<base>/scryon-test/<id>.tar.bz2` under the manifest's URL layout.
 */
export async function generateModelArchive(id: string, options: { bytes?: number; role?: ModelSpec["role"] } = {}): Promise<GeneratedModel> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scryon-model-archive-"));
  try {
    const root = path.join(dir, `sherpa-onnx-${id}`);
    await mkdir(path.join(root, "test_wavs"), { recursive: true });
    const weights = randomBytes(options.bytes ?? 2 * 1024 * 1024);
    await writeFile(path.join(root, "model.int8.onnx"), weights);
    await writeFile(path.join(root, "tokens.txt"), "a 0\nb 1\n");
    await writeFile(path.join(root, "model.onnx"), "fp32 weights the engine never loads");
    await writeFile(path.join(root, "test_wavs", "0.wav"), "RIFF");
    const file = path.join(dir, "asset.tar.bz2");
    await execFileAsync("tar", ["-cjf", file, "-C", dir, `sherpa-onnx-${id}`]);
    const archive = await readFile(file);
    const role = options.role ?? "asr";
    return {
      archive,
      spec: {
        id,
        role,
        engine: role === "asr" ? "whisper" : role === "segmentation" ? "pyannote-segmentation" : "speaker-embedding",
        shortName: id,
        title: `Test model ${id}`,
        license: "test only",
        downloadMb: Math.ceil(archive.length / 1e6),
        asset: {
          url: `https://github.com/k2-fsa/sherpa-onnx/releases/download/scryon-test/${id}.tar.bz2`,
          kind: "tar.bz2",
          sha256: sha256(archive),
          size: archive.length,
          root: `sherpa-onnx-${id}`,
        },
        files: { model: { path: "model.int8.onnx", sha256: sha256(weights) }, tokens: { path: "tokens.txt", sha256: null } },
        prune: ["model.onnx", "test_wavs"],
        quality: "standard",
        hashSource: "generated by the test",
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Where a generated model is served on the host (the manifest URL with the releases prefix replaced). */
export const assetPath = (spec: ModelSpec) => `/scryon-test/${spec.id}.tar.bz2`;
