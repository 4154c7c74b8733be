/** A file's size as the views and the CLI say it while it is read: "100.8 MiB", "1.0 GiB". */
export const fileSizeText = (bytes: number): string =>
  bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
