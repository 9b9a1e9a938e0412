/** planWorkers: worker threads only where their start-up pays off (src/parallel/plan.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateComputeSeconds, idleCores, planWorkers, stepsPerImage, type WorkerPlanInput } from '../../../src/parallel/plan';

// The bundled Fashion-MNIST CNN: 2 conv + 2 dense, about 5.3 MFLOP and 0.9 MB of weights.
const CNN = { flopsPerImage: 5.3e6, weightBytes: 0.9e6 };
// Keras InceptionV3 at 299 px: about 5.7 GFLOP and 95 MB.
const INCEPTION = { flopsPerImage: 5.7e9, weightBytes: 95e6 };

const job = (over: Partial<WorkerPlanInput>): WorkerPlanInput => ({ images: 400, batches: 13, stepsPerImage: 20, cores: 2, ...CNN, ...over });

describe('planWorkers', () => {
  it('puts BIM-20 on 400 CNN images on the main thread and one worker of a 2-core machine', () => {
    const p = planWorkers(job({}));
    expect(p.workers).toBe(1);
    // About 8 s of compute on one thread (the measured ~50 img/s), about 1 s to start a worker.
    expect(p.computeS).toBeGreaterThan(5);
    expect(p.computeS).toBeLessThan(12);
    expect(p.plannedS).toBeCloseTo((p.computeS + p.workerStartS) / 2, 6);
  });

  it('keeps small jobs in-process: a worker would start after the job is done', () => {
    const p = planWorkers(job({ images: 12, batches: 3, stepsPerImage: 3 }));
    expect(p.workers).toBe(0);
    expect(p.plannedS).toBe(p.inProcessS);
    expect(p.computeS).toBeLessThan(p.workerStartS);
  });

  it('never splits a single batch, and uses no workers on one core', () => {
    expect(planWorkers(job({ ...INCEPTION, images: 5, batches: 1, stepsPerImage: 10 })).workers).toBe(0);
    expect(planWorkers(job({ cores: 1 })).workers).toBe(0);
  });

  it('uses every core on long jobs of a large model, and charges its weights to the start-up', () => {
    const p = planWorkers(job({ ...INCEPTION, images: 32, batches: 4, stepsPerImage: 10, cores: 4 }));
    expect(p.workers).toBe(3);
    expect(p.workerStartS).toBeGreaterThan(planWorkers(job({})).workerStartS + 0.5);
  });

  it('never plans more threads than cores or batches, nor a slower job, and more images never mean fewer workers', () => {
    const input = fc.record({
      images: fc.integer({ min: 1, max: 5000 }),
      batchSize: fc.integer({ min: 1, max: 64 }),
      stepsPerImage: fc.integer({ min: 1, max: 200 }),
      flopsPerImage: fc.option(fc.double({ min: 1e5, max: 2e10, noNaN: true }), { nil: null }),
      weightBytes: fc.double({ min: 0, max: 5e8, noNaN: true }),
      cores: fc.integer({ min: 1, max: 16 }),
    });
    fc.assert(
      fc.property(input, fc.integer({ min: 1, max: 5000 }), (i, more) => {
        const plan = (images: number) => planWorkers({ ...i, images, batches: Math.ceil(images / i.batchSize) });
        const p = plan(i.images);
        expect(p.workers).toBeLessThanOrEqual(Math.max(0, Math.min(i.cores, Math.ceil(i.images / i.batchSize)) - 1));
        expect(p.plannedS).toBeLessThanOrEqual(p.inProcessS);
        expect(plan(i.images + more).workers).toBeGreaterThanOrEqual(p.workers);
      }),
    );
  });
});

describe('idleCores', () => {
  it('takes cores that other processes keep busy away, and leaves at least one', () => {
    expect(idleCores(2, 0.05)).toBe(2);
    expect(idleCores(2, 0.9)).toBe(2);
    expect(idleCores(2, 1.2)).toBe(1);
    expect(idleCores(2, 11)).toBe(1);
    expect(idleCores(16, 3.5)).toBe(13);
    expect(idleCores(4, 0)).toBe(4);
  });
});

describe('stepsPerImage and the compute estimate', () => {
  it('counts gradient steps from the parsed parameters', () => {
    expect(stepsPerImage({ eps: 8 })).toBe(1);
    expect(stepsPerImage({ eps: 8, iterations: 20 })).toBe(20);
    expect(stepsPerImage({ eps: 8, iterations: 10, samples: 8 })).toBe(80);
    expect(stepsPerImage({ maxIterations: 100, binarySteps: 5 })).toBe(500);
  });

  it('scales with images, steps and FLOPs', () => {
    const base = estimateComputeSeconds({ images: 10, stepsPerImage: 10, flopsPerImage: 1e8 });
    expect(estimateComputeSeconds({ images: 20, stepsPerImage: 10, flopsPerImage: 1e8 })).toBeCloseTo(2 * base, 9);
    expect(estimateComputeSeconds({ images: 10, stepsPerImage: 20, flopsPerImage: 1e8 })).toBeGreaterThan(1.9 * base);
    expect(estimateComputeSeconds({ images: 10, stepsPerImage: 10, flopsPerImage: 1e9 })).toBeGreaterThan(8 * base);
  });
});
