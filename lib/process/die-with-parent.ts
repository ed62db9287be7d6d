import { accessSync, constants } from "node:fs";
import path from "node:path";

/**
 * Child processes (pocketsphinx, the VAD and sherpa-onnx children, ffmpeg) must not outlive the server: after
 * a kill -9 nothing would ever reap them, and they would hold CPU and memory while the restarted server runs
 * the same stage again. On Linux the child is started through util-linux's `setpriv --pdeathsig KILL`, which
 * sets PR_SET_PDEATHSIG and then execs the program in place (same pid, so timeouts and aborts still kill it):
 * the kernel sends SIGKILL to the child the moment the server process dies, however it dies. Elsewhere, or
 * without setpriv, the command is returned unchanged.
 */

const SETPRIV_CANDIDATES = ["/usr/bin/setpriv", "/bin/setpriv"];
// What Node (and execvp) search when a child's environment has no PATH.
const DEFAULT_SEARCH_PATH = "/usr/local/bin:/usr/bin:/bin";

let setprivPath: string | null | undefined;

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
 * `[command, args]` to spawn so the child dies with this process. `env` is the environment the child gets
 * (its PATH decides where a bare program name is looked up). A program that cannot be found is left
 * unwrapped, so spawn still fails with ENOENT and callers keep their "not installed" message.
 */
export function dieWithParent(binary: string, args: string[], env?: NodeJS.ProcessEnv): [string, string[]] {
  const setpriv = findSetpriv();
  if (!setpriv) return [binary, args];
  const resolved = resolveExecutable(binary, env ? env.PATH : process.env.PATH);
  if (!resolved) return [binary, args];
  return [setpriv, ["--pdeathsig", "KILL", "--", resolved, ...args]];
}
