/** Per-op input gradients on the wasm backend (see op-suite.ts). */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { describeOpGradients } from './op-suite';

describeOpGradients('wasm');
