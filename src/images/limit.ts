/**
 * Runs `fn` over `xs` with at most `limit` calls in flight, keeping results in input order.
 * Image decoding and PNG encoding run on libuv's thread pool; a few in flight keep it busy
 * without holding every decoded image of a large dataset in memory at once.
 */
export async function mapLimit<T, R>(xs: readonly T[], limit: number, fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(xs.length);
  let next = 0;
  let failed = false;
  let firstError: unknown;
  // After a failure no worker takes a new item, and the call settles only once the items already
  // started have finished: a caller that cleans up on the error (merge removes its temp folder)
  // must not race writes still in flight.
  const worker = async (): Promise<void> => {
    while (!failed && next < xs.length) {
      const i = next++;
      try {
        out[i] = await fn(xs[i], i);
      } catch (e) {
        if (!failed) firstError = e;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, xs.length)) }, worker));
  if (failed) throw firstError;
  return out;
}
