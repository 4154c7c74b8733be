/**
 * GPU readings from one long-lived `nvidia-smi --query-gpu=… --format=csv,noheader,nounits
 * -lms N` process (not a process per sample). Lines are grouped into readings by timestamp.
 * When nvidia-smi dies it is restarted with exponential backoff; when it stops writing (a hung
 * driver) it is killed and restarted; "NVIDIA-SMI has failed…" and a missing nvidia-smi become
 * states with a message, never a stream of errors.
 */
import { execa } from 'execa';
import { LineSplitter } from '../../util/lineSplitter';
import { EventEmitter } from 'node:events';
import { parseNvidiaSmiCsv, QUERY_FIELDS } from '../../formats/gpu/nvidiaSmi';
import type { GpuSample } from '../../model/telemetry';
import { findExecutable } from '../findTool';
import { signalProcessTree } from '../processTree';
import { knob } from '../../model/knobs';

export type MonitorState =
  | { kind: 'starting' }
  | { kind: 'running' }
  | { kind: 'absent'; message: string }
  | { kind: 'failed'; message: string }
  | { kind: 'restarting'; message: string; inMs: number }
  | { kind: 'stopped' };

export interface Reading {
  time: number;
  gpus: GpuSample[];
}

export interface MonitorOptions {
  intervalMs: number;
  nvidiaSmiPath?: string;
  env?: NodeJS.ProcessEnv;
  /** No output for this long means nvidia-smi hangs (default 5 intervals + 5 s). */
  stallMs?: number;
  maxBackoffMs?: number;
}

const DRIVER_FAILED =
  /NVIDIA-SMI has failed|couldn't communicate with the NVIDIA driver|No devices were found|Failed to initialize NVML/i;

export class NvidiaSmiMonitor extends EventEmitter {
  private child?: ReturnType<typeof execa>;
  private stopped = true;
  private backoff = 1000;
  private timer?: NodeJS.Timeout;
  private stallTimer?: NodeJS.Timeout;
  private pending: GpuSample[] = [];
  private pendingKey = '';
  private flushTimer?: NodeJS.Timeout;
  state: MonitorState = { kind: 'stopped' };
  restarts = 0;

  constructor(private readonly options: MonitorOptions) {
    super();
  }

  override on(event: 'reading', listener: (r: Reading) => void): this;
  override on(event: 'state', listener: (s: MonitorState) => void): this;
  override on(event: string, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  /** Whether nvidia-smi runs or a restart of it is scheduled (false once failed, absent or stopped). */
  get active(): boolean {
    return this.child !== undefined || this.timer !== undefined;
  }

  private setState(s: MonitorState): void {
    this.state = s;
    this.emit('state', s);
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.spawn();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    clearTimeout(this.stallTimer);
    clearTimeout(this.flushTimer);
    const pid = this.child?.pid;
    this.child = undefined;
    if (pid) await signalProcessTree(pid, 'SIGKILL');
    this.setState({ kind: 'stopped' });
  }

  private async spawn(): Promise<void> {
    if (this.stopped) return;
    this.setState({ kind: 'starting' });
    const exe = await findExecutable('nvidia-smi', this.options.nvidiaSmiPath, this.options.env ?? process.env);
    if (this.stopped) return;
    if (!exe) {
      this.setState({
        kind: 'absent',
        message: `nvidia-smi was not found: no NVIDIA driver on this machine, or it is not on PATH (${knob('nvidiaSmi')}).`,
      });
      return;
    }
    const args = [
      `--query-gpu=${QUERY_FIELDS.join(',')}`,
      '--format=csv,noheader,nounits',
      '-lms',
      String(Math.max(100, Math.round(this.options.intervalMs))),
    ];
    const child = execa(exe, args, {
      reject: false,
      buffer: false,
      stdin: 'ignore',
      detached: process.platform !== 'win32',
      env: this.options.env,
      extendEnv: !this.options.env,
    });
    this.child = child;
    let errText = '';
    let sawData = false;
    const armStall = () => {
      clearTimeout(this.stallTimer);
      this.stallTimer = setTimeout(() => {
        if (this.child !== child) return;
        errText = `nvidia-smi stopped answering for ${Math.round(this.stallMs() / 1000)} s`;
        if (child.pid) void signalProcessTree(child.pid, 'SIGKILL');
      }, this.stallMs());
    };
    armStall();
    child.stdout?.setEncoding('utf8');
    const lines = new LineSplitter((raw) => {
      const line = raw.trim();
      if (!line) return;
      armStall();
      if (DRIVER_FAILED.test(line)) {
        errText = line;
        return;
      }
      this.onLine(line);
      if (!sawData) {
        sawData = true;
        this.backoff = 1000;
        this.setState({ kind: 'running' });
      }
    });
    child.stdout?.on('data', (chunk: string) => lines.push(chunk));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (errText = (errText + chunk).slice(-2000)));
    // Watch the process in the background: start() returns once nvidia-smi is launched.
    void (async () => {
      const result = await child;
      clearTimeout(this.stallTimer);
      if (this.child !== child || this.stopped) return;
      this.child = undefined;
      const message = (
        errText
          .trim()
          .split('\n')
          .find((l) => l.trim()) ?? `nvidia-smi exited with code ${result.exitCode ?? result.signal}`
      ).trim();
      if (DRIVER_FAILED.test(message)) {
        this.setState({ kind: 'failed', message });
        return; // a missing or broken driver does not heal by restarting every second
      }
      const inMs = Math.min(this.backoff, this.options.maxBackoffMs ?? 30_000);
      this.backoff = Math.min(this.backoff * 2, this.options.maxBackoffMs ?? 30_000);
      this.restarts++;
      this.setState({ kind: 'restarting', message, inMs });
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.spawn();
      }, inMs);
    })();
  }

  private stallMs(): number {
    return this.options.stallMs ?? this.options.intervalMs * 5 + 5000;
  }

  private onLine(line: string): void {
    let sample: GpuSample;
    try {
      sample = parseNvidiaSmiCsv(line, 'nvidia-smi', QUERY_FIELDS).samples[0];
    } catch {
      return; // a torn or unexpected line: skip it, the next reading comes in an interval
    }
    const key = String(sample.time ?? '');
    if (this.pending.length > 0 && key !== this.pendingKey) this.flush();
    this.pendingKey = key;
    this.pending.push(sample);
    clearTimeout(this.flushTimer);
    // The last GPU of a reading: nothing follows until the next interval.
    this.flushTimer = setTimeout(() => this.flush(), Math.min(200, this.options.intervalMs / 2));
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    if (this.pending.length === 0) return;
    const gpus = this.pending;
    this.pending = [];
    // The arrival time, not nvidia-smi's timestamp: that one is wall-clock text in the local time
    // zone of wherever nvidia-smi runs (a container's may differ from the editor's).
    this.emit('reading', { time: Date.now(), gpus } satisfies Reading);
  }
}
