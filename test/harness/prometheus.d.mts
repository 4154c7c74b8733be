export function prometheusBinary(): string | undefined;
export function freePort(): Promise<number>;
export function startPrometheus(
  jobs: Record<string, string[]>,
): Promise<{ base: string; log(): string; stop(): Promise<void> }>;
export function serveExposition(file: string): Promise<{ target: string; close(): void }>;
