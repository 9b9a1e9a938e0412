/**
 * tfjs-core on its own registers no gradient functions. The union package @tensorflow/tfjs
 * registers all of them into the same tfjs-core instance in both module worlds: under Node its
 * CommonJS bundle inlines them, under a bundler (Vite, vitest) its ESM entry imports
 * tfjs-core/dist/register_all_gradients. Importing tfjs-core's ESM file directly breaks in Node
 * (directory imports), and would register into a second copy of tfjs-core anyway.
 *
 * Loading it is harmless at any point: installBackend() (src/model/backend.ts) loads it first
 * and registers src/kernels' gradients after, and a module evaluates once, so this import can
 * never put a stock gradient back over ours. It is kept for code that differentiates without an
 * installed backend (a test that sets tf.setBackend('cpu') itself).
 */
import '@tensorflow/tfjs';
