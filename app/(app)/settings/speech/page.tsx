import type { Metadata } from "next";
import { SpeechSettings } from "@/components/settings/speech/SpeechSettings";
import { requireAdminPage } from "@/lib/admin/access";
import { getSpeechStatus } from "@/lib/admin/speech";

export const metadata: Metadata = { title: "Speech · Settings" };
export const dynamic = "force-dynamic";

/** Settings → Speech: the server's speech engine and its optional models. Administrators only (403 otherwise). */
export default async function SpeechSettingsPage() {
  await requireAdminPage("/settings/speech");
  const status = await getSpeechStatus();
  return <SpeechSettings initial={status} />;
}
