/** Whole-model input gradients on the wasm backend (see model-suite.ts). */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { describeModelGradients } from './model-suite';

describeModelGradients('wasm');
