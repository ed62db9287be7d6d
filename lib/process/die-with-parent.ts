import { accessSync, constants } from "node:fs";
import path from "node:path";

/**
 * Child processes (pocketsphinx, the VAD and sherpa-onnx children, ffmpeg) must not outlive the server: after
 * a kill -9 nothing would ever reap them, and they would hold CPU and memory while the restarted server runs
 * the same stage again. On Linux the child is started through util-linux's `setpriv --pdeathsig KILL`, which
 * sets PR_SET_PDEATHSIG and then execs the program in place (same pid, so timeouts and aborts still kill it):
 * the kernel sends SIGKILL to the child the moment the server process dies, however it dies. Elsewhere, or
 * without setpriv, the command is returned unchanged.
 *
 * These children are all background processing (decoding, VAD, recognition, embeddings), so they also run
 * at a lower CPU priority (`nice -n CHILD_NICENESS`, which execs in place too): on a small machine the
 * requests the server answers meanwhile get the CPU first (docs/performance-api.md).
 */

/** The niceness of processing children (0 = as the server; 19 = lowest). */
export const CHILD_NICENESS = 10;
const NICE_CANDIDATES = ["/usr/bin/nice", "/bin/nice"];

const SETPRIV_CANDIDATES = ["/usr/bin/setpriv", "/bin/setpriv"];
// What Node (and execvp) search when a child's environment has no PATH.
const DEFAULT_SEARCH_PATH = "/usr/local/bin:/usr/bin:/bin";

let setprivPath: string | null | undefined;
let nicePath: string | null | undefined;

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findSetpriv(): string | null {
  if (setprivPath === undefined) setprivPath = process.platform === "linux" ? (SETPRIV_CANDIDATES.find(executable) ?? null) : null;
  return setprivPath;
}

function findNice(): string | null {
  if (nicePath === undefined) nicePath = process.platform === "win32" ? null : (NICE_CANDIDATES.find(executable) ?? null);
  return nicePath;
}

/** The absolute path the program would be started from, or null when it cannot be found (spawn reports ENOENT then). */
export function resolveExecutable(binary: string, searchPath: string | undefined): string | null {
  if (binary.includes("/")) return executable(binary) ? path.resolve(binary) : null;
  for (const dir of (searchPath || DEFAULT_SEARCH_PATH).split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, binary);
    if (executable(candidate)) return candidate;
  }
  return null;
}

/**
 * `[command, args]` to spawn so the child dies with this process and runs at CHILD_NICENESS. `env` is the
 * environment the child gets (its PATH decides where a bare program name is looked up). A program that
 * cannot be found is left unwrapped, so spawn still fails with ENOENT and callers keep their "not installed"
 * message.
 */
export function dieWithParent(binary: string, args: string[], env?: NodeJS.ProcessEnv): [string, string[]] {
  const setpriv = findSetpriv();
  const nice = findNice();
  if (!setpriv && !nice) return [binary, args];
  const resolved = resolveExecutable(binary, env ? env.PATH : process.env.PATH);
  if (!resolved) return [binary, args];
  const inner: [string, string[]] = setpriv ? [setpriv, ["--pdeathsig", "KILL", "--", resolved, ...args]] : [resolved, args];
  // nice execs setpriv, which execs the program: one pid throughout, the death signal set in the last one.
  return nice ? [nice, ["-n", String(CHILD_NICENESS), inner[0], ...inner[1]]] : inner;
}
