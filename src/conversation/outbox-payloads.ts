import { z } from 'zod';
import type { CaseSummary } from '../engine';

/** The payloads the conversation layer and the dispatcher put in outbox rows, read back by every channel's deliverer. */
export const ManagerPayload = z.object({
  summary: z.custom<CaseSummary>((v) => typeof v === 'object' && v !== null && typeof (v as { area?: unknown }).area === 'string'),
  sender: z.object({ userId: z.string().min(1), address: z.unknown() }),
  raisedAt: z.string().min(1),
});

/** Tells the sender that their summary could not be delivered, and why. */
export const SenderPayload = z.object({
  failedMessage: z.string().min(1),
  reason: z.enum(['not-installed', 'not-found', 'unreachable']),
  address: z.unknown(),
});

/** Tells the sender that their manager acknowledged the summary. */
export const AcknowledgedPayload = z.object({
  notification: z.string().min(1),
  caseRef: z.string().nullable(),
  acknowledgedAt: z.string().min(1),
  address: z.unknown(),
});
