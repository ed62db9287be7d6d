import Link from "next/link";

/** Settings → Speech for someone who is not an administrator (answered 403). */
export default function SpeechSettingsForbidden() {
  return (
    <section className="rounded-xl border border-slate-200 bg-white p-6" data-testid="speech-forbidden">
      <h2 className="text-lg font-semibold">Only administrators can change the speech engine</h2>
      <p className="mt-2 text-sm text-slate-600">
        The server&apos;s administrators choose and install its speech models. Ask yours if transcripts should get better; they are listed in the
        server&apos;s <code className="font-mono">SCRYON_ADMIN_EMAILS</code> setting.
      </p>
      <p className="mt-4 text-sm">
        <Link href="/settings" className="font-medium text-slate-900 underline underline-offset-2">
          Back to Settings
        </Link>
      </p>
    </section>
  );
}
