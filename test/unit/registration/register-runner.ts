/** Child process for the kill test: `node --import tsx register-runner.ts EXPERIMENT PHOTOS`. */
import { runRegisterJob } from '../../../src/services/register-job';

await runRegisterJob({ experiment: process.argv[2], photos: process.argv[3] });
