/** Messages between the Capture view and the marker-detection worker. */
import type { Detection } from '../lib/live-markers';

export interface DetectRequest {
  id: number;
  /** A frame grabbed with createImageBitmap (transferred), or raw RGBA pixels. */
  bitmap?: ImageBitmap;
  image?: { data: ArrayBuffer; width: number; height: number };
}

export interface DetectResponse {
  id: number;
  detections: Detection[];
  width: number;
  height: number;
  /** Time spent in the worker (grab + decode). */
  ms: number;
  error?: string;
}
