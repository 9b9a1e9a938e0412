/** Per-op input gradients on the cpu backend (see op-suite.ts). */
import '@tensorflow/tfjs-backend-cpu';
import { describeOpGradients } from './op-suite';

describeOpGradients('cpu');
