/**
 * tfjs-core on its own registers no gradient functions. The union package @tensorflow/tfjs
 * registers all of them into the same tfjs-core instance in both module worlds: under Node its
 * CommonJS bundle inlines them, under a bundler (Vite, vitest) its ESM entry imports
 * tfjs-core/dist/register_all_gradients. Importing tfjs-core's ESM file directly breaks in Node
 * (directory imports), and would register into a second copy of tfjs-core anyway.
 * Import this module before registering any custom gradient, so ours override the stock ones.
 */
import '@tensorflow/tfjs';
