/** The pure procedure engine: no I/O, no clock, no environment. Time comes in as an argument. */
export { createEngine, commandOf, UnknownAreaError, type Engine, type EngineOptions } from './engine';
export { provenance } from '../procedure/provenance';
export { answerLabel } from './answer-label';
export { immediateDangerText } from './summary-text';
export * from './types';
