/** keras.applications architectures through the compiled plan on wasm (see architectures-suite.ts). */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { describeArchitectures } from './architectures-suite';

describeArchitectures('wasm');
