/** keras.applications architectures through the compiled plan on cpu (see architectures-suite.ts). */
import '@tensorflow/tfjs-backend-cpu';

import { describeArchitectures } from './architectures-suite';

describeArchitectures('cpu');
