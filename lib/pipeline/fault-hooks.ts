import fs from "node:fs/promises";
import path from "node:path";
import { loadEnv } from "@/lib/env";

/**
 * Fault injection for the crash tests (`e2e/faults.spec.ts`): inert unless `SCRYON_FAULT_HOLD` names a
 * directory. A test arms a point by creating the empty file `<dir>/<STAGE>.<point>` (point = `before`:
 * the stage's step has begun but written nothing; `during`: its STARTED event is written; `after`: its
 * COMPLETED event is written but the step has not returned). The first stage attempt of any call that
 * reaches an armed point claims it — renames it to `<dir>/<STAGE>.<point>.<callId>.held`, atomically, so
 * one call per armed file — and waits there until that file is deleted (or the test kills the server).
 * Nothing else reads the directory; with the variable unset, this is one property read.
 */
export type FaultPoint = "before" | "during" | "after";

export async function faultHold(stage: string, point: FaultPoint, callId: string | null): Promise<void> {
  const dir = loadEnv().faultHoldDir;
  if (!dir || !callId) return;
  const held = path.join(/*turbopackIgnore: true*/ dir, `${stage}.${point}.${callId}.held`);
  try {
    await fs.rename(path.join(/*turbopackIgnore: true*/ dir, `${stage}.${point}`), held);
  } catch {
    return; // not armed, or another call claimed it
  }
  console.warn(`[fault-hold] call ${callId} held at ${stage}:${point} (SCRYON_FAULT_HOLD)`);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (!(await fs.stat(held).catch(() => null))) return;
  }
}
