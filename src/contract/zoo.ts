/** The model zoo as the Model view lists it (src/zoo: catalogue and download state). */
import { z } from 'zod';

export const ZooEntryDto = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  format: z.enum(['layers', 'graph']),
  input: z.object({ height: z.number(), width: z.number(), channels: z.number() }),
  classes: z.number(),
  /** Approximate download size in bytes. */
  approxBytes: z.number(),
  top1: z.number().optional(),
  paper: z.string(),
  license: z.string(),
  /** 'partial': a pull stopped midway (pulling again resumes it). */
  state: z.enum(['downloaded', 'partial', 'absent']),
  dir: z.string(),
});
export type ZooEntryDto = z.infer<typeof ZooEntryDto>;

export const ZooPull = z.strictObject({ name: z.string().min(1).max(100) });
export type ZooPull = z.input<typeof ZooPull>;
