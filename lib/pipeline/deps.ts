import "server-only";
import path from "node:path";
import { getDb } from "@/db";
import { createAnalysisProvider } from "@/lib/analysis";
import { loadEnv } from "@/lib/env";
import { createSpeechProviders } from "@/lib/speech";
import { getStorage } from "@/lib/storage";
import type { PipelineDeps } from "./stages";

const holder = globalThis as unknown as { __scryonPipelineDeps?: Promise<PipelineDeps> };

/** The stages' dependencies for this process, chosen by config (the local speech engine by default). */
export function getPipelineDeps(): Promise<PipelineDeps> {
  holder.__scryonPipelineDeps ??= (async () => {
    const env = loadEnv();
    const speech = createSpeechProviders(env.speech);
    return {
      db: await getDb(),
      storage: getStorage(),
      workRoot: path.join(env.dataDir, "work"),
      diarization: speech.diarization,
      transcription: speech.transcription,
      voiceprint: speech.voiceprint,
      analysis: createAnalysisProvider(env.analysis),
      voiceConsentVersion: env.voiceConsentVersion,
      timeZone: env.timeZone,
      audioRetentionDays: env.audioRetentionDays,
    };
  })();
  return holder.__scryonPipelineDeps;
}
