import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs: ids, step names, codes and timings only. Answers, indicator texts, case notes and message
 * bodies never reach a log; the redaction below is a second line of defence for fields that must never appear.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'cse-guidance-bot' },
      redact: { paths: ['text', 'summary', 'indicators', 'answers', 'payload', 'body', 'state', '*.text', '*.summary', '*.state'], censor: '[redacted]' },
    },
    destination,
  );
}
