/**
 * What machine produced a benchmark figure, and what that machine could do at best.
 *
 * Peak FP32 FLOP/s = cores × clock × FLOP per cycle per core, with FLOP per cycle from the CPU
 * flags (each FMA counts as 2 FLOP):
 *   - AMD family 0x19 (Zen 3/Zen 4) with avx512f: Zen 4 executes 512-bit ops as two 256-bit halves
 *     on its two FMA pipes, so 2 pipes × 8 lanes × 2 = 32 (same as AVX2 + FMA);
 *   - other CPUs with avx512f (Intel server cores with two 512-bit FMA units): 2 × 16 × 2 = 64;
 *   - avx2 + fma: 2 × 8 × 2 = 32;  avx without fma: 8 (mul) + 8 (add) = 16;  otherwise SSE: 8.
 * The clock is /proc/cpuinfo's "cpu MHz" (the nominal rate a VM reports; turbo may exceed it).
 * This is an upper bound that convolution code never reaches; it is a yardstick, not a target.
 *
 * WebAssembly SIMD128 has 4 FP32 lanes and no FMA (tfjs 4.22 does not use relaxed SIMD), so
 * one wasm thread issues separate multiplies and adds: at best 2 multiplies + 2 adds per cycle
 * (Zen 4's two FMA/mul and two add pipes) × 4 lanes = 16 FLOP per cycle, about 41.5 GFLOP/s at
 * 2.6 GHz: a second, lower ceiling for the wasm backend.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  vendor: string;
  family: number | undefined;
  model: number | undefined;
  cores: number;
  mhz: number;
  flags: string[];
  /** FP32 FLOP per cycle per core (see the file comment). */
  flopPerCycle: number;
  flopPerCycleRule: string;
  /** 1-minute load average when the run started (other work on the machine skews timings). */
  loadAvg1: number;
  date: string;
  kernel: string;
}

function cpuinfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

function field(text: string, name: string): string | undefined {
  const m = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text);
  return m?.[1].trim();
}

export function machineInfo(): MachineInfo {
  const text = cpuinfo();
  const flags = (field(text, 'flags') ?? '').split(/\s+/).filter(Boolean);
  const has = (f: string): boolean => flags.includes(f);
  const vendor = field(text, 'vendor_id') ?? 'unknown';
  const familyStr = field(text, 'cpu family');
  const modelStr = field(text, 'model');
  const family = familyStr ? Number(familyStr) : undefined;
  const model = modelStr ? Number(modelStr) : undefined;
  let flopPerCycle: number;
  let flopPerCycleRule: string;
  if (has('avx512f') && vendor === 'AuthenticAMD') {
    flopPerCycle = 32;
    flopPerCycleRule = 'AMD with avx512f (Zen 4: 512-bit ops double-pumped on 2×256-bit FMA pipes): 2 pipes × 8 lanes × 2 (FMA)';
  } else if (has('avx512f')) {
    flopPerCycle = 64;
    flopPerCycleRule = 'avx512f, assuming 2 × 512-bit FMA units: 2 × 16 lanes × 2 (FMA)';
  } else if (has('avx2') && has('fma')) {
    flopPerCycle = 32;
    flopPerCycleRule = 'avx2 + fma: 2 FMA pipes × 8 lanes × 2';
  } else if (has('avx')) {
    flopPerCycle = 16;
    flopPerCycleRule = 'avx without fma: 8-lane mul + 8-lane add';
  } else {
    flopPerCycle = 8;
    flopPerCycleRule = 'sse: 4-lane mul + 4-lane add';
  }
  let date: string;
  try {
    date = execFileSync('date', { encoding: 'utf8' }).trim();
  } catch {
    date = new Date().toString();
  }
  return {
    cpuModel: field(text, 'model name') ?? os.cpus()[0]?.model ?? 'unknown',
    vendor,
    family,
    model,
    cores: os.cpus().length,
    mhz: Number(field(text, 'cpu MHz') ?? os.cpus()[0]?.speed ?? 0),
    flags: ['avx512f', 'avx2', 'fma', 'avx'].filter(has),
    flopPerCycle,
    flopPerCycleRule,
    loadAvg1: os.loadavg()[0],
    date,
    kernel: `${os.type()} ${os.release()}`,
  };
}

/** Peak FP32 GFLOP/s of `threads` cores. */
export function peakGflops(m: MachineInfo, threads: number): number {
  return (threads * m.mhz * m.flopPerCycle) / 1000;
}

/** Ceiling of one WebAssembly SIMD128 thread (no FMA): 16 FLOP per cycle. */
export const WASM_SIMD_FLOP_PER_CYCLE = 16;
export function wasmPeakGflops(m: MachineInfo, threads: number): number {
  return (threads * m.mhz * WASM_SIMD_FLOP_PER_CYCLE) / 1000;
}

/** A short description, e.g. "AMD EPYC (family 25 model 17), 2 cores @ 2596 MHz, avx512f avx2 fma". */
export function describeMachine(m: MachineInfo): string {
  const fm = m.family !== undefined ? ` (family ${m.family} model ${m.model})` : '';
  return `${m.cpuModel}${fm}, ${m.cores} cores @ ${m.mhz.toFixed(0)} MHz, ${m.flags.join(' ') || 'no avx'}`;
}

/**
 * CPU-seconds all cores of the machine have spent busy since boot (/proc/stat: user, nice,
 * system, irq, softirq, steal), or undefined where /proc/stat is unreadable. The difference over a
 * timed loop, minus the process' own CPU time, is the background load during that loop.
 */
export function machineBusySeconds(): number | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = f;
    return (user + nice + system + irq + softirq + (steal ?? 0)) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** Linux reports /proc/stat in USER_HZ ticks, 100 on every mainstream architecture. */
const CLK_TCK = 100;
