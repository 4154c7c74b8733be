export const ROOT: string;
export const FIXTURES: string;
export const REAL: string;
export const HANDMADE: string;
export const EXAMPLES: string;
export const MEDIA: string;
export const ARTIFACTS: string;
