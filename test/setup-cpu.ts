// Every unit test runs on the tfjs cpu backend (DESIGN.md, Tests).
import * as tf from '@tensorflow/tfjs';

await tf.setBackend('cpu');
await tf.ready();
