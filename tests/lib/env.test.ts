import path from "node:path";
import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/lib/env";
import { localDevSignInEnabled } from "@/lib/auth/local-dev";
import { createAnalysisProvider } from "@/lib/analysis";

describe("parseEnv", () => {
  it("needs nothing for the embedded defaults", () => {
    const env = parseEnv({});
    expect(env.databaseUrl).toBeUndefined();
    expect(env.pgliteDir).toBe(path.resolve(".data/pglite"));
    expect(env.storage).toEqual({ driver: "local", root: path.resolve(".data/blob") });
    expect(env.maxUploadBytes).toBe(2 * 1024 ** 3);
    expect(env.audioRetentionDays).toBe(30);
    expect(env.firebase).toBeUndefined();
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", FIREBASE_PROJECT_ID: " " }).databaseUrl).toBeUndefined();
  });

  it("lists every bad value at once, by name", () => {
    try {
      parseEnv({ DATABASE_URL: "mysql://x", SCRYON_MAX_UPLOAD_BYTES: "lots", SCRYON_STORAGE: "s3" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      const problems = (error as EnvError).problems.join("\n");
      expect(problems).toContain("DATABASE_URL must start with postgres://");
      expect(problems).toContain("SCRYON_MAX_UPLOAD_BYTES");
      expect(problems).toContain("SCRYON_STORAGE");
    }
  });

  it("requires AUTH_SECRET in production", () => {
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(/AUTH_SECRET is required in production/);
    expect(parseEnv({ NODE_ENV: "production", AUTH_SECRET: "s" }).authSecret).toBe("s");
  });

  it("requires the Firebase project id and API key together", () => {
    expect(() => parseEnv({ FIREBASE_PROJECT_ID: "p" })).toThrow(/must be set together/);
    const env = parseEnv({ FIREBASE_PROJECT_ID: "p", FIREBASE_API_KEY: "k" });
    expect(env.firebase?.authDomain).toBe("p.firebaseapp.com");
  });

  it("chooses Vercel Blob when a token is set, and needs the token when asked for it", () => {
    expect(parseEnv({ BLOB_READ_WRITE_TOKEN: "t" }).storage.driver).toBe("vercel-blob");
    expect(() => parseEnv({ SCRYON_STORAGE: "vercel-blob" })).toThrow(/BLOB_READ_WRITE_TOKEN/);
  });

  it("chooses speech providers per stage and needs the chosen vendor's key", () => {
    expect(parseEnv({}).speech).toMatchObject({ diarization: "local", transcription: "local", voiceprint: "local" });
    expect(() => parseEnv({ SCRYON_TRANSCRIPTION_PROVIDER: "deepgram" })).toThrow(/DEEPGRAM_API_KEY is required/);
    expect(() => parseEnv({ SCRYON_TRANSCRIPTION_PROVIDER: "whisperx" })).toThrow(/SCRYON_TRANSCRIPTION_PROVIDER/);
    const env = parseEnv({ SCRYON_TRANSCRIPTION_PROVIDER: "openai", OPENAI_API_KEY: "k", OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" });
    expect(env.speech.openai).toEqual({ apiKey: "k", baseUrl: "http://127.0.0.1:11434/v1", model: "whisper-1" });
  });

  it("needs both Inngest keys or neither", () => {
    expect(parseEnv({}).pipeline.mode).toBe("embedded");
    expect(() => parseEnv({ INNGEST_EVENT_KEY: "e" })).toThrow(/must be set together/);
    expect(parseEnv({ INNGEST_EVENT_KEY: "e", INNGEST_SIGNING_KEY: "s" }).pipeline.mode).toBe("inngest");
  });

  it("rejects negative and fractional numbers", () => {
    expect(() => parseEnv({ SCRYON_AUDIO_RETENTION_DAYS: "-1" })).toThrow(/SCRYON_AUDIO_RETENTION_DAYS/);
    expect(() => parseEnv({ SCRYON_MAX_UPLOAD_BYTES: "1.5" })).toThrow(/SCRYON_MAX_UPLOAD_BYTES/);
    expect(parseEnv({ SCRYON_AUDIO_RETENTION_DAYS: "0" }).audioRetentionDays).toBe(0);
  });
});

describe("local-dev sign-in", () => {
  it("is on by default without Firebase, off beside Firebase unless asked for", () => {
    expect(localDevSignInEnabled(parseEnv({}))).toBe(true);
    expect(localDevSignInEnabled(parseEnv({ FIREBASE_PROJECT_ID: "p", FIREBASE_API_KEY: "k" }))).toBe(false);
    expect(localDevSignInEnabled(parseEnv({ FIREBASE_PROJECT_ID: "p", FIREBASE_API_KEY: "k", SCRYON_LOCAL_DEV_SIGN_IN: "on" }))).toBe(true);
    expect(localDevSignInEnabled(parseEnv({ SCRYON_LOCAL_DEV_SIGN_IN: "off" }))).toBe(false);
  });

  it("is refused in production unless explicitly allowed", () => {
    expect(localDevSignInEnabled(parseEnv({ NODE_ENV: "production", AUTH_SECRET: "s" }))).toBe(false);
    expect(localDevSignInEnabled(parseEnv({ NODE_ENV: "production", AUTH_SECRET: "s", SCRYON_LOCAL_DEV_SIGN_IN: "on" }))).toBe(false);
    expect(
      localDevSignInEnabled(parseEnv({ NODE_ENV: "production", AUTH_SECRET: "s", SCRYON_ALLOW_LOCAL_DEV_IN_PRODUCTION: "true" })),
    ).toBe(true);
  });
});

describe("analysis settings", () => {
  it("defaults to the local analyzer in UTC", () => {
    const env = parseEnv({});
    expect(env.analysis).toEqual({ provider: "local" });
    expect(env.timeZone).toBe("UTC");
    expect(createAnalysisProvider(env.analysis)).toMatchObject({ name: "local", model: "rules-v1" });
  });

  it("configures an OpenAI-compatible server: OpenAI with its key, or a local one without", () => {
    const openai = parseEnv({ SCRYON_ANALYSIS_PROVIDER: "openai-compatible", SCRYON_ANALYSIS_MODEL: "gpt-4o-mini", OPENAI_API_KEY: "sk-test" });
    expect(openai.analysis).toEqual({ provider: "openai-compatible", model: "gpt-4o-mini", baseUrl: "https://api.openai.com/v1", apiKey: "sk-test" });
    const ollama = parseEnv({ SCRYON_ANALYSIS_PROVIDER: "openai-compatible", SCRYON_ANALYSIS_MODEL: "llama3.1", SCRYON_ANALYSIS_BASE_URL: "http://127.0.0.1:11434/v1", OPENAI_API_KEY: "sk-not-for-ollama" });
    expect(ollama.analysis).toEqual({ provider: "openai-compatible", model: "llama3.1", baseUrl: "http://127.0.0.1:11434/v1", apiKey: undefined });
    expect(createAnalysisProvider(ollama.analysis)).toMatchObject({ name: "openai-compatible", model: "llama3.1" });
  });

  it("configures Anthropic with a default model", () => {
    const env = parseEnv({ SCRYON_ANALYSIS_PROVIDER: "anthropic", ANTHROPIC_API_KEY: "ak" });
    expect(env.analysis).toEqual({ provider: "anthropic", model: "claude-sonnet-4-5", baseUrl: undefined, apiKey: "ak" });
    expect(createAnalysisProvider(env.analysis)).toMatchObject({ name: "anthropic", model: "claude-sonnet-4-5" });
  });

  it("lists what is missing or wrong", () => {
    const problems = (source: Record<string, string>) => {
      try {
        parseEnv(source);
        return [];
      } catch (error) {
        return (error as EnvError).problems;
      }
    };
    expect(problems({ SCRYON_ANALYSIS_PROVIDER: "openai-compatible" }).join("\n")).toMatch(/SCRYON_ANALYSIS_MODEL[\s\S]*SCRYON_ANALYSIS_API_KEY/);
    expect(problems({ SCRYON_ANALYSIS_PROVIDER: "anthropic" }).join("\n")).toMatch(/ANTHROPIC_API_KEY is required/);
    expect(problems({ SCRYON_ANALYSIS_PROVIDER: "gpt" }).join("\n")).toMatch(/SCRYON_ANALYSIS_PROVIDER/);
    expect(problems({ SCRYON_TIME_ZONE: "Mars/Olympus" }).join("\n")).toMatch(/SCRYON_TIME_ZONE must be an IANA time zone/);
    expect(parseEnv({ SCRYON_TIME_ZONE: "Europe/Berlin" }).timeZone).toBe("Europe/Berlin");
  });
});
