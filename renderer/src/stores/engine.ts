/**
 * The engine's health as every component sees it, kept apart from the app store so that small
 * components (ErrorNote) can read it without a bridge: whether the engine is down (the banner
 * says so, once), and when it last came back, so errors left over from that crash stay hidden.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';

export interface EngineDown {
  reason: string;
  interrupted: string[];
  restartable: boolean;
}

export const useEngineStore = defineStore('engine', () => {
  const down = ref<EngineDown | null>(null);
  /** How many times the engine came back; an engine-down error seen before the latest return is that crash's. */
  const restarts = ref(0);

  function markDown(d: EngineDown): void {
    down.value = d;
  }

  function markUp(): void {
    if (down.value) restarts.value++;
    down.value = null;
  }

  /**
   * An 'engine-down' error the banner reports: while the engine is down, or for a crash it has
   * come back from (`seenAtRestarts`: `restarts` when the error was first shown).
   */
  function coveredByBanner(error: { code?: string }, seenAtRestarts: number): boolean {
    if (error.code !== 'engine-down') return false;
    return down.value !== null || seenAtRestarts < restarts.value;
  }

  return { down, restarts, markDown, markUp, coveredByBanner };
});
