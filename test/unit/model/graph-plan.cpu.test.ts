/** The compiled graph plan on the cpu backend (see graph-plan.suite.ts). */
import '@tensorflow/tfjs-backend-cpu';
import { describeGraphPlan } from './graph-plan.suite';

describeGraphPlan('cpu');
