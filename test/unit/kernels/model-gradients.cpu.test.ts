/** Whole-model input gradients on the cpu backend (see model-suite.ts). */
import '@tensorflow/tfjs-backend-cpu';

import { describeModelGradients } from './model-suite';

describeModelGradients('cpu');
