/**
 * Bytes in the page: PNG bytes from the bridge shown as object URLs, files saved through a
 * download link (serve mode has no save dialog), and canvas or file contents read as bytes.
 */

export function blobOf(bytes: Uint8Array, type: string): Blob {
  // Copy into a fresh ArrayBuffer: a view into a shared or larger buffer must not leak into the Blob.
  return new Blob([bytes.slice().buffer as ArrayBuffer], { type });
}

/** Offers bytes as a download (the browser workbench's "Save"). */
export function downloadBytes(bytes: Uint8Array, name: string, type: string): void {
  const url = URL.createObjectURL(blobOf(bytes, type));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function fileBytes(file: Blob): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}

export function canvasPng(canvas: HTMLCanvasElement): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? fileBytes(blob).then(resolve, reject) : reject(new Error('the frame could not be encoded as PNG'))), 'image/png');
  });
}

/** PNG or JPEG, judged by the magic bytes (what the engine accepts for photos). */
export function isPhotoBytes(b: Uint8Array): boolean {
  return (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) || (b[0] === 0xff && b[1] === 0xd8);
}
