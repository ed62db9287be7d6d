import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/lib/env";

describe("SCRYON_RECORDING_FINALIZE_SECONDS", () => {
  it("defaults to ten minutes and takes whole seconds (0 = never)", () => {
    expect(parseEnv({}).recordingFinalizeMs).toBe(600_000);
    expect(parseEnv({ SCRYON_RECORDING_FINALIZE_SECONDS: "20" }).recordingFinalizeMs).toBe(20_000);
    expect(parseEnv({ SCRYON_RECORDING_FINALIZE_SECONDS: "0" }).recordingFinalizeMs).toBe(0);
  });

  it("refuses what is not a whole, non-negative number", () => {
    for (const value of ["abc", "-5", "1.5"]) expect(() => parseEnv({ SCRYON_RECORDING_FINALIZE_SECONDS: value })).toThrow(EnvError);
  });
});
