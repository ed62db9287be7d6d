import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { createSpeechProviders } from "@/lib/speech";

describe("speech provider factory", () => {
  it("uses the local engine by default", () => {
    const providers = createSpeechProviders(parseEnv({}).speech);
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
