import { spawn } from "node:child_process";
import { withCpuSlot } from "../../process/cpu-slots";
import { dieWithParent } from "../../process/die-with-parent";
import { INSTALL_HINT, SpeechEngineCrashError, SpeechEngineUnavailableError } from "../errors";

/**
 * Native parts of the local engine (onnxruntime, pocketsphinx) run in child processes: a crash, an abort on a
 * bad model or a runaway decode kills the child, never the server. Children get an empty environment (they
 * need nothing from it, and secrets stay in the server).
 */

type RunChildOptions = { signal?: AbortSignal; timeoutMs?: number; what: string; stdin?: Buffer };

/**
 * Run a child process to completion; stdout on exit 0, a `SpeechEngineCrashError` otherwise. At most
 * one per core of these run at once in the server (lib/process/cpu-slots.ts); the timeout starts
 * when the child starts.
 */
export function runChild(binary: string, args: string[], options: RunChildOptions): Promise<string> {
  return withCpuSlot(() => runChildNow(binary, args, options), options.signal);
}

function runChildNow(binary: string, args: string[], options: RunChildOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(options.signal.reason ?? new Error("aborted"));
      return;
    }
    const emptyEnv = {} as NodeJS.ProcessEnv; // Next types NODE_ENV as always present; the child needs none of it
    // The child dies with the server (PR_SET_PDEATHSIG through setpriv), even after a kill -9 of the server.
    const [command, commandArgs] = dieWithParent(binary, args, emptyEnv);
    const child = spawn(command, commandArgs, { stdio: ["pipe", "pipe", "pipe"], env: emptyEnv, windowsHide: true });
    const out: Buffer[] = [];
    let err = "";
    let killedFor: "timeout" | "abort" | undefined;
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (c: string) => {
      err = (err + c).slice(-4000);
    });
    child.stdin.on("error", () => {}); // EPIPE when the child dies early: reported through `close`
    child.stdin.end(options.stdin ?? undefined);
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            killedFor = "timeout";
            child.kill("SIGKILL");
          }, options.timeoutMs)
        : undefined;
    const onAbort = () => {
      killedFor = "abort";
      child.kill("SIGKILL");
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const done = () => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    };
    child.on("error", (error: NodeJS.ErrnoException) => {
      done();
      if (error.code === "ENOENT" || error.code === "EACCES") {
        reject(
          new SpeechEngineUnavailableError(`The ${options.what} program could not be started. ${INSTALL_HINT}`, `${binary}: ${error.code}`, {
            cause: error,
          }),
        );
        return;
      }
      reject(new SpeechEngineCrashError(`The ${options.what} process could not start.`, { cause: error }));
    });
    child.on("close", (code, sig) => {
      done();
      if (killedFor === "abort") return reject(options.signal?.reason ?? new Error("aborted"));
      if (killedFor === "timeout") {
        return reject(new SpeechEngineCrashError(`The ${options.what} process timed out after ${options.timeoutMs} ms.`));
      }
      if (code === 0) return resolve(Buffer.concat(out).toString("utf8"));
      const last = err.trim().split("\n").filter(Boolean).at(-1) ?? "";
      reject(
        new SpeechEngineCrashError(
          `The ${options.what} process stopped (${code !== null ? `exit code ${code}` : `signal ${sig}`})${last ? `: ${last.slice(0, 200)}` : ""}.`,
        ),
      );
    });
  });
}
