export function directChildCounts(traceFile: string): Map<string, number>;
