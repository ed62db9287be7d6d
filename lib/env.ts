import path from "node:path";
import { z } from "zod";

/**
 * The one place that reads process.env. Every setting is validated here with zod; the embedded
 * defaults need no configuration at all. `instrumentation.ts` calls `loadEnv()` at boot so a bad
 * value stops the server at start, not at first use.
 */

const emptyToUndefined = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const optionalUrl = z.preprocess(emptyToUndefined, z.url().optional());

const booleanFlag = z.preprocess(
  emptyToUndefined,
  z
    .enum(["true", "false", "1", "0", "yes", "no"], { message: "must be true or false" })
    .optional()
    .transform((value) => value === "true" || value === "1" || value === "yes"),
);

const positiveInt = (fallback: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce.number({ message: "must be a number" }).int("must be a whole number").nonnegative("must not be negative").default(fallback),
  );

const databaseUrl = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .refine((value) => /^postgres(ql)?:\/\//.test(value), "must start with postgres:// or postgresql://")
    .optional(),
);

const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    /** Root for embedded state: PGlite files, local blobs, generated secrets. */
    SCRYON_DATA_DIR: z.preprocess(emptyToUndefined, z.string().default(".data")),
    /** Postgres connection; unset = embedded PGlite under the data dir. */
    DATABASE_URL: databaseUrl,
    /** Auth.js secret for signing session JWTs; generated and kept in the data dir when unset (not in production). */
    AUTH_SECRET: optionalString,
    /** Firebase project used for sign-in; unset = local-dev sign-in only. */
    FIREBASE_PROJECT_ID: optionalString,
    FIREBASE_API_KEY: optionalString,
    FIREBASE_AUTH_DOMAIN: optionalString,
    /** Where Google publishes the keys that sign Firebase ID tokens. */
    FIREBASE_JWKS_URL: z.preprocess(
      emptyToUndefined,
      z.url().default("https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com"),
    ),
    /** Firebase Auth emulator host for the browser SDK (e.g. 127.0.0.1:9099); tests only. */
    FIREBASE_AUTH_EMULATOR_HOST: optionalString,
    /** The one-click local-dev user is refused in production unless this is set. */
    SCRYON_ALLOW_LOCAL_DEV_IN_PRODUCTION: booleanFlag,
    /** auto = local-dev sign-in only when Firebase is not configured; on = offered beside Firebase. */
    SCRYON_LOCAL_DEV_SIGN_IN: z.preprocess(emptyToUndefined, z.enum(["auto", "on", "off"]).default("auto")),
    SCRYON_STORAGE: z.preprocess(emptyToUndefined, z.enum(["local", "vercel-blob"]).optional()),
    BLOB_READ_WRITE_TOKEN: optionalString,
    VERCEL_BLOB_API_URL: optionalUrl,
    SCRYON_MAX_UPLOAD_BYTES: positiveInt(2 * 1024 ** 3),
    SCRYON_AUDIO_RETENTION_DAYS: positiveInt(30),
    SCRYON_VOICE_CONSENT_VERSION: z.preprocess(emptyToUndefined, z.string().default("2026-11-01")),
    /** Inngest Cloud / self-hosted `inngest start`: with these set the pipeline runs there, else in-process. */
    INNGEST_EVENT_KEY: optionalString,
    INNGEST_SIGNING_KEY: optionalString,
    INNGEST_BASE_URL: optionalUrl,
    /** Speech providers per stage; `local` is the offline engine. Cloud ones need their API key. */
    SCRYON_DIARIZATION_PROVIDER: z.preprocess(emptyToUndefined, z.enum(["local", "deepgram", "assemblyai", "pyannote"]).default("local")),
    SCRYON_TRANSCRIPTION_PROVIDER: z.preprocess(emptyToUndefined, z.enum(["local", "deepgram", "assemblyai", "openai"]).default("local")),
    SCRYON_VOICEPRINT_PROVIDER: z.preprocess(emptyToUndefined, z.enum(["local", "pyannote"]).default("local")),
    /** Optional sherpa-onnx models for the local engine; default `<data dir>/models`. */
    SCRYON_MODELS_DIR: optionalString,
    /** Where the Settings → Speech page (and `models:pull`) fetch models from instead of GitHub: a mirror, or a test server. */
    SCRYON_MODELS_BASE_URL: optionalUrl,
    /** Tests only: a JSON file of extra downloadable models (lib/speech/models/catalog.ts); the engine never loads them. */
    SCRYON_MODELS_TEST_MANIFEST: z.preprocess(
      emptyToUndefined,
      z.string().refine((value) => path.isAbsolute(value), "must be an absolute file path (tests only)").optional(),
    ),
    /** The server's administrators (Settings → Speech), by sign-in email, comma-separated. */
    SCRYON_ADMIN_EMAILS: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .optional()
        .transform((value) => (value ?? "").split(/[\s,;]+/).map((email) => email.trim().toLowerCase()).filter(Boolean))
        .pipe(z.array(z.email("must be a comma-separated list of email addresses"))),
    ),
    DEEPGRAM_API_KEY: optionalString,
    DEEPGRAM_API_URL: optionalUrl,
    ASSEMBLYAI_API_KEY: optionalString,
    ASSEMBLYAI_API_URL: optionalUrl,
    OPENAI_API_KEY: optionalString,
    OPENAI_BASE_URL: optionalUrl,
    OPENAI_TRANSCRIPTION_MODEL: z.preprocess(emptyToUndefined, z.string().default("whisper-1")),
    PYANNOTE_API_KEY: optionalString,
    PYANNOTE_API_URL: optionalUrl,
    /** Summary and action items: `local` rules (offline), any OpenAI-compatible server (OpenAI, Ollama, vLLM) or Anthropic. */
    SCRYON_ANALYSIS_PROVIDER: z.preprocess(emptyToUndefined, z.enum(["local", "openai-compatible", "anthropic"]).default("local")),
    SCRYON_ANALYSIS_MODEL: optionalString,
    /** e.g. http://127.0.0.1:11434/v1 for Ollama; defaults to the vendor's API. */
    SCRYON_ANALYSIS_BASE_URL: optionalUrl,
    /** Falls back to OPENAI_API_KEY (openai-compatible) or ANTHROPIC_API_KEY (anthropic). */
    SCRYON_ANALYSIS_API_KEY: optionalString,
    ANTHROPIC_API_KEY: optionalString,
    /** Relative due dates ("by Friday") are resolved in this IANA time zone. */
    SCRYON_TIME_ZONE: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .default("UTC")
        .refine((zone) => {
          try {
            new Intl.DateTimeFormat("en-US", { timeZone: zone });
            return true;
          } catch {
            return false;
          }
        }, "must be an IANA time zone such as Europe/Berlin"),
    ),
    /** A call PROCESSING longer than this is marked FAILED (STALLED) by the sweeper. */
    SCRYON_STALL_MINUTES: positiveInt(120),
    /** Processing events older than this are deleted by the sweeper. */
    SCRYON_EVENT_RETENTION_DAYS: positiveInt(90),
    /** A browser recording that has sent nothing (no chunk, no heartbeat) for this long is finished as it is; 0 = never. */
    SCRYON_RECORDING_FINALIZE_SECONDS: positiveInt(600),
    SCRYON_SPEECH_CONCURRENCY: z.coerce.number().int().positive().optional(),
    /** The address users reach the app at; links in webhook payloads point here. */
    SCRYON_PUBLIC_URL: z.preprocess(emptyToUndefined, z.url().default("http://localhost:3000")),
    /** Webhooks may target private, loopback and link-local addresses (self-hosters sending to their own network; tests). */
    SCRYON_WEBHOOKS_ALLOW_PRIVATE: booleanFlag,
    /** How long one webhook attempt may take (connect, send, answer) before it counts as a timeout. */
    SCRYON_WEBHOOK_TIMEOUT_SECONDS: positiveInt(15),
    /** An endpoint whose deliveries failed this many times in a row (after their retries) is turned off; 0 = never. */
    SCRYON_WEBHOOK_DISABLE_AFTER: positiveInt(5),
    /** Tests only: a directory of armed fault points (lib/pipeline/fault-hooks.ts); unset = no fault injection. */
    SCRYON_FAULT_HOLD: z.preprocess(
      emptyToUndefined,
      z.string().refine((value) => path.isAbsolute(value), "must be an absolute directory path (tests only)").optional(),
    ),
  })
  .superRefine((value, ctx) => {
    if (value.SCRYON_STORAGE === "vercel-blob" && !value.BLOB_READ_WRITE_TOKEN) {
      ctx.addIssue({ code: "custom", path: ["BLOB_READ_WRITE_TOKEN"], message: "is required when SCRYON_STORAGE=vercel-blob" });
    }
    if (value.NODE_ENV === "production" && !value.AUTH_SECRET) {
      ctx.addIssue({ code: "custom", path: ["AUTH_SECRET"], message: "is required in production (openssl rand -base64 33)" });
    }
    const chosen = new Set([value.SCRYON_DIARIZATION_PROVIDER, value.SCRYON_TRANSCRIPTION_PROVIDER, value.SCRYON_VOICEPRINT_PROVIDER]);
    const keys = { deepgram: value.DEEPGRAM_API_KEY, assemblyai: value.ASSEMBLYAI_API_KEY, openai: value.OPENAI_API_KEY, pyannote: value.PYANNOTE_API_KEY } as const;
    for (const [vendor, key] of Object.entries(keys)) {
      if (chosen.has(vendor as never) && !key) {
        ctx.addIssue({ code: "custom", path: [`${vendor.toUpperCase()}_API_KEY`], message: `is required when a speech stage uses ${vendor}` });
      }
    }
    if (value.SCRYON_ANALYSIS_PROVIDER === "openai-compatible") {
      if (!value.SCRYON_ANALYSIS_MODEL) {
        ctx.addIssue({ code: "custom", path: ["SCRYON_ANALYSIS_MODEL"], message: "is required when SCRYON_ANALYSIS_PROVIDER=openai-compatible (e.g. gpt-4o-mini, llama3.1)" });
      }
      if (!value.SCRYON_ANALYSIS_BASE_URL && !value.SCRYON_ANALYSIS_API_KEY && !value.OPENAI_API_KEY) {
        ctx.addIssue({ code: "custom", path: ["SCRYON_ANALYSIS_API_KEY"], message: "is required for OpenAI (or set SCRYON_ANALYSIS_BASE_URL to a local server such as Ollama)" });
      }
    }
    if (value.SCRYON_ANALYSIS_PROVIDER === "anthropic" && !value.SCRYON_ANALYSIS_API_KEY && !value.ANTHROPIC_API_KEY) {
      ctx.addIssue({ code: "custom", path: ["ANTHROPIC_API_KEY"], message: "is required when SCRYON_ANALYSIS_PROVIDER=anthropic" });
    }
    if (Boolean(value.INNGEST_EVENT_KEY) !== Boolean(value.INNGEST_SIGNING_KEY)) {
      ctx.addIssue({ code: "custom", path: ["INNGEST_SIGNING_KEY"], message: "INNGEST_EVENT_KEY and INNGEST_SIGNING_KEY must be set together" });
    }
    const firebaseParts = [value.FIREBASE_PROJECT_ID, value.FIREBASE_API_KEY];
    if (firebaseParts.some(Boolean) && !firebaseParts.every(Boolean)) {
      ctx.addIssue({
        code: "custom",
        path: ["FIREBASE_PROJECT_ID"],
        message: "FIREBASE_PROJECT_ID and FIREBASE_API_KEY must be set together",
      });
    }
  });

export type RawEnv = z.input<typeof envSchema>;

export interface AppEnv {
  nodeEnv: "development" | "production" | "test";
  dataDir: string;
  databaseUrl: string | undefined;
  pgliteDir: string;
  authSecret: string | undefined;
  firebase:
    | { projectId: string; apiKey: string; authDomain: string; jwksUrl: string; emulatorHost: string | undefined }
    | undefined;
  firebaseJwksUrl: string;
  localDevSignInAllowed: boolean;
  localDevSignIn: "auto" | "on" | "off";
  /** SCRYON_ADMIN_EMAILS, lower-cased: who may install speech models (lib/admin/access.ts). */
  adminEmails: string[];
  /** Model downloads from the Settings → Speech page. */
  modelDownloads: { baseUrl: string | undefined; testManifestPath: string | undefined };
  storage: { driver: "local"; root: string } | { driver: "vercel-blob"; token: string; apiUrl: string | undefined };
  maxUploadBytes: number;
  audioRetentionDays: number;
  voiceConsentVersion: string;
  pipeline:
    | { mode: "embedded" }
    | { mode: "inngest"; eventKey: string; signingKey: string; baseUrl: string | undefined };
  stallAfterMs: number;
  eventRetentionMs: number;
  /** SCRYON_RECORDING_FINALIZE_SECONDS in ms: an abandoned recording is finished after this much silence. */
  recordingFinalizeMs: number;
  /** SCRYON_SPEECH_CONCURRENCY: CPU-heavy speech children at once (lib/process/cpu-slots.ts); undefined = one per core. */
  speechConcurrency: number | undefined;
  /** SCRYON_PUBLIC_URL without a trailing slash. */
  publicUrl: string;
  webhooks: { allowPrivate: boolean; timeoutMs: number; disableAfterFailures: number };
  /** SCRYON_FAULT_HOLD: where the crash tests arm fault points; undefined in every real deployment. */
  faultHoldDir: string | undefined;
  timeZone: string;
  analysis:
    | { provider: "local" }
    | { provider: "openai-compatible"; model: string; baseUrl: string; apiKey: string | undefined }
    | { provider: "anthropic"; model: string; baseUrl: string | undefined; apiKey: string };
  speech: {
    diarization: "local" | "deepgram" | "assemblyai" | "pyannote";
    transcription: "local" | "deepgram" | "assemblyai" | "openai";
    voiceprint: "local" | "pyannote";
    /** The local engine's optional sherpa-onnx models (`npm run models:pull`); used when present and verified. */
    local: { modelsDir: string };
    /** The local providers re-check the models dir per call, so a model installed from the app is used without a restart. */
    followModelChanges: boolean;
    deepgram: { apiKey: string; baseUrl: string | undefined } | undefined;
    assemblyai: { apiKey: string; baseUrl: string | undefined } | undefined;
    openai: { apiKey: string; baseUrl: string | undefined; model: string } | undefined;
    pyannote: { apiKey: string; baseUrl: string | undefined } | undefined;
  };
}

export class EnvError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Parses a raw environment (process.env or a test's object) into the app's typed configuration. */
export function parseEnv(source: Record<string, string | undefined>): AppEnv {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"} ${issue.message}`),
    );
  }
  const raw = result.data;
  const dataDir = path.resolve(raw.SCRYON_DATA_DIR);
  const storageDriver = raw.SCRYON_STORAGE ?? (raw.BLOB_READ_WRITE_TOKEN ? "vercel-blob" : "local");
  return {
    nodeEnv: raw.NODE_ENV,
    dataDir,
    databaseUrl: raw.DATABASE_URL,
    pgliteDir: path.join(dataDir, "pglite"),
    authSecret: raw.AUTH_SECRET,
    firebase:
      raw.FIREBASE_PROJECT_ID && raw.FIREBASE_API_KEY
        ? {
            projectId: raw.FIREBASE_PROJECT_ID,
            apiKey: raw.FIREBASE_API_KEY,
            authDomain: raw.FIREBASE_AUTH_DOMAIN ?? `${raw.FIREBASE_PROJECT_ID}.firebaseapp.com`,
            jwksUrl: raw.FIREBASE_JWKS_URL,
            emulatorHost: raw.FIREBASE_AUTH_EMULATOR_HOST,
          }
        : undefined,
    firebaseJwksUrl: raw.FIREBASE_JWKS_URL,
    localDevSignInAllowed: raw.NODE_ENV !== "production" || raw.SCRYON_ALLOW_LOCAL_DEV_IN_PRODUCTION,
    localDevSignIn: raw.SCRYON_LOCAL_DEV_SIGN_IN,
    adminEmails: raw.SCRYON_ADMIN_EMAILS,
    modelDownloads: { baseUrl: raw.SCRYON_MODELS_BASE_URL, testManifestPath: raw.SCRYON_MODELS_TEST_MANIFEST },
    storage:
      storageDriver === "vercel-blob"
        ? { driver: "vercel-blob", token: raw.BLOB_READ_WRITE_TOKEN ?? "", apiUrl: raw.VERCEL_BLOB_API_URL }
        : { driver: "local", root: path.join(dataDir, "blob") },
    maxUploadBytes: raw.SCRYON_MAX_UPLOAD_BYTES,
    audioRetentionDays: raw.SCRYON_AUDIO_RETENTION_DAYS,
    voiceConsentVersion: raw.SCRYON_VOICE_CONSENT_VERSION,
    pipeline:
      raw.INNGEST_EVENT_KEY && raw.INNGEST_SIGNING_KEY
        ? { mode: "inngest", eventKey: raw.INNGEST_EVENT_KEY, signingKey: raw.INNGEST_SIGNING_KEY, baseUrl: raw.INNGEST_BASE_URL }
        : { mode: "embedded" },
    speech: {
      diarization: raw.SCRYON_DIARIZATION_PROVIDER,
      transcription: raw.SCRYON_TRANSCRIPTION_PROVIDER,
      voiceprint: raw.SCRYON_VOICEPRINT_PROVIDER,
      local: { modelsDir: raw.SCRYON_MODELS_DIR ? path.resolve(raw.SCRYON_MODELS_DIR) : path.join(dataDir, "models") },
      followModelChanges: true,
      deepgram: raw.DEEPGRAM_API_KEY ? { apiKey: raw.DEEPGRAM_API_KEY, baseUrl: raw.DEEPGRAM_API_URL } : undefined,
      assemblyai: raw.ASSEMBLYAI_API_KEY ? { apiKey: raw.ASSEMBLYAI_API_KEY, baseUrl: raw.ASSEMBLYAI_API_URL } : undefined,
      openai: raw.OPENAI_API_KEY ? { apiKey: raw.OPENAI_API_KEY, baseUrl: raw.OPENAI_BASE_URL, model: raw.OPENAI_TRANSCRIPTION_MODEL } : undefined,
      pyannote: raw.PYANNOTE_API_KEY ? { apiKey: raw.PYANNOTE_API_KEY, baseUrl: raw.PYANNOTE_API_URL } : undefined,
    },
    timeZone: raw.SCRYON_TIME_ZONE,
    analysis: analysisConfig(raw),
    stallAfterMs: raw.SCRYON_STALL_MINUTES * 60_000,
    eventRetentionMs: raw.SCRYON_EVENT_RETENTION_DAYS * 24 * 60 * 60_000,
    recordingFinalizeMs: raw.SCRYON_RECORDING_FINALIZE_SECONDS * 1000,
    speechConcurrency: raw.SCRYON_SPEECH_CONCURRENCY,
    faultHoldDir: raw.SCRYON_FAULT_HOLD,
    publicUrl: raw.SCRYON_PUBLIC_URL.replace(/\/+$/, ""),
    webhooks: {
      allowPrivate: raw.SCRYON_WEBHOOKS_ALLOW_PRIVATE,
      timeoutMs: Math.max(1, raw.SCRYON_WEBHOOK_TIMEOUT_SECONDS) * 1000,
      disableAfterFailures: raw.SCRYON_WEBHOOK_DISABLE_AFTER,
    },
  };
}

export const DEFAULT_ANTHROPIC_MODEL = "claude-sonnet-4-5";
export const OPENAI_API_BASE_URL = "https://api.openai.com/v1";

function analysisConfig(raw: z.output<typeof envSchema>): AppEnv["analysis"] {
  switch (raw.SCRYON_ANALYSIS_PROVIDER) {
    case "openai-compatible":
      return {
        provider: "openai-compatible",
        model: raw.SCRYON_ANALYSIS_MODEL ?? "",
        baseUrl: raw.SCRYON_ANALYSIS_BASE_URL ?? OPENAI_API_BASE_URL,
        apiKey: raw.SCRYON_ANALYSIS_API_KEY ?? (raw.SCRYON_ANALYSIS_BASE_URL ? undefined : raw.OPENAI_API_KEY),
      };
    case "anthropic":
      return {
        provider: "anthropic",
        model: raw.SCRYON_ANALYSIS_MODEL ?? DEFAULT_ANTHROPIC_MODEL,
        baseUrl: raw.SCRYON_ANALYSIS_BASE_URL,
        apiKey: raw.SCRYON_ANALYSIS_API_KEY ?? raw.ANTHROPIC_API_KEY ?? "",
      };
    default:
      return { provider: "local" };
  }
}

const cache = globalThis as unknown as { __scryonEnv?: AppEnv };

/** The process's configuration, parsed once. Throws EnvError listing every bad value. */
export function loadEnv(): AppEnv {
  cache.__scryonEnv ??= parseEnv(process.env);
  return cache.__scryonEnv;
}
