/**
 * A synthetic transformation T of Kurakin et al. §4 / Fig. 6, described as data plus an `apply`
 * function, so the CLI, the sweep runner and EOT sampling all see the same parameter schema,
 * the same paper ranges and the same implementation.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { z } from 'zod';
import type { Rng } from '../shared';

export type TransformId = 'brightness' | 'contrast' | 'gaussian-blur' | 'gaussian-noise' | 'jpeg';

export interface TransformDescriptor<P extends Record<string, number> = Record<string, number>> {
  id: string;
  title: string;
  /** The parameter a sweep varies, e.g. 'delta', 'factor', 'sigma', 'quality'. */
  sweepParam: keyof P & string;
  /** Zod object with defaults; out-of-range values fail with a message naming the range. */
  params: z.ZodType<P>;
  /** The paper's Fig. 6 x-axis range for sweepParam. */
  paperRange: { min: number; max: number };
  /** Default sweep grid, inside paperRange. */
  sweep: number[];
  /**
   * imagecorruptions (Hendrycks & Dietterich) severity 1..5 values for sweepParam, converted to
   * this transform's units (see docs/transforms-and-metrics.md for each conversion).
   */
  presets?: { severity: number; value: number }[];
  /** True when apply is built from differentiable tf ops (usable inside EOT gradients). */
  differentiable: boolean;
  /**
   * x: NHWC float32 in [0,1]. Returns a new tensor in [0,1] (clipped), NOT rounded to 8 bits;
   * the caller owns (and disposes) it. Never disposes x, never leaks intermediates.
   */
  apply(x: tf.Tensor4D, params: P, rng: Rng): tf.Tensor4D | Promise<tf.Tensor4D>;
}

/** One concrete transform application, e.g. the output of parsing "jpeg:quality=30". */
export interface TransformSpec {
  id: string;
  params: Record<string, number>;
}
