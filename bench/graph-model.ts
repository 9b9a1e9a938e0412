/**
 * Graph models: BIM-10 throughput on graph models as tensorflowjs_converter writes them (random
 * weights), loaded by loadClassifierFromMemory twice: through the compiled graph plan
 * (src/model/graph-plan.ts) and with PRINTSHOT_LAYER_PLAN=off, i.e. GraphModel.execute under
 * tf.grad as before the plan:
 *  - mobilenetv2: keras.applications MobileNetV2 (test/fixtures/graph/mobilenetv2-full.ts),
 *    224², batch 5;
 *  - cnn: the Fashion-MNIST-style graph CNN (test/fixtures/graph/models.ts), 28², 256 images in
 *    batches of 32.
 *
 *   node --import tsx bench/graph-model.ts [--models mobilenetv2,cnn] [--size 224] [--batch 5] [--iterations 10] [--repeat 2] [--backend wasm|cpu]
 *
 * Prints the command line, the backend, both rates per model (best of --repeat, after one warm-up
 * attack each), img per CPU-second (what a busy machine still measures fairly) and the ratios.
 * Not part of npm test.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { attackImages, getAttack } from '../src/attacks';
import { loadClassifierFromMemory, installBackend, type LoadedClassifier } from '../src/model';
import { createRng, log } from '../src/shared';
import { graphMobileNetV2Full } from '../test/fixtures/graph/mobilenetv2-full';
import { graphCnn, type GraphFixture } from '../test/fixtures/graph/models';
import { fmtOutcome, measure, randomItems, type Rate } from './lib/node-bench';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'mobilenetv2,cnn' },
    size: { type: 'string', default: '224' },
    batch: { type: 'string', default: '5' },
    iterations: { type: 'string', default: '10' },
    repeat: { type: 'string', default: '2' },
    backend: { type: 'string' },
  },
});
const size = Number(args.size);
const batch = Number(args.batch);
const iterations = Number(args.iterations);
const repeat = Number(args.repeat);

async function load(f: GraphFixture, plan: boolean): Promise<LoadedClassifier> {
  const labels = Array.from({ length: f.classes }, (_, i) => `class_${i}`);
  const [height, width, channels] = f.input;
  const card = { schemaVersion: 1, name: f.name, labels, input: { height, width, channels }, range: '-1-1', outputs: 'probabilities' };
  if (!plan) process.env.PRINTSHOT_LAYER_PLAN = 'off';
  try {
    return await loadClassifierFromMemory({ modelJSON: f.modelJSON, weights: f.weights, card, name: f.name });
  } finally {
    delete process.env.PRINTSHOT_LAYER_PLAN;
  }
}

const perCpuSecond = (r: Rate): number => r.imgPerS / Math.max(r.cpuPerWall, 1e-9);

async function benchModel(f: GraphFixture, n: number, images: number): Promise<void> {
  const compiled = await load(f, true);
  const executed = await load(f, false);
  const items = randomItems(compiled, images, 1);
  const x = tf.randomUniform([n, ...f.input], 0, 1, 'float32', 3) as tf.Tensor4D;
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(compiled.logits(x), executed.logits(x)))).dataSync()[0]);
  x.dispose();
  console.log(`${f.name}, ${images} images in batches of ${n}, BIM-${iterations} at eps 8 on ${tf.getBackend()}; compiled vs model.execute logits: max |diff| ${diff.toExponential(2)}`);
  const bim = getAttack('bim');
  const run = (c: LoadedClassifier, its: number) => attackImages(bim, { eps: 8, iterations: its }, items, { classifier: c, rng: createRng(0), batchSize: n });
  const best: Rate[] = [];
  for (const [i, [name, c]] of ([['compiled graph plan', compiled], ['model.execute', executed]] as const).entries()) {
    await run(c, 1); // warm-up: kernels compiled, weights packed
    for (let r = 0; r < repeat; r++) {
      const rate = await measure(items.length, async () => void (await run(c, iterations)));
      if (!best[i] || rate.imgPerS > best[i].imgPerS) best[i] = rate;
    }
    console.log(`  ${name.padEnd(20)} ${fmtOutcome(best[i])}; ${perCpuSecond(best[i]).toFixed(2)} img per CPU-second`);
  }
  const [a, b] = best;
  console.log(`  compiled / model.execute: ${(a.imgPerS / b.imgPerS).toFixed(2)}× wall, ${(perCpuSecond(a) / perCpuSecond(b)).toFixed(2)}× per CPU-second`);
  compiled.dispose();
  executed.dispose();
}

async function main(): Promise<void> {
  console.log(`$ node --import tsx bench/graph-model.ts ${process.argv.slice(2).join(' ')}`.trimEnd());
  if (args.backend) await tf.setBackend(args.backend);
  else await installBackend();
  log.debug = (m: string) => void (m.includes('fused ops') && console.log(`  ${m.slice(0, 160)}…`));
  for (const name of args.models!.split(',')) {
    if (name === 'mobilenetv2') await benchModel(graphMobileNetV2Full({ size }), batch, batch);
    else if (name === 'cnn') await benchModel(graphCnn(), 32, 256);
    else throw new Error(`unknown model ${name}: mobilenetv2 or cnn`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
