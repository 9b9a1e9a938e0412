/** The tfjs-layers fallback's input gradients on the wasm backend (see fallback-suite.ts). */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { describeFallback } from './fallback-suite';

describeFallback('wasm');
