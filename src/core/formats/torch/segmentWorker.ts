/**
 * The worker thread that reads one segment of a trace (dist/traceSegmentWorker.js; see
 * parallelRead.ts): posts where its first event begins as soon as it knows, then the records.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { scanSegment } from './segmentScan';
import { batchBuffers } from './traceRecords';

const { file, from, to } = workerData as { file: string; from: number; to: number };
const port = parentPort!;
const result = scanSegment(file, from, to, (start) => port.postMessage({ type: 'start', start }));
port.postMessage({ type: 'done', result }, batchBuffers(result.batch));
