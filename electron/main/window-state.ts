/**
 * Remembers the window's size and position between runs. Restored bounds are clamped to a
 * display that still exists, so unplugging a monitor never leaves the window off screen.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Bounds;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1280, height: 860 };

/** Bounds that fit one of the work areas, or undefined (let the OS place a default window). */
export function clampBounds(b: Bounds, workAreas: readonly Bounds[]): Bounds | undefined {
  const visible = workAreas.find((a) => b.x < a.x + a.width - 100 && b.x + b.width > a.x + 100 && b.y >= a.y - 10 && b.y < a.y + a.height - 100);
  if (!visible) return undefined;
  const width = Math.min(Math.max(b.width, 960), visible.width);
  const height = Math.min(Math.max(b.height, 640), visible.height);
  const x = Math.min(Math.max(b.x, visible.x), visible.x + visible.width - width);
  const y = Math.min(Math.max(b.y, visible.y), visible.y + visible.height - height);
  return { x, y, width, height };
}

export async function loadWindowState(file: string, workAreas: readonly Bounds[]): Promise<WindowState | undefined> {
  try {
    const raw = JSON.parse(await readFile(file, 'utf8')) as Partial<WindowState>;
    const b = raw.bounds;
    if (!b || ![b.x, b.y, b.width, b.height].every((n) => Number.isFinite(n))) return undefined;
    const bounds = clampBounds(b, workAreas);
    return bounds ? { bounds, maximized: raw.maximized === true } : undefined;
  } catch {
    return undefined;
  }
}

export async function saveWindowState(file: string, state: WindowState): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(state));
}
