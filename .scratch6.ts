import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
for (const be of ['cpu', 'wasm']) { await tf.setBackend(be); const t = tf.oneHot(tf.tensor1d([1, 0], 'int32'), 3, 1, 0, 'float32'); console.log(be, t.dtype, Array.from(t.dataSync())); }
