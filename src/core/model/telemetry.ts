/** GPU telemetry as nvidia-smi reports it: one sample per GPU per reading. Plain data. */
export interface GpuSample {
  /** Milliseconds since the epoch when the reading carries a timestamp, else undefined. */
  time?: number;
  index: number;
  name?: string;
  uuid?: string;
  utilizationGpu?: number;
  utilizationMemory?: number;
  memoryUsedMiB?: number;
  memoryTotalMiB?: number;
  temperatureC?: number;
  powerDrawW?: number;
  powerLimitW?: number;
  smClockMHz?: number;
  memClockMHz?: number;
  fanPct?: number;
  pstate?: string;
  /** MIG enabled: utilisation is not reported for the whole GPU. */
  mig?: boolean;
}

/** A GpuSample's readings that are numbers (what charts draw and exports carry), in display order. */
export const GPU_READINGS = [
  'utilizationGpu',
  'utilizationMemory',
  'memoryUsedMiB',
  'memoryTotalMiB',
  'temperatureC',
  'powerDrawW',
  'powerLimitW',
  'smClockMHz',
  'memClockMHz',
  'fanPct',
] as const satisfies readonly (keyof GpuSample)[];

export interface GpuProcess {
  gpuUuid?: string;
  gpuIndex?: number;
  pid: number;
  name: string;
  usedMemoryMiB?: number;
}

export interface TelemetrySeries {
  source: 'nvidia-smi-csv' | 'nvidia-smi-xml' | 'nvidia-smi-q' | 'nvidia-smi-table' | 'nvidia-smi-dmon';
  /** What the reader had to assume (a dmon log without times is numbered 1 s apart). */
  note?: string;
  driverVersion?: string;
  cudaVersion?: string;
  samples: GpuSample[];
  processes: GpuProcess[];
}

/** CPU, memory, disk and network of the machine at one time (/proc on Linux, else systeminformation). */
export interface HostSample {
  time: number;
  cpuPct?: number;
  memUsedMiB?: number;
  memTotalMiB?: number;
  diskReadBps?: number;
  diskWriteBps?: number;
  netRxBps?: number;
  netTxBps?: number;
}

/** One GPU of another node, as a Prometheus server scraping it reports. */
export interface ClusterGpu extends GpuSample {
  node: string;
  /** 'dcgm' or 'flamelens': which exporter the numbers came from. */
  exporter: string;
}
