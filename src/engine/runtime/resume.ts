/**
 * Resuming an attack run after an engine crash or a cancel. The use case lives in services
 * (src/services/run-resume.ts), shared with `printshot runs resume` and a rerun of the same
 * attack: it redoes exactly the batches the run's manifest lacks, with the run's own partition and
 * RNG streams, so the run ends byte-identical to one that was never interrupted.
 */
export { resumeAttackRun, type ResumeOptions } from '../../services/run-resume';
