import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { createSpeechProviders } from "@/lib/speech";

describe("speech provider factory", () => {
  it("uses the local engine by default (the built-in one when the models dir holds no models)", () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "scryon-no-models-"));
    const env = parseEnv({ SCRYON_MODELS_DIR: empty });
    expect(env.speech.local.modelsDir).toBe(empty);
    expect(parseEnv({ SCRYON_DATA_DIR: "/srv/scryon" }).speech.local.modelsDir).toBe("/srv/scryon/models");
    const providers = createSpeechProviders(env.speech);
    expect([providers.diarization.name, providers.transcription.name, providers.voiceprint.name]).toEqual(["local", "local", "local"]);
  });

  it("mixes vendors per stage from the configuration", () => {
    const env = parseEnv({
      SCRYON_DIARIZATION_PROVIDER: "pyannote",
      SCRYON_TRANSCRIPTION_PROVIDER: "openai",
      SCRYON_VOICEPRINT_PROVIDER: "pyannote",
      PYANNOTE_API_KEY: "p",
      OPENAI_API_KEY: "o",
      OPENAI_BASE_URL: "http://127.0.0.1:11434/v1",
    });
    const providers = createSpeechProviders(env.speech);
    expect([providers.diarization.name, providers.transcription.name, providers.voiceprint.name]).toEqual(["pyannote", "openai", "pyannote"]);
    expect(createSpeechProviders(parseEnv({ SCRYON_TRANSCRIPTION_PROVIDER: "deepgram", DEEPGRAM_API_KEY: "d" }).speech).transcription.name).toBe("deepgram");
    expect(createSpeechProviders(parseEnv({ SCRYON_DIARIZATION_PROVIDER: "assemblyai", ASSEMBLYAI_API_KEY: "a" }).speech).diarization.name).toBe("assemblyai");
  });

  it("refuses a vendor without its key", () => {
    expect(() => createSpeechProviders({ transcription: "deepgram" })).toThrow(/API key is not configured/);
  });
});
