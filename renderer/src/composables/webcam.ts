/**
 * The webcam: the cameras the browser offers, a chosen resolution, and a stream on a <video>.
 * Failures become errors with the fix (permission refused, no camera, camera busy, insecure
 * page). Stops the camera when the component goes away.
 */
import { onBeforeUnmount, ref, shallowRef } from 'vue';
import type { UiError } from '../lib/errors';

export const RESOLUTIONS = ['640x480', '1280x720', '1920x1080', '3840x2160'] as const;

export function cameraError(e: unknown): UiError {
  const name = (e as { name?: string })?.name;
  const message = (e as { message?: string })?.message ?? String(e);
  if (name === 'NotAllowedError' || name === 'SecurityError') return { code: name, message: 'Camera access was refused', hint: 'allow the camera for this page (the camera icon in the address bar or the system privacy settings), or import photos below' };
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return { code: name, message: 'No camera matches', hint: 'connect a webcam or choose another one, or import phone photos by drag and drop below' };
  if (name === 'NotReadableError') return { code: name, message: 'The camera is in use or cannot be started', hint: 'close other apps that use the camera, then start it again' };
  return { message: `The camera could not start: ${message}` };
}

export function useWebcam() {
  const devices = ref<{ deviceId: string; label: string }[]>([]);
  const deviceId = ref('');
  const resolution = ref<string>('1280x720');
  const stream = shallowRef<MediaStream | null>(null);
  const error = ref<UiError | null>(null);
  const starting = ref(false);
  const actual = ref<{ width: number; height: number } | null>(null);

  const supported = typeof navigator !== 'undefined' && !!navigator.mediaDevices?.getUserMedia;

  async function refreshDevices(): Promise<void> {
    if (!supported) return;
    const all = await navigator.mediaDevices.enumerateDevices();
    devices.value = all.filter((d) => d.kind === 'videoinput').map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Camera ${i + 1}` }));
  }

  async function start(video: HTMLVideoElement): Promise<boolean> {
    error.value = null;
    if (!supported) {
      error.value = { message: 'This page cannot use a camera', hint: 'open the workbench at http://127.0.0.1 or in the desktop app (a secure context), or import photos below' };
      return false;
    }
    stop(video);
    starting.value = true;
    const [w, h] = resolution.value.split('x').map(Number);
    try {
      const s = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { ...(deviceId.value ? { deviceId: { exact: deviceId.value } } : {}), width: { ideal: w }, height: { ideal: h } },
      });
      stream.value = s;
      video.srcObject = s;
      await video.play().catch(() => undefined);
      const settings = s.getVideoTracks()[0]?.getSettings();
      actual.value = settings?.width && settings.height ? { width: settings.width, height: settings.height } : null;
      if (!deviceId.value && settings?.deviceId) deviceId.value = settings.deviceId;
      await refreshDevices();
      return true;
    } catch (e) {
      error.value = cameraError(e);
      return false;
    } finally {
      starting.value = false;
    }
  }

  function stop(video?: HTMLVideoElement | null): void {
    for (const t of stream.value?.getTracks() ?? []) t.stop();
    stream.value = null;
    actual.value = null;
    if (video) video.srcObject = null;
  }

  onBeforeUnmount(() => stop());
  return { devices, deviceId, resolution, stream, error, starting, actual, supported, refreshDevices, start, stop };
}
