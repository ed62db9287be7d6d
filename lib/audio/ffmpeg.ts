import { spawn } from "node:child_process";
import { dieWithParent } from "../process/die-with-parent";
import { createRequire } from "node:module";
import path from "node:path";

/**
 * Thin wrapper around the static ffmpeg binary shipped by `@ffmpeg-installer/ffmpeg`.
 *
 * - The package is CommonJS, so it is loaded through `createRequire`: that works under plain Node
 *   ESM, Vitest, and in Next's server bundle (Next lists `@ffmpeg-installer/ffmpeg` in its default
 *   `serverExternalPackages`, so the `require` is left to Node at runtime).
 * - ffmpeg is always spawned directly (never through a shell) with `-nostdin`, so file names are never
 *   interpreted by a shell and ffmpeg can never block waiting for keyboard input.
 */

let cachedPath: string | undefined;

/** Absolute path of the ffmpeg binary. Throws an `FfmpegError` (reason `"spawn"`) when it is missing. */
export function ffmpegPath(): string {
  if (cachedPath !== undefined) return cachedPath;
  try {
    const require = createRequire(import.meta.url);
    const mod = require("@ffmpeg-installer/ffmpeg") as { path?: unknown };
    if (typeof mod.path !== "string" || mod.path === "") {
      throw new Error("@ffmpeg-installer/ffmpeg did not export a binary path");
    }
    cachedPath = mod.path;
    return cachedPath;
  } catch (error) {
    // The installer throws plain strings ("Unsupported platform/architecture: ...").
    const detail = error instanceof Error ? error.message : String(error);
    throw new FfmpegError(`ffmpeg binary not available: ${detail}`, {
      reason: "spawn",
      exitCode: null,
      signal: null,
      stderrTail: "",
    });
  }
}

export type FfmpegFailureReason = "exit" | "timeout" | "aborted" | "spawn";

export class FfmpegError extends Error {
  override readonly name = "FfmpegError";
  /** Why it failed: non-zero exit, our timeout, the caller's AbortSignal, or the binary could not start. */
  readonly reason: FfmpegFailureReason;
  /** ffmpeg's exit code (null when it was killed or never started). */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Last lines of ffmpeg's stderr, with the file paths from the argument list reduced to base names. */
  readonly stderrTail: string;

  constructor(
    message: string,
    details: {
      reason: FfmpegFailureReason;
      exitCode: number | null;
      signal: NodeJS.Signals | null;
      stderrTail: string;
      cause?: unknown;
    },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.reason = details.reason;
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.stderrTail = details.stderrTail;
  }
}

export interface RunFfmpegOptions {
  signal?: AbortSignal;
  /** Kill ffmpeg (SIGKILL) and reject with reason `"timeout"` after this many milliseconds. */
  timeoutMs?: number;
}

export interface RunFfmpegResult {
  stdout: Buffer;
  /**
   * ffmpeg's stderr (log + stats). Very long logs keep their first and last 64 KiB only, so both the
   * stream description at the top and the final `time=` progress line at the bottom survive.
   */
  stderr: string;
}

const STDERR_KEEP = 64 * 1024;
const STDERR_TAIL_LINES = 12;

/**
 * Run ffmpeg with `args` (no shell). `-hide_banner -nostdin` are prepended.
 * Resolves with stdout/stderr on exit code 0; rejects with an `FfmpegError` otherwise.
 */
export function runFfmpeg(args: string[], opts: RunFfmpegOptions = {}): Promise<RunFfmpegResult> {
  const { signal, timeoutMs } = opts;
  const fullArgs = ["-hide_banner", "-nostdin", ...args];

  return new Promise<RunFfmpegResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(
        new FfmpegError("ffmpeg aborted before start", {
          reason: "aborted",
          exitCode: null,
          signal: null,
          stderrTail: "",
          cause: signal.reason,
        }),
      );
      return;
    }

    let binary: string;
    try {
      binary = ffmpegPath();
    } catch (error) {
      reject(error);
      return;
    }

    // The binary is resolved at run time; the build must not trace the whole project for it.
    // The child dies with the server (PR_SET_PDEATHSIG through setpriv), even after a kill -9 of the server.
    const [command, commandArgs] = dieWithParent(binary, fullArgs);
    const child = spawn(/*turbopackIgnore: true*/ command, commandArgs, { stdio: ["ignore", "pipe", "pipe"], windowsHide: true });

    const stdoutChunks: Buffer[] = [];
    let stderrHead = "";
    let stderrTail = "";
    let stderrOverflow = false;
    let failure: { reason: "timeout" | "aborted" | "spawn"; cause?: unknown } | undefined;
    let settled = false;

    child.stdout.on("data", (chunk: Buffer) => stdoutChunks.push(chunk));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      if (!stderrOverflow && stderrHead.length + chunk.length <= STDERR_KEEP) {
        stderrHead += chunk;
        return;
      }
      stderrOverflow = true;
      stderrTail = (stderrTail + chunk).slice(-STDERR_KEEP);
    });

    const kill = (reason: "timeout" | "aborted", cause?: unknown) => {
      if (failure) return;
      failure = { reason, cause };
      child.kill("SIGKILL");
    };
    const onAbort = () => kill("aborted", signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const timer =
      timeoutMs !== undefined && timeoutMs > 0 ? setTimeout(() => kill("timeout"), timeoutMs) : undefined;

    const finish = () => {
      settled = true;
      if (timer) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };

    child.on("error", (error) => {
      // Spawn failure (ENOENT/EACCES). `close` may not follow, so settle here.
      if (settled) return;
      finish();
      reject(
        new FfmpegError(`ffmpeg could not be started: ${(error as NodeJS.ErrnoException).code ?? error.message}`, {
          reason: "spawn",
          exitCode: null,
          signal: null,
          stderrTail: "",
          cause: error,
        }),
      );
    });

    child.on("close", (code, killSignal) => {
      if (settled) return;
      finish();
      const stderr = stderrOverflow ? `${stderrHead}\n[... ffmpeg log truncated ...]\n${stderrTail}` : stderrHead;
      if (!failure && code === 0) {
        resolve({ stdout: Buffer.concat(stdoutChunks), stderr });
        return;
      }
      const tail = lastLines(redactPaths(stderr, args), STDERR_TAIL_LINES);
      const reason = failure?.reason ?? "exit";
      const lastLine = tail.split("\n").filter(Boolean).at(-1) ?? "";
      const message =
        reason === "timeout"
          ? `ffmpeg timed out after ${timeoutMs} ms`
          : reason === "aborted"
            ? "ffmpeg was aborted"
            : `ffmpeg exited with ${code !== null ? `code ${code}` : `signal ${killSignal}`}${lastLine ? `: ${lastLine}` : ""}`;
      reject(
        new FfmpegError(message, {
          reason,
          exitCode: code,
          signal: killSignal,
          stderrTail: tail,
          cause: failure?.cause,
        }),
      );
    });
  });
}

/**
 * Decode any input ffmpeg understands to 16 kHz mono signed 16-bit little-endian PCM WAV.
 * `-fflags +bitexact -flags:a +bitexact -map_metadata -1` keep the WAV header at exactly 44 bytes (no
 * LIST/INFO "encoder" chunk), which pocketsphinx relies on: it skips a fixed 44-byte header.
 * Paths are passed with the `file:` protocol prefix so that a name starting with `-` or containing
 * `:` can never be read as an option or as another protocol (`http:`, `concat:`, `pipe:`...).
 */
export async function decodeToWav16kMono(input: string, output: string, opts: RunFfmpegOptions = {}): Promise<void> {
  await runFfmpeg(
    [
      "-y",
      "-i",
      fileUrl(input),
      "-vn",
      "-ac",
      "1",
      "-ar",
      "16000",
      "-c:a",
      "pcm_s16le",
      "-fflags",
      "+bitexact",
      "-flags:a",
      "+bitexact",
      "-map_metadata",
      "-1",
      "-f",
      "wav",
      fileUrl(output),
    ],
    opts,
  );
}

/** `file:`-prefixed absolute path: forces ffmpeg's plain file protocol for a local path. */
export function fileUrl(filePath: string): string {
  return `file:${path.resolve(filePath)}`;
}

function lastLines(text: string, count: number): string {
  // ffmpeg separates progress updates with \r; treat them as line breaks.
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line !== "")
    .slice(-count)
    .join("\n");
}

/** Replace every path-like argument (and its `file:` form) that ffmpeg echoes back with its base name. */
function redactPaths(text: string, args: string[]): string {
  let out = text;
  const candidates = new Set<string>();
  for (const arg of args) {
    const bare = arg.startsWith("file:") ? arg.slice("file:".length) : arg;
    if (!bare.includes("/") && !bare.includes("\\")) continue;
    candidates.add(arg);
    candidates.add(bare);
  }
  // Longest first so `file:/a/b` is replaced before `/a/b`.
  for (const candidate of [...candidates].sort((a, b) => b.length - a.length)) {
    out = out.split(candidate).join(path.basename(candidate));
  }
  return out;
}
