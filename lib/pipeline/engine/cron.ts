import { CronExpressionParser } from "cron-parser";

/**
 * Next tick of a cron trigger strictly after `after`. Inngest crons run in UTC unless prefixed with
 * `TZ=<zone>` (or `CRON_TZ=<zone>`), e.g. `TZ=Europe/Paris 0 12 * * 5`.
 */
export function nextCronTick(expression: string, after: Date): Date {
  const match = /^(?:CRON_)?TZ=(\S+)\s+(.+)$/.exec(expression.trim());
  const [tz, cron] = match ? [match[1]!, match[2]!] : ["UTC", expression.trim()];
  return CronExpressionParser.parse(cron, { currentDate: after, tz }).next().toDate();
}
