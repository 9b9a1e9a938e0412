/**
 * Simulation against capture on the wire (capture:photos' `channelCompare`): the comparison
 * `printshot channel compare` stored in EXP/channel/compare.json, restated here because the
 * contract may not import src/reports (test/unit/services/channel-compare.test.ts parses a stored
 * comparison with this schema). Per photographed run: top-1 destruction rate photographed,
 * simulated through the fitted profile and through the default channel, with counts, 95 % Wilson
 * intervals and the gaps in points; `stale` says why it may be out of date.
 */
import { z } from 'zod';

const RateDto = z.object({
  numerator: z.number().int(),
  denominator: z.number().int(),
  rate: z.number().nullable(),
  ci: z.object({ low: z.number(), high: z.number() }).nullable(),
});

const CompareRowDto = z.object({
  run: z.string(),
  label: z.string(),
  photos: z.number().int(),
  photographed: RateDto,
  profile: RateDto,
  default: RateDto,
  gapProfile: z.number().nullable(),
  gapDefault: z.number().nullable(),
});

export const ChannelCompareDto = z.object({
  computedAt: z.string(),
  profile: z.object({ file: z.string(), photos: z.number().int() }),
  poses: z.object({ registered: z.number().int(), drawn: z.number().int() }),
  rows: z.array(CompareRowDto),
  total: CompareRowDto,
  stale: z.array(z.string()),
});
export type ChannelCompareDto = z.infer<typeof ChannelCompareDto>;
