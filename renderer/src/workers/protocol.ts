/** Messages between the Capture view and its worker (marker detection and frame encoding). */
import type { Detection } from '../lib/live-markers';

export type WorkerRequest =
  | {
      type: 'detect';
      id: number;
      /** A frame grabbed with createImageBitmap (transferred), or raw RGBA pixels. */
      bitmap?: ImageBitmap;
      image?: { data: ArrayBuffer; width: number; height: number };
    }
  | {
      type: 'encode';
      id: number;
      bitmap: ImageBitmap;
      /** Also encode the full frame as PNG (a webcam capture); false: only the thumbnail. */
      png: boolean;
      thumbWidth: number;
    };

export interface DetectResponse {
  id: number;
  detections: Detection[];
  width: number;
  height: number;
  /** Time spent in the worker (grab + decode). */
  ms: number;
  error?: string;
}

export interface EncodeResponse {
  id: number;
  png?: Uint8Array;
  thumb?: Uint8Array;
  width: number;
  height: number;
  error?: string;
}
