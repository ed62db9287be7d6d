import { z } from "zod";
import { optionalSafeText, safeText } from "@/lib/validation/input";
import { WEBHOOK_EVENT_TYPES } from "./events";

/** Request bodies of the webhook routes. The URL's reachability is checked by the service, not here. */

const url = safeText({ max: 2000, min: 1 });
const events = z
  .array(z.enum(WEBHOOK_EVENT_TYPES, { message: `must be one of ${WEBHOOK_EVENT_TYPES.join(", ")}` }))
  .min(1, "choose at least one event")
  .max(WEBHOOK_EVENT_TYPES.length)
  .transform((list) => [...new Set(list)]);

export const createEndpointSchema = z.strictObject({
  url,
  events,
  description: optionalSafeText(200),
  active: z.boolean().optional(),
});
export type CreateEndpointInput = z.infer<typeof createEndpointSchema>;

export const patchEndpointSchema = z
  .strictObject({
    url: url.optional(),
    events: events.optional(),
    description: optionalSafeText(200),
    active: z.boolean().optional(),
  })
  .refine((value) => Object.values(value).some((field) => field !== undefined), "change at least one field");
export type PatchEndpointInput = z.infer<typeof patchEndpointSchema>;

export const deliveriesQuerySchema = z.object({
  cursor: safeText({ max: 200 }).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
