/**
 * A script's printed output, written in large chunks: one write per
 * print made `for i in range(10**9): print(i)` spend most of its time in
 * system calls (4.7 s for 10 MB, Python takes 0.5 s). What the script
 * writes to stderr (warnings, the traceback) flushes stdout first, so the
 * two interleave exactly as when every print is written at once.
 */
const CHUNK = 1 << 16;

export interface BufferedOutput {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Writes what is buffered; call before the command returns. */
  flush(): void;
}

export function bufferedOutput(): BufferedOutput {
  // A reader that went away (`dzdx run x.py | head`): stop quietly, not with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit();
  });
  let parts: string[] = [];
  let size = 0;
  const flush = () => {
    if (size === 0) return;
    process.stdout.write(parts.join(''));
    parts = [];
    size = 0;
  };
  return {
    stdout(text) {
      parts.push(text);
      size += text.length;
      if (size >= CHUNK) flush();
    },
    stderr(text) {
      flush();
      process.stderr.write(text);
    },
    flush,
  };
}
