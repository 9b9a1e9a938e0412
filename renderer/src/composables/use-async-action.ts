/**
 * A request that is not a job (load a model, list images, open an experiment): `busy` while it
 * runs, `error` as the UI shows it (a dialog the user cancelled is not an error), `lastResult`
 * once it succeeded. run() never rejects; it resolves true when the action succeeded, so a view
 * can go on (navigate, close a dialog) only then.
 *
 * Several actions of one store may share one `busy` or `error` ref (the Images view shows one
 * error for listing and classifying): pass those refs in.
 */
import { ref, shallowRef, type Ref, type ShallowRef } from 'vue';
import { isCancelled, toUiError, type UiError } from '../lib/errors';

export interface AsyncActionOptions {
  busy?: Ref<boolean>;
  error?: Ref<UiError | null>;
}

export interface AsyncAction<A extends unknown[], T> {
  run: (...args: A) => Promise<boolean>;
  busy: Ref<boolean>;
  error: Ref<UiError | null>;
  lastResult: ShallowRef<T | undefined>;
}

export function useAsyncAction<A extends unknown[], T>(fn: (...args: A) => Promise<T>, opts: AsyncActionOptions = {}): AsyncAction<A, T> {
  const busy = opts.busy ?? ref(false);
  const error = opts.error ?? ref<UiError | null>(null);
  const lastResult = shallowRef<T>();

  async function run(...args: A): Promise<boolean> {
    busy.value = true;
    error.value = null;
    try {
      lastResult.value = await fn(...args);
      return true;
    } catch (e) {
      if (!isCancelled(e)) error.value = toUiError(e);
      return false;
    } finally {
      busy.value = false;
    }
  }

  return { run, busy, error, lastResult };
}
