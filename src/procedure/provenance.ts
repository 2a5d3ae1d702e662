import type { Procedure } from './schema';

/**
 * Where the guidance comes from, as far as it is known: "Nottingham City CSE pathway (source: 000_….txt); pack 1.0.0,
 * checked against the source on 2026-11-22". It names the document and when the pack was checked against it, never
 * a review by the council.
 */
export function provenance(p: Procedure): string {
  return `${p.procedure} (source: ${p.source}); pack ${p.version}, checked against the source on ${p.checked}`;
}
